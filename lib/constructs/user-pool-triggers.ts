import { Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { sesIdentityOf, type StageConfig } from '../config/schema';
import { ReferenceFunction } from './lambda-function';
import { PASSWORDLESS_ENV } from '../../lambda/shared/auth-tables';
import { LegacyUserTable, SignInStateTable, TestOutboxTable } from './trigger-tables';

export interface UserPoolTriggersProps {
  readonly userPool: cognito.UserPool;
  readonly config: StageConfig;
  /**
   * Names of the federated identity providers whose `email_verified` the config trusts for
   * account linking (`trustEmailVerified`); a sign-up through any other provider is never linked.
   * @default - none: no linking
   */
  readonly linkProviderNames?: readonly string[];
}

/**
 * The user-pool Lambda triggers of the sign-up and sign-in path: pre sign-up, post confirmation,
 * pre token generation (V2), migrate user (with its legacy-users table) and the passwordless
 * custom-auth trio define / create / verify auth challenge (with the optional test outbox). Each
 * is wired with `UserPool.addTrigger`, which scopes the Lambda permission for
 * cognito-idp.amazonaws.com to this pool's ARN.
 */
export class UserPoolTriggers extends Construct {
  readonly preSignUp?: ReferenceFunction;
  readonly postConfirmation?: ReferenceFunction;
  readonly preTokenGeneration?: ReferenceFunction;
  readonly migrateUser?: ReferenceFunction;
  /** The legacy directory migrate-user reads (only when `migration.enabled`). */
  readonly legacyUsers?: LegacyUserTable;
  readonly defineAuthChallenge?: ReferenceFunction;
  readonly createAuthChallenge?: ReferenceFunction;
  readonly verifyAuthChallenge?: ReferenceFunction;
  /** Per-user passwordless state across sign-in sessions (only with passwordless.customChallenge). */
  readonly signInState?: SignInStateTable;
  /** Dev-only table of sign-in codes for the smoke test (only when `testOutbox`). */
  readonly testOutbox?: TestOutboxTable;
  private readonly userPool: cognito.UserPool;

  constructor(scope: Construct, id: string, props: UserPoolTriggersProps) {
    super(scope, id);
    const { config, userPool } = props;
    this.userPool = userPool;
    const { triggers, functions } = config;

    // Created first: pre sign-up may read it too (self sign-up with migration).
    if (config.migration.enabled) {
      this.legacyUsers = new LegacyUserTable(this, 'LegacyUsers', { removalPolicy: config.userPool.removalPolicy });
    }

    if (triggers.preSignUp.enabled) {
      // Each addition needs an AWS SDK client; without them a smaller, SDK-free handler is deployed.
      const linkProviders = triggers.preSignUp.linkFederatedUsers ? (props.linkProviderNames ?? []) : [];
      const link = linkProviders.length > 0;
      const legacyCheck = config.userPool.selfSignUp ? this.legacyUsers : undefined;
      this.preSignUp = new ReferenceFunction(this, 'PreSignUp', {
        entry: `triggers/pre-sign-up/${preSignUpEntry(link, legacyCheck !== undefined)}`,
        description: [
          'Cognito pre sign-up: email-domain and tenant-id rules',
          ...(link ? ['federated account linking'] : []),
          ...(legacyCheck ? ['legacy addresses kept for migration'] : []),
        ].join(', '),
        settings: functions,
        environment: {
          ALLOWED_EMAIL_DOMAINS: config.userPool.emailDomains.allow.join(','),
          DENIED_EMAIL_DOMAINS: config.userPool.emailDomains.deny.join(','),
          ...(link ? { LINK_PROVIDERS: linkProviders.join(',') } : {}),
        },
      });
      userPool.addTrigger(cognito.UserPoolOperation.PRE_SIGN_UP, this.preSignUp.function);
      if (link) {
        this.allowOnPool(this.preSignUp, 'LinkAccounts', [
          'cognito-idp:ListUsers',
          'cognito-idp:AdminLinkProviderForUser',
        ]);
      }
      if (legacyCheck) this.readLegacyUsers(this.preSignUp, legacyCheck.table);
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
            claims: config.userPool.authorizationAttributes,
          }),
        },
      });
      userPool.addTrigger(
        cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
        this.preTokenGeneration.function,
        cognito.LambdaVersion.V2_0,
      );
    }

    if (this.legacyUsers) {
      const policy = config.userPool.passwordPolicy;
      this.migrateUser = new ReferenceFunction(this, 'MigrateUser', {
        entry: 'triggers/migrate-user/handler.ts',
        description: 'Cognito migrate user: checks the password against the legacy directory and migrates the user',
        settings: functions,
        environment: {
          PASSWORD_POLICY: JSON.stringify({
            minLength: policy.minLength,
            requireLowercase: policy.requireLowercase,
            requireUppercase: policy.requireUppercase,
            requireDigits: policy.requireDigits,
            requireSymbols: policy.requireSymbols,
          }),
        },
      });
      this.readLegacyUsers(this.migrateUser, this.legacyUsers.table);
      userPool.addTrigger(cognito.UserPoolOperation.USER_MIGRATION, this.migrateUser.function);
    }

    const passwordless = config.passwordless.customChallenge;
    if (passwordless.enabled) {
      const { email } = config;
      // The schema guarantees the sender; this guards construct users who bypass it.
      if (!email) throw new Error('passwordless.customChallenge needs the email section (SES sender)');
      const challengeEnv = {
        CODE_LENGTH: String(passwordless.codeLength),
        MAX_ATTEMPTS: String(passwordless.maxAttempts),
      };
      // The cross-session limits both create and verify enforce (code-state.ts).
      const limitsEnv = {
        [PASSWORDLESS_ENV.maxEmails]: String(passwordless.emailLimit.maxEmails),
        [PASSWORDLESS_ENV.emailWindowSeconds]: String(passwordless.emailLimit.windowSeconds),
        [PASSWORDLESS_ENV.maxWrongAnswers]: String(passwordless.lockout.maxWrongAnswers),
        [PASSWORDLESS_ENV.lockoutWindowSeconds]: String(passwordless.lockout.windowSeconds),
      };
      const refuseMfaUsers = passwordless.usersWithMfa === 'refuse';
      this.defineAuthChallenge = new ReferenceFunction(this, 'DefineAuthChallenge', {
        entry: 'triggers/define-auth-challenge/handler.ts',
        description: 'Cognito define auth challenge: passwordless email-code session rules',
        settings: functions,
        environment: { MAX_ATTEMPTS: challengeEnv.MAX_ATTEMPTS },
      });
      this.createAuthChallenge = new ReferenceFunction(this, 'CreateAuthChallenge', {
        // Only the dev-stage variant with a test outbox writes it; only variants that refuse
        // users with MFA bundle the Cognito client.
        entry: passwordless.testOutbox
          ? 'triggers/create-auth-challenge/handler-with-outbox.ts'
          : refuseMfaUsers
            ? 'triggers/create-auth-challenge/handler.ts'
            : 'triggers/create-auth-challenge/handler-mfa-allowed.ts',
        description: 'Cognito create auth challenge: issues or reuses the one-time sign-in code and emails it',
        settings: functions,
        environment: { ...challengeEnv, ...limitsEnv, CODE_TTL_SECONDS: String(passwordless.codeTtlSeconds) },
      });
      this.verifyAuthChallenge = new ReferenceFunction(this, 'VerifyAuthChallenge', {
        entry: 'triggers/verify-auth-challenge/handler.ts',
        description: 'Cognito verify auth challenge response: checks and consumes the one-time sign-in code',
        settings: functions,
        environment: { CODE_LENGTH: challengeEnv.CODE_LENGTH, ...limitsEnv },
      });
      this.signInState = new SignInStateTable(this, 'SignInState', { removalPolicy: config.userPool.removalPolicy });
      for (const fn of [this.createAuthChallenge, this.verifyAuthChallenge]) {
        this.useSignInState(fn, this.signInState.table);
      }
      this.sendEmailAs(this.createAuthChallenge, email);
      if (refuseMfaUsers) this.allowOnPool(this.createAuthChallenge, 'ReadMfaSettings', ['cognito-idp:AdminGetUser']);
      if (passwordless.testOutbox) {
        this.testOutbox = new TestOutboxTable(this, 'TestOutbox');
        this.writeTestOutbox(this.createAuthChallenge, this.testOutbox.table, passwordless.testOutboxAddresses);
        this.createAuthChallenge.addEnvironment(PASSWORDLESS_ENV.usersWithMfa, passwordless.usersWithMfa);
      }
      userPool.addTrigger(cognito.UserPoolOperation.DEFINE_AUTH_CHALLENGE, this.defineAuthChallenge.function);
      userPool.addTrigger(cognito.UserPoolOperation.CREATE_AUTH_CHALLENGE, this.createAuthChallenge.function);
      userPool.addTrigger(cognito.UserPoolOperation.VERIFY_AUTH_CHALLENGE_RESPONSE, this.verifyAuthChallenge.function);
    }
  }

  /** Read-only access to the legacy directory: `GetItem` on that one table, nothing else. */
  private readLegacyUsers(fn: ReferenceFunction, table: dynamodb.ITable): void {
    fn.addEnvironment('LEGACY_USERS_TABLE', table.tableName);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table.tableArn] }),
    );
  }

  /** The per-user sign-in state: `GetItem` and (conditional) `PutItem` on that one table. */
  private useSignInState(fn: ReferenceFunction, table: dynamodb.ITable): void {
    fn.addEnvironment(PASSWORDLESS_ENV.stateTable, table.tableName);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [table.tableArn] }),
    );
  }

  /**
   * Write-only access to the test outbox: `PutItem` on that one table (no read, no delete), for
   * the addresses matching `addresses` only (the function checks; IAM cannot see the address).
   */
  private writeTestOutbox(fn: ReferenceFunction, table: dynamodb.ITable, addresses: string): void {
    fn.addEnvironment(PASSWORDLESS_ENV.testOutboxTable, table.tableName);
    fn.addEnvironment(PASSWORDLESS_ENV.testOutboxAddresses, addresses);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [table.tableArn] }),
    );
  }

  /**
   * `ses:SendEmail` from the configured identity only, and only with the configured From
   * address (`ses:FromAddress`), so the function cannot send as anyone else.
   */
  private sendEmailAs(fn: ReferenceFunction, email: NonNullable<StageConfig['email']>): void {
    const identity = sesIdentityOf(email);
    fn.addEnvironment('EMAIL_FROM', formatSender(email.fromAddress, email.fromName));
    if (email.sesRegion) fn.addEnvironment('SES_REGION', email.sesRegion);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          Stack.of(this).formatArn({
            service: 'ses',
            resource: 'identity',
            resourceName: identity,
            ...(email.sesRegion ? { region: email.sesRegion } : {}),
          }),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': email.fromAddress } },
      }),
    );
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

/** The pre sign-up variant with exactly the additions the config needs (see sign-up.ts). */
function preSignUpEntry(link: boolean, legacyCheck: boolean): string {
  if (link && legacyCheck) return 'handler-federated-migration.ts';
  if (link) return 'handler-federated.ts';
  return legacyCheck ? 'handler-migration.ts' : 'handler.ts';
}

/**
 * The From header value: `"Name" <address>`, with the name MIME-encoded (RFC 2047) when it is
 * not plain ASCII, as SES requires.
 */
export function formatSender(address: string, name?: string): string {
  if (!name) return address;
  const ascii = /^[\x20-\x7e]*$/.test(name);
  const display = ascii ? `"${name}"` : `=?UTF-8?B?${Buffer.from(name, 'utf8').toString('base64')}?=`;
  return `${display} <${address}>`;
}
