import { PASSWORDLESS_ENV } from '../../lambda/contract';
import { join } from 'node:path';
import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from 'aws-lambda';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StorageTurns } from './dynalite';
import { context, fixture, loadHandler, spyOnLogs, type AsyncHandler } from './lambda';
import { mockCognito, mockSes } from './sdk-mock';

/**
 * Drives the three real custom-auth handlers the way Cognito does (define -> create -> answer ->
 * verify -> define ...), with SES and Cognito mocked and DynamoDB real (dynalite, see dynalite.ts).
 */

export type Define = AsyncHandler<DefineAuthChallengeTriggerEvent, DefineAuthChallengeTriggerEvent>;
export type Create = AsyncHandler<CreateAuthChallengeTriggerEvent, CreateAuthChallengeTriggerEvent>;
export type Verify = AsyncHandler<VerifyAuthChallengeResponseTriggerEvent, VerifyAuthChallengeResponseTriggerEvent>;
export type SessionEntry = DefineAuthChallengeTriggerEvent['request']['session'][number];

export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
export const TTL_MS = 180_000;
export const SETTINGS = { codeLength: 6, ttlMs: TTL_MS, maxAttempts: 3 };
export const LIMITS = { maxEmails: 3, emailWindowMs: 900_000, maxWrongAnswers: 5, lockoutWindowMs: 3_600_000 };
export const SMOKE_ADDRESS = 'success+smoke1a2b-alice@simulator.amazonses.com';

/** The environment the stack gives the functions (lib/constructs/triggers/custom-auth.ts). */
export function triggerEnv(stateTable: string): Record<string, string> {
  return {
    CODE_LENGTH: '6',
    CODE_TTL_SECONDS: '180',
    MAX_ATTEMPTS: '3',
    EMAIL_FROM: '"Reference" <no-reply@example.com>',
    [PASSWORDLESS_ENV.stateTable]: stateTable,
    [PASSWORDLESS_ENV.maxEmails]: String(LIMITS.maxEmails),
    [PASSWORDLESS_ENV.emailWindowSeconds]: String(LIMITS.emailWindowMs / 1000),
    [PASSWORDLESS_ENV.maxWrongAnswers]: String(LIMITS.maxWrongAnswers),
    [PASSWORDLESS_ENV.lockoutWindowSeconds]: String(LIMITS.lockoutWindowMs / 1000),
  };
}

/** Which deployed variant of create-auth-challenge (lib/constructs/triggers/custom-auth.ts picks one). */
export type CreateVariant = 'handler' | 'handler-mfa-allowed' | 'handler-with-outbox';

export interface TriggerOptions {
  readonly stateTable: string;
  readonly variant?: CreateVariant;
  readonly env?: Record<string, string>;
  /** What AdminGetUser says about the user's MFA (variants that refuse users with MFA). */
  readonly mfa?: string[] | Error;
  /** Lets a test order the handlers' DynamoDB requests. */
  readonly turns?: StorageTurns;
}

const DYNAMODB_MODULE = join(__dirname, '..', '..', 'lambda', 'shared', 'dynamodb');

export function loadTriggers(options: TriggerOptions) {
  const env = { ...triggerEnv(options.stateTable), ...options.env };
  const variant = options.variant ?? 'handler';
  const withTurns = (load: (id: string) => unknown): undefined => {
    const { turns } = options;
    if (turns) turns.install((load(DYNAMODB_MODULE) as { dynamoDbClient: DynamoDBClient }).dynamoDbClient);
    return undefined;
  };
  const define = loadHandler<Define>('triggers/define-auth-challenge/handler', env).handler;
  const verify = loadHandler<Verify>('triggers/verify-auth-challenge/handler', env, withTurns).handler;
  const created = loadHandler<Create, { ses: ReturnType<typeof mockSes>; cognito: ReturnType<typeof mockCognito> }>(
    `triggers/create-auth-challenge/${variant}`,
    env,
    (load) => {
      withTurns(load);
      return { ses: mockSes(load), cognito: mockCognito(load) };
    },
  );
  const { ses, cognito } = created.prepared;
  /** SES accepts every message; AdminGetUser answers with `options.mfa`. */
  const resetMocks = () => {
    ses.mock.reset();
    cognito.mock.reset();
    ses.mock.on(ses.sdk.SendEmailCommand).resolves({ MessageId: 'm-1' });
    if (options.mfa instanceof Error) cognito.mock.on(cognito.sdk.AdminGetUserCommand).rejects(options.mfa);
    else {
      cognito.mock
        .on(cognito.sdk.AdminGetUserCommand)
        .resolves({ Username: 'u', UserAttributes: [], UserMFASettingList: options.mfa ?? [] });
    }
  };
  resetMocks();
  const emails = () => ses.mock.commandCalls(ses.sdk.SendEmailCommand).map((c) => c.args[0].input);
  return {
    define,
    verify,
    create: created.handler,
    ses,
    cognito,
    resetMocks,
    /** Every email sent so far: recipient and the code in its body. */
    sent: () =>
      emails().map((input) => ({
        to: input.Destination?.ToAddresses?.[0],
        code: /code is (\d+)/.exec(input.Content?.Simple?.Body?.Text?.Data ?? '')?.[1],
      })),
  };
}

export type Triggers = ReturnType<typeof loadTriggers>;

export type UserKind = 'known' | 'unknown' | 'unverified';

/** A user as the events describe them: `sub` and `email` (known users), or an unknown name. */
export interface TestUser {
  readonly kind: UserKind;
  readonly sub: string;
  readonly email: string;
}

export const alice: TestUser = {
  kind: 'known',
  sub: 'a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809',
  email: 'alice@example.com',
};

export function userNamed(name: string, kind: UserKind = 'known'): TestUser {
  return { kind, sub: `sub-${name}`, email: `${name}@example.com` };
}

export function events(user: TestUser) {
  const tweak = <
    E extends { userName: string; request: { userAttributes: Record<string, string>; userNotFound?: boolean } },
  >(
    e: E,
  ) => {
    e.userName = user.sub;
    e.request.userAttributes = { ...e.request.userAttributes, sub: user.sub, email: user.email };
    if (user.kind === 'unknown') {
      e.userName = user.email;
      e.request.userNotFound = true;
      e.request.userAttributes = {};
    }
    if (user.kind === 'unverified') e.request.userAttributes.email_verified = 'false';
    return e;
  };
  return {
    define: () => tweak(fixture<DefineAuthChallengeTriggerEvent>('define-auth-challenge')),
    create: () => tweak(fixture<CreateAuthChallengeTriggerEvent>('create-auth-challenge')),
    verify: () => tweak(fixture<VerifyAuthChallengeResponseTriggerEvent>('verify-auth-challenge')),
  };
}

export interface Round {
  readonly publicParameters: Record<string, string>;
  readonly privateCode: string;
}

export interface Outcome {
  readonly result: 'tokens' | 'failed' | 'challenge';
  readonly rounds: Round[];
}

/** What the user (or attacker) types in a round: given the codes emailed to them so far and the round's private code. */
export type Answer = (round: number, sent: readonly string[], privateCode: string) => string;

/** One sign-in session, a step at a time: `start` (define + create), then `answer` per round. */
export class Session {
  private session: SessionEntry[] = [];
  readonly rounds: Round[] = [];
  private challenge?: CreateAuthChallengeTriggerEvent['response'];
  result: Outcome['result'] = 'challenge';

  constructor(
    private readonly triggers: Triggers,
    private readonly user: TestUser,
  ) {}

  /** Codes emailed to this user so far, oldest first. */
  sentCodes(): string[] {
    return this.triggers
      .sent()
      .filter((m) => m.to === this.user.email)
      .map((m) => m.code ?? '');
  }

  /** define, then (if it asks for a challenge) create: what InitiateAuth or a wrong answer leads to. */
  async next(): Promise<Outcome['result']> {
    const make = events(this.user);
    const define = make.define();
    define.request.session = structuredClone(this.session);
    const decided = (await this.triggers.define(define, context, () => undefined)).response;
    if (decided.issueTokens) return (this.result = 'tokens');
    if (decided.failAuthentication) return (this.result = 'failed');
    expect(decided.challengeName).toBe('CUSTOM_CHALLENGE');
    const create = make.create();
    create.request.session = structuredClone(this.session);
    this.challenge = (await this.triggers.create(create, context, () => undefined)).response;
    this.rounds.push({
      publicParameters: this.challenge.publicChallengeParameters,
      privateCode: this.challenge.privateChallengeParameters.code!,
    });
    return (this.result = 'challenge');
  }

  /** verify with `answer`, then the next define (and create): what RespondToAuthChallenge does. */
  async answer(answer: string): Promise<Outcome['result']> {
    if (!this.challenge) throw new Error('no challenge to answer');
    const verify = events(this.user).verify();
    verify.request.privateChallengeParameters = this.challenge.privateChallengeParameters;
    verify.request.challengeAnswer = answer;
    const checked = (await this.triggers.verify(verify, context, () => undefined)).response;
    this.session = [
      ...this.session,
      {
        challengeName: 'CUSTOM_CHALLENGE',
        challengeResult: checked.answerCorrect,
        challengeMetadata: this.challenge.challengeMetadata,
      },
    ];
    return this.next();
  }
}

/** A whole sign-in: start, then answer each round with `answer` until tokens, failure or `maxAnswers`. */
export async function signIn(
  triggers: Triggers,
  user: TestUser,
  answer: Answer,
  options: { maxAnswers?: number } = {},
): Promise<Outcome> {
  const session = new Session(triggers, user);
  let result = await session.next();
  for (let round = 0; result === 'challenge' && round < (options.maxAnswers ?? 10); round++) {
    result = await session.answer(answer(round, session.sentCodes(), session.rounds[round]!.privateCode));
  }
  return { result, rounds: session.rounds };
}

/** A 6-digit answer that is certainly not `code`. */
export const wrong = (code: string | undefined) => (code === '000000' ? '111111' : '000000');

/** The newest code emailed, or a code nobody sent. */
export const latest = (sent: readonly string[]) => sent.at(-1) ?? '999999';

/**
 * Loading the three handlers costs a few hundred ms (fresh module registries with the SDK), so a
 * test file loads each variant once and starts every test from empty tables and fresh mocks.
 */
export function triggerCache() {
  const loaded = new Map<string, Triggers>();
  return {
    get(options: TriggerOptions): Triggers {
      const key = JSON.stringify({
        ...options,
        turns: undefined,
        mfa: options.mfa instanceof Error ? options.mfa.name : options.mfa,
      });
      let triggers = loaded.get(key);
      if (!triggers || options.turns) {
        triggers = loadTriggers(options);
        if (!options.turns) loaded.set(key, triggers);
      }
      return triggers;
    },
    resetMocks(): void {
      for (const triggers of loaded.values()) triggers.resetMocks();
    },
  };
}

/**
 * What every custom-auth handler test shares: a clock the handlers read (`Date.now`, starting at
 * T0 for each test; tests move it by assigning `now`), a log spy, and fresh mocks.
 */
export function useSignInTestBed(cache: ReturnType<typeof triggerCache>) {
  const bed = { now: T0, logs: undefined as unknown as ReturnType<typeof spyOnLogs> };
  beforeEach(() => {
    bed.now = T0;
    jest.spyOn(Date, 'now').mockImplementation(() => bed.now);
    bed.logs = spyOnLogs();
    cache.resetMocks();
  });
  afterEach(() => {
    bed.logs.restore();
    jest.restoreAllMocks();
  });
  return bed;
}
