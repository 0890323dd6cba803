import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { StageConfig } from '../../config/schema';
import { TriggerFunction } from './trigger-function';

/** Sign-up family: who may sign up, and what a confirmed user gets. */

export interface PreSignUpTriggerProps {
  readonly userPool: cognito.UserPool;
  readonly functions: StageConfig['functions'];
  readonly emailDomains: StageConfig['userPool']['emailDomains'];
  /**
   * Providers whose `email_verified` the config trusts (`trustEmailVerified`): a sign-up through
   * one of them is linked to the native account with the same email. @default - no linking
   */
  readonly linkProviders?: readonly string[];
  /**
   * The legacy directory, when users sign themselves up while migration is on: an address of a
   * not-yet-migrated legacy user is kept for its owner. @default - no check
   */
  readonly legacyUsers?: dynamodb.ITable;
}

/**
 * Pre sign-up: email-domain and tenant-id rules; with the config's need only, account linking and
 * the legacy-address check. Each addition needs an AWS SDK client, so there is one handler
 * variant per combination and a config without them deploys the SDK-free one.
 */
export class PreSignUpTrigger extends TriggerFunction {
  constructor(scope: Construct, id: string, props: PreSignUpTriggerProps) {
    const providers = props.linkProviders ?? [];
    const link = providers.length > 0;
    const legacyCheck = props.legacyUsers !== undefined;
    super(scope, id, {
      userPool: props.userPool,
      operation: cognito.UserPoolOperation.PRE_SIGN_UP,
      entry: `triggers/pre-sign-up/${preSignUpEntry(link, legacyCheck)}`,
      description: [
        'Cognito pre sign-up: email-domain and tenant-id rules',
        ...(link ? ['federated account linking'] : []),
        ...(legacyCheck ? ['legacy addresses kept for migration'] : []),
      ].join(', '),
      settings: props.functions,
      environment: {
        ALLOWED_EMAIL_DOMAINS: props.emailDomains.allow.join(','),
        DENIED_EMAIL_DOMAINS: props.emailDomains.deny.join(','),
        ...(link ? { LINK_PROVIDERS: providers.join(',') } : {}),
      },
    });
    if (link) this.allowOnPool('LinkAccounts', ['cognito-idp:ListUsers', 'cognito-idp:AdminLinkProviderForUser']);
    if (props.legacyUsers) this.useTable('LEGACY_USERS_TABLE', props.legacyUsers, ['dynamodb:GetItem']);
  }
}

/** The pre sign-up variant with exactly the additions the config needs (see sign-up.ts). */
function preSignUpEntry(link: boolean, legacyCheck: boolean): string {
  if (link && legacyCheck) return 'handler-federated-migration.ts';
  if (link) return 'handler-federated.ts';
  return legacyCheck ? 'handler-migration.ts' : 'handler.ts';
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
