import { Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { PASSWORDLESS_ENV } from '../../../lambda/contract';
import { sesIdentityOf, type StageConfig } from '../../config/schema';
import { TriggerFunction } from './trigger-function';

/**
 * Custom-auth family: the passwordless email-code sign-in, one trigger per step of Cognito's
 * CUSTOM_AUTH flow (define -> create -> verify -> define ...). Define calls no AWS API; create
 * and verify share the per-user sign-in state across sessions (one code, email limit, lockout);
 * create sends the code with SES and, in dev, writes the smoke test's codes to the test outbox.
 */

type CustomChallenge = StageConfig['passwordless']['customChallenge'];

interface ChallengeTriggerProps {
  readonly userPool: cognito.UserPool;
  readonly functions: StageConfig['functions'];
  readonly challenge: CustomChallenge;
}

interface StatefulChallengeTriggerProps extends ChallengeTriggerProps {
  /** The per-user sign-in state (SignInStateTable): GetItem and conditional PutItem only. */
  readonly signInState: dynamodb.ITable;
}

/** The cross-session limits create and verify both enforce (code-state.ts). */
function limitsEnv(challenge: CustomChallenge) {
  return {
    [PASSWORDLESS_ENV.maxEmails]: String(challenge.emailLimit.maxEmails),
    [PASSWORDLESS_ENV.emailWindowSeconds]: String(challenge.emailLimit.windowSeconds),
    [PASSWORDLESS_ENV.maxWrongAnswers]: String(challenge.lockout.maxWrongAnswers),
    [PASSWORDLESS_ENV.lockoutWindowSeconds]: String(challenge.lockout.windowSeconds),
  };
}

/** Define auth challenge: the session rules (which challenge next, when to issue tokens). */
export class DefineAuthChallengeTrigger extends TriggerFunction {
  constructor(scope: Construct, id: string, props: ChallengeTriggerProps) {
    super(scope, id, {
      userPool: props.userPool,
      operation: cognito.UserPoolOperation.DEFINE_AUTH_CHALLENGE,
      entry: 'triggers/define-auth-challenge/handler.ts',
      description: 'Cognito define auth challenge: passwordless email-code session rules',
      settings: props.functions,
      environment: { MAX_ATTEMPTS: String(props.challenge.maxAttempts) },
    });
  }
}

export interface CreateAuthChallengeTriggerProps extends StatefulChallengeTriggerProps {
  /** The SES sender of the codes. */
  readonly email: NonNullable<StageConfig['email']>;
  /** Dev-only outbox the function also writes the smoke test's codes to. @default - none */
  readonly testOutbox?: dynamodb.ITable;
}

/** Create auth challenge: issues (or reuses) the one-time code and emails it. */
export class CreateAuthChallengeTrigger extends TriggerFunction {
  constructor(scope: Construct, id: string, props: CreateAuthChallengeTriggerProps) {
    const { challenge } = props;
    const refuseMfaUsers = challenge.usersWithMfa === 'refuse';
    super(scope, id, {
      userPool: props.userPool,
      operation: cognito.UserPoolOperation.CREATE_AUTH_CHALLENGE,
      // Only the dev-stage variant with a test outbox writes it; only variants that refuse users
      // with MFA bundle the Cognito client.
      entry: props.testOutbox
        ? 'triggers/create-auth-challenge/handler-with-outbox.ts'
        : refuseMfaUsers
          ? 'triggers/create-auth-challenge/handler.ts'
          : 'triggers/create-auth-challenge/handler-mfa-allowed.ts',
      description: 'Cognito create auth challenge: issues or reuses the one-time sign-in code and emails it',
      settings: props.functions,
      environment: {
        CODE_LENGTH: String(challenge.codeLength),
        MAX_ATTEMPTS: String(challenge.maxAttempts),
        ...limitsEnv(challenge),
        CODE_TTL_SECONDS: String(challenge.codeTtlSeconds),
      },
    });
    this.useTable(PASSWORDLESS_ENV.stateTable, props.signInState, ['dynamodb:GetItem', 'dynamodb:PutItem']);
    this.sendEmailAs(props.email);
    if (refuseMfaUsers) this.allowOnPool('ReadMfaSettings', ['cognito-idp:AdminGetUser']);
    if (props.testOutbox) {
      // Write-only, and for the addresses matching the pattern only (the function checks; IAM
      // cannot see the address).
      this.useTable(PASSWORDLESS_ENV.testOutboxTable, props.testOutbox, ['dynamodb:PutItem']);
      this.addEnvironment(PASSWORDLESS_ENV.testOutboxAddresses, challenge.testOutboxAddresses);
      this.addEnvironment(PASSWORDLESS_ENV.usersWithMfa, challenge.usersWithMfa);
    }
  }

  /**
   * `ses:SendEmail` from the configured identity only, and only with the configured From
   * address (`ses:FromAddress`), so the function cannot send as anyone else.
   */
  private sendEmailAs(email: NonNullable<StageConfig['email']>): void {
    this.addEnvironment('EMAIL_FROM', formatSender(email.fromAddress, email.fromName));
    if (email.sesRegion) this.addEnvironment('SES_REGION', email.sesRegion);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          Stack.of(this).formatArn({
            service: 'ses',
            resource: 'identity',
            resourceName: sesIdentityOf(email),
            ...(email.sesRegion ? { region: email.sesRegion } : {}),
          }),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': email.fromAddress } },
      }),
    );
  }
}

/** Verify auth challenge response: checks and consumes the code, counting wrong answers per user. */
export class VerifyAuthChallengeTrigger extends TriggerFunction {
  constructor(scope: Construct, id: string, props: StatefulChallengeTriggerProps) {
    super(scope, id, {
      userPool: props.userPool,
      operation: cognito.UserPoolOperation.VERIFY_AUTH_CHALLENGE_RESPONSE,
      entry: 'triggers/verify-auth-challenge/handler.ts',
      description: 'Cognito verify auth challenge response: checks and consumes the one-time sign-in code',
      settings: props.functions,
      environment: { CODE_LENGTH: String(props.challenge.codeLength), ...limitsEnv(props.challenge) },
    });
    this.useTable(PASSWORDLESS_ENV.stateTable, props.signInState, ['dynamodb:GetItem', 'dynamodb:PutItem']);
  }
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
