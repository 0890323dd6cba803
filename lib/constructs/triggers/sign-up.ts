import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { Construct } from 'constructs';
import type { StageConfig } from '../../config/schema';
import { TriggerFunction } from './trigger-function';

/** Sign-up family: who may sign up, and what a confirmed user gets. */

export interface PreSignUpTriggerProps {
  readonly userPool: cognito.UserPool;
  readonly functions: StageConfig['functions'];
  readonly emailDomains: StageConfig['userPool']['emailDomains'];
  /**
   * Names of the federated providers to link sign-ups of (`Google_123` to `Google`); empty or
   * absent: the smaller, SDK-free handler without linking.
   */
  readonly linkProviders?: readonly string[];
}

/** Pre sign-up: email-domain rules, and (with federation) linking to the native account. */
export class PreSignUpTrigger extends TriggerFunction {
  constructor(scope: Construct, id: string, props: PreSignUpTriggerProps) {
    const providers = props.linkProviders ?? [];
    const link = providers.length > 0;
    const domains = {
      ALLOWED_EMAIL_DOMAINS: props.emailDomains.allow.join(','),
      DENIED_EMAIL_DOMAINS: props.emailDomains.deny.join(','),
    };
    super(scope, id, {
      userPool: props.userPool,
      operation: cognito.UserPoolOperation.PRE_SIGN_UP,
      // Linking needs the AWS SDK; without federation a smaller, SDK-free handler is deployed.
      entry: link ? 'triggers/pre-sign-up/handler-federated.ts' : 'triggers/pre-sign-up/handler.ts',
      description: link
        ? 'Cognito pre sign-up: email-domain rules and federated account linking'
        : 'Cognito pre sign-up: email-domain rules',
      settings: props.functions,
      environment: link ? { ...domains, FEDERATED_PROVIDERS: providers.join(',') } : domains,
    });
    if (link) this.allowOnPool('LinkAccounts', ['cognito-idp:ListUsers', 'cognito-idp:AdminLinkProviderForUser']);
  }
}

export interface PostConfirmationTriggerProps {
  readonly userPool: cognito.UserPool;
  readonly functions: StageConfig['functions'];
  /** The group every newly confirmed user joins. */
  readonly defaultGroup: string;
}

/** Post confirmation: adds new users to the default group (AdminAddUserToGroup on this pool only). */
export class PostConfirmationTrigger extends TriggerFunction {
  constructor(scope: Construct, id: string, props: PostConfirmationTriggerProps) {
    super(scope, id, {
      userPool: props.userPool,
      operation: cognito.UserPoolOperation.POST_CONFIRMATION,
      entry: 'triggers/post-confirmation/handler.ts',
      description: 'Cognito post confirmation: adds new users to the default group',
      settings: props.functions,
      environment: { DEFAULT_GROUP: props.defaultGroup },
    });
    this.allowOnPool('AddToGroup', ['cognito-idp:AdminAddUserToGroup']);
  }
}
