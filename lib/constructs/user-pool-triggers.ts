import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';
import { ReferenceFunction } from './lambda-function';

export interface UserPoolTriggersProps {
  readonly userPool: cognito.UserPool;
  readonly config: StageConfig;
  /** Names of the federated identity providers (for linking `Google_123` to `Google`). */
  readonly federatedProviderNames: readonly string[];
}

/**
 * The user-pool Lambda triggers of the sign-up and sign-in path: pre sign-up, post confirmation
 * and pre token generation (V2). Each is wired with `UserPool.addTrigger`, which scopes the
 * Lambda permission for cognito-idp.amazonaws.com to this pool's ARN.
 */
export class UserPoolTriggers extends Construct {
  readonly preSignUp?: ReferenceFunction;
  readonly postConfirmation?: ReferenceFunction;
  readonly preTokenGeneration?: ReferenceFunction;
  private readonly userPool: cognito.UserPool;

  constructor(scope: Construct, id: string, props: UserPoolTriggersProps) {
    super(scope, id);
    const { config, userPool } = props;
    this.userPool = userPool;
    const { triggers, functions } = config;

    if (triggers.preSignUp.enabled) {
      // Linking needs the AWS SDK; without federation a smaller, SDK-free handler is deployed.
      const link = triggers.preSignUp.linkFederatedUsers && props.federatedProviderNames.length > 0;
      const domains = {
        ALLOWED_EMAIL_DOMAINS: config.userPool.emailDomains.allow.join(','),
        DENIED_EMAIL_DOMAINS: config.userPool.emailDomains.deny.join(','),
      };
      this.preSignUp = new ReferenceFunction(this, 'PreSignUp', {
        entry: link ? 'triggers/pre-sign-up/handler-federated.ts' : 'triggers/pre-sign-up/handler.ts',
        description: link
          ? 'Cognito pre sign-up: email-domain rules and federated account linking'
          : 'Cognito pre sign-up: email-domain rules',
        settings: functions,
        environment: link ? { ...domains, FEDERATED_PROVIDERS: props.federatedProviderNames.join(',') } : domains,
      });
      userPool.addTrigger(cognito.UserPoolOperation.PRE_SIGN_UP, this.preSignUp.function);
      if (link) {
        this.allowOnPool(this.preSignUp, 'LinkAccounts', [
          'cognito-idp:ListUsers',
          'cognito-idp:AdminLinkProviderForUser',
        ]);
      }
    }

    if (triggers.postConfirmation.enabled && config.defaultGroup !== null) {
      this.postConfirmation = new ReferenceFunction(this, 'PostConfirmation', {
        entry: 'triggers/post-confirmation/handler.ts',
        description: 'Cognito post confirmation: adds new users to the default group',
        settings: functions,
        environment: { DEFAULT_GROUP: config.defaultGroup },
      });
      userPool.addTrigger(cognito.UserPoolOperation.POST_CONFIRMATION, this.postConfirmation.function);
      this.allowOnPool(this.postConfirmation, 'AddToGroup', ['cognito-idp:AdminAddUserToGroup']);
    }

    if (triggers.preTokenGeneration.enabled) {
      this.preTokenGeneration = new ReferenceFunction(this, 'PreTokenGeneration', {
        entry: 'triggers/pre-token-generation/handler.ts',
        description: 'Cognito pre token generation (V2): tenant claims and group scopes',
        settings: functions,
        environment: {
          SCOPE_RULES: JSON.stringify({
            resourceServer: config.resourceServer.identifier,
            byGroup: triggers.preTokenGeneration.scopesByGroup,
            everyone: triggers.preTokenGeneration.everyoneScopes,
          }),
        },
      });
      userPool.addTrigger(
        cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
        this.preTokenGeneration.function,
        cognito.LambdaVersion.V2_0,
      );
    }
  }

  /**
   * Grants `actions` on this user pool only. A standalone policy, not the role's default one:
   * the function must exist before the pool (trigger config) while this policy needs the pool's
   * ARN, and the default policy would be a dependency of the function, closing a cycle.
   */
  private allowOnPool(fn: ReferenceFunction, id: string, actions: string[]): void {
    new iam.Policy(fn, id, {
      roles: [fn.role],
      statements: [new iam.PolicyStatement({ actions, resources: [this.userPool.userPoolArn] })],
    });
  }
}
