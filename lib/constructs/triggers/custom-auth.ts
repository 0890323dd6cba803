import { Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { sesIdentityOf, type StageConfig } from '../../config/schema';
import { TriggerFunction } from './trigger-function';

/**
 * Custom-auth family: the passwordless email-code sign-in, one trigger per step of Cognito's
 * CUSTOM_AUTH flow (define -> create -> verify -> define ...). Define and verify call no AWS API;
 * create sends the code with SES and, in dev, writes it to the test outbox.
 */

type CustomChallenge = StageConfig['passwordless']['customChallenge'];

interface ChallengeTriggerProps {
  readonly userPool: cognito.UserPool;
  readonly functions: StageConfig['functions'];
  readonly challenge: CustomChallenge;
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

export interface CreateAuthChallengeTriggerProps extends ChallengeTriggerProps {
  /** The SES sender of the codes. */
  readonly email: NonNullable<StageConfig['email']>;
  /** Dev-only outbox the function also writes each code to. @default - none */
  readonly testOutbox?: dynamodb.ITable;
}

/** Create auth challenge: issues the one-time code and emails it. */
export class CreateAuthChallengeTrigger extends TriggerFunction {
  constructor(scope: Construct, id: string, props: CreateAuthChallengeTriggerProps) {
    const { challenge } = props;
    super(scope, id, {
      userPool: props.userPool,
      operation: cognito.UserPoolOperation.CREATE_AUTH_CHALLENGE,
      // Only the dev-stage variant with a test outbox bundles the DynamoDB client.
      entry: props.testOutbox
        ? 'triggers/create-auth-challenge/handler-with-outbox.ts'
        : 'triggers/create-auth-challenge/handler.ts',
      description: 'Cognito create auth challenge: issues and emails the one-time sign-in code',
      settings: props.functions,
      environment: {
        CODE_LENGTH: String(challenge.codeLength),
        MAX_ATTEMPTS: String(challenge.maxAttempts),
        CODE_TTL_SECONDS: String(challenge.codeTtlSeconds),
      },
    });
    this.sendEmailAs(props.email);
    if (props.testOutbox) this.writeTestOutbox(props.testOutbox);
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

  /** Write-only access to the test outbox: `PutItem` on that one table (no read, no delete). */
  private writeTestOutbox(table: dynamodb.ITable): void {
    this.addEnvironment('TEST_OUTBOX_TABLE', table.tableName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:PutItem'], resources: [table.tableArn] }),
    );
  }
}

/** Verify auth challenge response: checks the answer against the code, in constant time. */
export class VerifyAuthChallengeTrigger extends TriggerFunction {
  constructor(scope: Construct, id: string, props: ChallengeTriggerProps) {
    super(scope, id, {
      userPool: props.userPool,
      operation: cognito.UserPoolOperation.VERIFY_AUTH_CHALLENGE_RESPONSE,
      entry: 'triggers/verify-auth-challenge/handler.ts',
      description: 'Cognito verify auth challenge response: checks the one-time sign-in code',
      settings: props.functions,
      environment: { CODE_LENGTH: String(props.challenge.codeLength) },
    });
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
