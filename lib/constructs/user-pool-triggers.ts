import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { scopesByGroup, type StageConfig } from '../config/schema';
import { LegacyUserTable, SignInStateTable, TestOutboxTable } from './trigger-tables';
import {
  CreateAuthChallengeTrigger,
  DefineAuthChallengeTrigger,
  VerifyAuthChallengeTrigger,
} from './triggers/custom-auth';
import { MigrateUserTrigger } from './triggers/migration';
import { PostConfirmationTrigger, PreSignUpTrigger } from './triggers/sign-up';
import { PreTokenGenerationTrigger } from './triggers/token';
import { TriggerFunction } from './triggers/trigger-function';

/** Pool operations a trigger of the TRIGGERS table may handle (the others have their family). */
const TABLE_OPERATIONS = {
  PRE_AUTHENTICATION: cognito.UserPoolOperation.PRE_AUTHENTICATION,
  POST_AUTHENTICATION: cognito.UserPoolOperation.POST_AUTHENTICATION,
  CUSTOM_MESSAGE: cognito.UserPoolOperation.CUSTOM_MESSAGE,
} as const;

/** A trigger that needs no AWS permission and no setting from the config: one entry each. */
export interface TriggerSpec {
  /** Construct id of the function; its logical ids derive from it, so keep it once deployed. */
  readonly id: string;
  /** The pool operation it handles. */
  readonly operation: keyof typeof TABLE_OPERATIONS;
  /** Handler source relative to `lambda/`, e.g. `triggers/custom-message/handler.ts`. */
  readonly entry: string;
  /** What the function does (its Lambda description). */
  readonly description: string;
}

/**
 * Triggers beyond the shipped families, as data (docs/fork-guide.md "Add a trigger"). A trigger
 * that needs a grant or config gets its own class in lib/constructs/triggers/ instead, like the
 * shipped ones.
 */
export const TRIGGERS: readonly TriggerSpec[] = [];

export interface UserPoolTriggersProps {
  readonly userPool: cognito.UserPool;
  readonly config: StageConfig;
  /**
   * Names of the federated identity providers whose `email_verified` the config trusts for
   * account linking (`trustEmailVerified`); a sign-up through any other provider is never linked.
   * @default - none: no linking
   */
  readonly linkProviderNames?: readonly string[];
  /** Triggers as data, beyond the families. @default TRIGGERS */
  readonly triggers?: readonly TriggerSpec[];
}

/**
 * The user-pool Lambda triggers, one construct per trigger (lib/constructs/triggers/, grouped by
 * family: sign-up, token, migration, custom auth), each wired with `UserPool.addTrigger` (which
 * scopes the Lambda permission to this pool's ARN), plus the tables they use and the
 * TRIGGERS table. Which ones exist is the stage config's choice.
 */
export class UserPoolTriggers extends Construct {
  readonly preSignUp?: PreSignUpTrigger;
  readonly postConfirmation?: PostConfirmationTrigger;
  readonly preTokenGeneration?: PreTokenGenerationTrigger;
  readonly migrateUser?: MigrateUserTrigger;
  /** The legacy directory migrate-user reads (only when `migration.enabled`). */
  readonly legacyUsers?: LegacyUserTable;
  readonly defineAuthChallenge?: DefineAuthChallengeTrigger;
  readonly createAuthChallenge?: CreateAuthChallengeTrigger;
  readonly verifyAuthChallenge?: VerifyAuthChallengeTrigger;
  /** Per-user passwordless state across sign-in sessions (only with passwordless.customChallenge). */
  readonly signInState?: SignInStateTable;
  /** Dev-only table of sign-in codes for the smoke test (only when `testOutbox`). */
  readonly testOutbox?: TestOutboxTable;
  /** The functions of the TRIGGERS table, by id. */
  readonly fromTable: Readonly<Record<string, TriggerFunction>>;

  constructor(scope: Construct, id: string, props: UserPoolTriggersProps) {
    super(scope, id);
    const { config, userPool } = props;
    const { triggers, functions } = config;

    // Created first: pre sign-up may read it too (self sign-up with migration).
    if (config.migration.enabled) {
      this.legacyUsers = new LegacyUserTable(this, 'LegacyUsers', { removalPolicy: config.userPool.removalPolicy });
    }

    if (triggers.preSignUp.enabled) {
      this.preSignUp = new PreSignUpTrigger(this, 'PreSignUp', {
        userPool,
        functions,
        emailDomains: config.userPool.emailDomains,
        linkProviders: triggers.preSignUp.linkFederatedUsers ? props.linkProviderNames : [],
        legacyUsers: config.userPool.selfSignUp ? this.legacyUsers?.table : undefined,
      });
    }

    if (triggers.postConfirmation.enabled && config.defaultGroup !== null) {
      this.postConfirmation = new PostConfirmationTrigger(this, 'PostConfirmation', {
        userPool,
        functions,
        defaultGroup: config.defaultGroup,
      });
    }

    if (triggers.preTokenGeneration.enabled) {
      this.preTokenGeneration = new PreTokenGenerationTrigger(this, 'PreTokenGeneration', {
        userPool,
        functions,
        rules: {
          resourceServer: config.resourceServer.identifier,
          byGroup: scopesByGroup(config),
          everyone: triggers.preTokenGeneration.everyoneScopes,
          claims: config.userPool.authorizationAttributes,
        },
      });
    }

    if (this.legacyUsers) {
      this.migrateUser = new MigrateUserTrigger(this, 'MigrateUser', {
        userPool,
        functions,
        passwordPolicy: config.userPool.passwordPolicy,
        legacyUsers: this.legacyUsers.table,
      });
    }

    const challenge = config.passwordless.customChallenge;
    if (challenge.enabled) {
      // The schema guarantees the sender; this guards construct users who bypass it.
      if (!config.email) throw new Error('passwordless.customChallenge needs the email section (SES sender)');
      const common = { userPool, functions, challenge };
      this.signInState = new SignInStateTable(this, 'SignInState', { removalPolicy: config.userPool.removalPolicy });
      if (challenge.testOutbox) this.testOutbox = new TestOutboxTable(this, 'TestOutbox');
      const signInState = this.signInState.table;
      this.defineAuthChallenge = new DefineAuthChallengeTrigger(this, 'DefineAuthChallenge', common);
      this.createAuthChallenge = new CreateAuthChallengeTrigger(this, 'CreateAuthChallenge', {
        ...common,
        signInState,
        email: config.email,
        testOutbox: this.testOutbox?.table,
      });
      this.verifyAuthChallenge = new VerifyAuthChallengeTrigger(this, 'VerifyAuthChallenge', {
        ...common,
        signInState,
      });
    }

    this.fromTable = Object.fromEntries(
      (props.triggers ?? TRIGGERS).map((spec) => [
        spec.id,
        new TriggerFunction(this, spec.id, {
          userPool,
          operation: TABLE_OPERATIONS[spec.operation],
          entry: spec.entry,
          description: spec.description,
          settings: functions,
        }),
      ]),
    );
  }
}
