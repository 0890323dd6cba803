import type { PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from 'aws-lambda';
import fc from 'fast-check';
import { GENERIC_ERROR_MESSAGE } from '../../lambda/shared/errors';
import {
  encodeMetadata,
  generateCode,
  isAnswerCorrect,
  parseMetadata,
  privateParameters,
} from '../../lambda/shared/one-time-code';
import {
  deliverableEmail,
  planChallenge,
  publicParameters,
  renderEmail,
} from '../../lambda/triggers/create-auth-challenge/challenge';
import { decideNextStep } from '../../lambda/triggers/define-auth-challenge/session';
import { context, expectNothingLeaked, fixture, loadHandler, spyOnLogs, type AsyncHandler } from '../helpers/lambda';
import { mockDynamoDb, mockSes } from '../helpers/sdk-mock';

type Define = AsyncHandler<DefineAuthChallengeTriggerEvent, DefineAuthChallengeTriggerEvent>;
type Create = AsyncHandler<CreateAuthChallengeTriggerEvent, CreateAuthChallengeTriggerEvent>;
type Verify = AsyncHandler<VerifyAuthChallengeResponseTriggerEvent, VerifyAuthChallengeResponseTriggerEvent>;
type SessionEntry = DefineAuthChallengeTriggerEvent['request']['session'][number];

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const TTL_MS = 180_000;
const SETTINGS = { codeLength: 6, ttlMs: TTL_MS, maxAttempts: 3 };
const ENV = {
  CODE_LENGTH: '6',
  CODE_TTL_SECONDS: '180',
  MAX_ATTEMPTS: '3',
  EMAIL_FROM: '"Reference" <no-reply@example.com>',
};

let now = T0;
let logs: ReturnType<typeof spyOnLogs>;
/** What the test outbox (DynamoDB PutItem) answers, and every item written to it. */
const outbox: { reply: 'ok' | Error; puts: PutItemCommandInput[] } = { reply: 'ok', puts: [] };
beforeEach(() => {
  now = T0;
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  logs = spyOnLogs();
  outbox.reply = 'ok';
  outbox.puts = [];
});
afterEach(() => {
  logs.restore();
  jest.restoreAllMocks();
});

/** The three triggers; with TEST_OUTBOX_TABLE, the create variant that also writes the test outbox. */
function loadTriggers(env: Record<string, string> = {}) {
  const define = loadHandler<Define>('triggers/define-auth-challenge/handler', { ...ENV, ...env }).handler;
  const verify = loadHandler<Verify>('triggers/verify-auth-challenge/handler', { ...ENV, ...env }).handler;
  const withOutbox = env.TEST_OUTBOX_TABLE !== undefined;
  const created = loadHandler<Create, ReturnType<typeof mockSes>>(
    withOutbox ? 'triggers/create-auth-challenge/handler-with-outbox' : 'triggers/create-auth-challenge/handler',
    { ...ENV, ...env },
    (load) => {
      if (withOutbox) {
        const dynamo = mockDynamoDb(load);
        dynamo.mock.on(dynamo.sdk.PutItemCommand).callsFake((input: PutItemCommandInput) => {
          outbox.puts.push(input);
          if (outbox.reply instanceof Error) throw outbox.reply;
          return {};
        });
      }
      return mockSes(load);
    },
  );
  created.prepared.mock.on(created.prepared.sdk.SendEmailCommand).resolves({ MessageId: 'm-1' });
  return { define, verify, create: created.handler, ses: created.prepared };
}

type UserKind = 'known' | 'unknown' | 'unverified';

function events(user: UserKind) {
  const tweak = <E extends { request: { userAttributes: Record<string, string>; userNotFound?: boolean } }>(e: E) => {
    if (user === 'unknown') {
      e.request.userNotFound = true;
      e.request.userAttributes = {};
    }
    if (user === 'unverified') e.request.userAttributes.email_verified = 'false';
    return e;
  };
  return {
    define: () => tweak(fixture<DefineAuthChallengeTriggerEvent>('define-auth-challenge')),
    create: () => tweak(fixture<CreateAuthChallengeTriggerEvent>('create-auth-challenge')),
    verify: () => tweak(fixture<VerifyAuthChallengeResponseTriggerEvent>('verify-auth-challenge')),
  };
}

interface Round {
  readonly publicParameters: Record<string, string>;
  readonly emailsSoFar: number;
}

interface Outcome {
  readonly result: 'tokens' | 'failed' | 'challenge';
  readonly rounds: Round[];
  /** The code sent by email, if any. */
  readonly sentCode?: string;
  readonly emails: number;
}

/**
 * Drives the three real handlers the way Cognito does (define -> create -> answer -> verify ->
 * define ...). `answer(round, sentCode, privateCode)` gives the user's answer for a round;
 * `beforeDefine` can tamper with the session (as an attacker or a bug would).
 */
async function signIn(
  triggers: ReturnType<typeof loadTriggers>,
  user: UserKind,
  answer: (round: number, sent: string | undefined, privateCode: string) => string,
  options: { beforeDefine?: (session: SessionEntry[], round: number) => SessionEntry[]; maxRounds?: number } = {},
): Promise<Outcome> {
  const make = events(user);
  let session: SessionEntry[] = [];
  const rounds: Round[] = [];
  const sentCode = () => {
    const call = triggers.ses.mock.commandCalls(triggers.ses.sdk.SendEmailCommand)[0];
    return call ? /code is (\d+)/.exec(call.args[0].input.Content!.Simple!.Body!.Text!.Data!)?.[1] : undefined;
  };
  const emails = () => triggers.ses.mock.commandCalls(triggers.ses.sdk.SendEmailCommand).length;
  for (let round = 0; round < (options.maxRounds ?? 10); round++) {
    if (options.beforeDefine) session = options.beforeDefine(session, round);
    const define = make.define();
    define.request.session = structuredClone(session);
    const decided = (await triggers.define(define, context, () => undefined)).response;
    if (decided.issueTokens) return { result: 'tokens', rounds, sentCode: sentCode(), emails: emails() };
    if (decided.failAuthentication) return { result: 'failed', rounds, sentCode: sentCode(), emails: emails() };
    expect(decided.challengeName).toBe('CUSTOM_CHALLENGE');

    const create = make.create();
    create.request.session = structuredClone(session);
    const challenge = (await triggers.create(create, context, () => undefined)).response;
    rounds.push({ publicParameters: challenge.publicChallengeParameters, emailsSoFar: emails() });

    const verify = make.verify();
    verify.request.privateChallengeParameters = challenge.privateChallengeParameters;
    verify.request.challengeAnswer = answer(round, sentCode(), challenge.privateChallengeParameters.code!);
    const checked = (await triggers.verify(verify, context, () => undefined)).response;
    session = [
      ...session,
      {
        challengeName: 'CUSTOM_CHALLENGE',
        challengeResult: checked.answerCorrect,
        challengeMetadata: challenge.challengeMetadata,
      },
    ];
  }
  return { result: 'challenge', rounds, sentCode: sentCode(), emails: emails() };
}

const wrong = (code: string | undefined) => (code === '000000' ? '111111' : '000000');

describe('passwordless sign-in: session states (define / create / verify together)', () => {
  it('first call: asks for a custom challenge, sends one code to the verified address', async () => {
    const triggers = loadTriggers();
    const outcome = await signIn(triggers, 'known', () => 'not-a-code', { maxRounds: 1 });
    expect(outcome.result).toBe('challenge');
    expect(outcome.emails).toBe(1);
    const input = triggers.ses.mock.commandCalls(triggers.ses.sdk.SendEmailCommand)[0]!.args[0].input;
    expect(input.Destination).toEqual({ ToAddresses: ['alice@example.com'] });
    expect(input.FromEmailAddress).toBe('"Reference" <no-reply@example.com>');
    expect(outcome.sentCode).toMatch(/^\d{6}$/);
  });

  it('right code: tokens', async () => {
    const outcome = await signIn(loadTriggers(), 'known', (_r, sent) => sent!);
    expect(outcome).toMatchObject({ result: 'tokens', emails: 1 });
  });

  it('right code typed with spaces: tokens', async () => {
    const outcome = await signIn(loadTriggers(), 'known', (_r, sent) => ` ${sent!.slice(0, 3)} ${sent!.slice(3)} `);
    expect(outcome.result).toBe('tokens');
  });

  it.each([1, 2])('wrong code x%i, then the right one: tokens, and the code was reused (one email)', async (misses) => {
    const outcome = await signIn(loadTriggers(), 'known', (round, sent) => (round < misses ? wrong(sent) : sent!));
    expect(outcome.result).toBe('tokens');
    expect(outcome.emails).toBe(1);
    expect(outcome.rounds.map((r) => r.publicParameters.attemptsLeft)).toEqual(['3', '2', '1'].slice(0, misses + 1));
  });

  it('wrong code x3: fails, after three challenges with one email', async () => {
    const outcome = await signIn(loadTriggers(), 'known', (_r, sent) => wrong(sent));
    expect(outcome).toMatchObject({ result: 'failed', emails: 1 });
    expect(outcome.rounds.map((r) => r.publicParameters.attemptsLeft)).toEqual(['3', '2', '1']);
  });

  it('expired code: the right code after the TTL is refused and the session fails', async () => {
    const outcome = await signIn(loadTriggers(), 'known', (_r, sent) => {
      now = T0 + TTL_MS + 1;
      return sent!;
    });
    expect(outcome.result).toBe('failed');
  });

  it('code at the last valid millisecond still counts', async () => {
    const outcome = await signIn(loadTriggers(), 'known', (_r, sent) => {
      now = T0 + TTL_MS;
      return sent!;
    });
    expect(outcome.result).toBe('tokens');
  });

  it.each([
    ['a successful PASSWORD_VERIFIER in the session', 'PASSWORD_VERIFIER'],
    ['an injected SRP_A entry', 'SRP_A'],
    ['an unknown challenge name', 'CUSTOM_CHALLENGE_V2'],
  ])('unexpected challenge in session (%s): fails, never tokens', async (_name, challengeName) => {
    const outcome = await signIn(loadTriggers(), 'known', (_r, sent) => sent!, {
      beforeDefine: (session, round) =>
        round === 1 ? [{ challengeName, challengeResult: true } as unknown as SessionEntry, ...session] : session,
    });
    expect(outcome.result).toBe('failed');
  });

  it('SRP_A as the only entry: fails at once', async () => {
    const outcome = await signIn(loadTriggers(), 'known', (_r, sent) => sent!, {
      beforeDefine: () => [{ challengeName: 'SRP_A', challengeResult: true } as unknown as SessionEntry],
    });
    expect(outcome).toMatchObject({ result: 'failed', emails: 0 });
  });

  it('a forged successful entry without our metadata: fails', async () => {
    const outcome = await signIn(loadTriggers(), 'known', () => 'x', {
      beforeDefine: (session, round) =>
        round === 1 ? [{ challengeName: 'CUSTOM_CHALLENGE', challengeResult: true, challengeMetadata: 'OK' }] : session,
    });
    expect(outcome.result).toBe('failed');
  });

  it('unknown user: same challenge shape and attempts, no email, never tokens (even with the private code)', async () => {
    const known = await signIn(loadTriggers(), 'known', (_r, sent) => wrong(sent));
    const unknown = await signIn(loadTriggers(), 'unknown', (_r, _sent, privateCode) => privateCode);
    expect(unknown.result).toBe('failed');
    expect(unknown.emails).toBe(0);
    // Exactly what a known user who types three wrong codes sees.
    expect(unknown.rounds.map((r) => r.publicParameters)).toEqual(known.rounds.map((r) => r.publicParameters));
    expect(known).toMatchObject({ result: 'failed', emails: 1 });
  });

  it('user with an unverified email: same challenge, no email, never tokens', async () => {
    const outcome = await signIn(loadTriggers(), 'unverified', (_r, _sent, privateCode) => privateCode);
    expect(outcome).toMatchObject({ result: 'failed', emails: 0 });
    expect(outcome.rounds[0]!.publicParameters).toEqual(publicParameters(SETTINGS, 3));
  });

  it('writes each new code to the test outbox when one is configured, and only then', async () => {
    const outcome = await signIn(loadTriggers({ TEST_OUTBOX_TABLE: 'outbox' }), 'known', (round, sent) =>
      round === 0 ? wrong(sent) : sent!,
    );
    expect(outcome.result).toBe('tokens');
    expect(outbox.puts).toHaveLength(1);
    expect(outbox.puts[0]).toEqual({
      TableName: 'outbox',
      Item: {
        email: { S: 'alice@example.com' },
        code: { S: outcome.sentCode },
        expiresAt: { N: String((T0 + TTL_MS) / 1000) },
      },
    });
    outbox.puts = [];
    await signIn(loadTriggers(), 'known', (_r, sent) => sent!);
    expect(outbox.puts).toHaveLength(0);
  });

  it('logs no code, no answer, no email address and no event on any path', async () => {
    const triggers = loadTriggers({ TEST_OUTBOX_TABLE: 'outbox' });
    const codes: string[] = [];
    const collect = (code: string | undefined) => {
      if (code) codes.push(code);
      return code;
    };
    await signIn(triggers, 'known', (round, sent) => (round < 2 ? wrong(collect(sent)) : collect(sent)!));
    await signIn(loadTriggers(), 'known', (_r, sent) => wrong(collect(sent)));
    await signIn(loadTriggers(), 'unknown', (_r, _s, privateCode) => collect(privateCode)!);
    await signIn(loadTriggers(), 'known', (_r, sent) => {
      now = T0 + TTL_MS + 1;
      return collect(sent)!;
    });
    expect(codes.length).toBeGreaterThan(3);
    const text = logs.text();
    for (const code of codes) expect(text).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
    for (const e of [events('known').define(), events('known').create(), events('known').verify()]) {
      expectNothingLeaked(text, e, ['alice@example.com', '000000', '111111', 'OTP:']);
    }
    expect(logs.entries().length).toBeGreaterThan(10);
  });
});

describe('create auth challenge: failures', () => {
  it.each([
    [
      'SES rejects the message',
      Object.assign(new Error('Email address is not verified: x'), { name: 'MessageRejected' }),
    ],
    ['SES times out', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
    ['SES throttles', Object.assign(new Error('Maximum sending rate exceeded'), { name: 'TooManyRequestsException' })],
  ])('fails closed with the generic message when %s', async (_name, error) => {
    const triggers = loadTriggers();
    triggers.ses.mock.on(triggers.ses.sdk.SendEmailCommand).rejects(error);
    await expect(triggers.create(events('known').create(), context, () => undefined)).rejects.toThrow(
      new Error(GENERIC_ERROR_MESSAGE),
    );
    expect(logs.text()).toContain(error.name);
    expect(logs.text()).not.toContain(error.message);
  });

  it('fails closed when the test outbox write fails', async () => {
    outbox.reply = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    const triggers = loadTriggers({ TEST_OUTBOX_TABLE: 'outbox' });
    await expect(triggers.create(events('known').create(), context, () => undefined)).rejects.toThrow(
      GENERIC_ERROR_MESSAGE,
    );
  });

  it.each([
    ['another challenge name', (e: CreateAuthChallengeTriggerEvent) => (e.request.challengeName = 'SRP_A')],
    [
      'a later round without our metadata',
      (e: CreateAuthChallengeTriggerEvent) =>
        (e.request.session = [{ challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: 'x' }]),
    ],
    ['a session that is not a list', (e: CreateAuthChallengeTriggerEvent) => (e.request.session = {} as never)],
  ])('refuses %s', async (_name, tweak) => {
    const triggers = loadTriggers();
    const event = events('known').create();
    tweak(event);
    await expect(triggers.create(event, context, () => undefined)).rejects.toThrow(GENERIC_ERROR_MESSAGE);
    expect(triggers.ses.mock.calls()).toHaveLength(0);
  });

  it('ignores clientMetadata (cannot choose the code or the address)', async () => {
    const triggers = loadTriggers();
    const event = events('known').create();
    event.request.clientMetadata = { code: '000000', email: 'mallory@evil.io' };
    const result = await triggers.create(event, context, () => undefined);
    expect(result.response.privateChallengeParameters.code).not.toBe('000000');
    const input = triggers.ses.mock.commandCalls(triggers.ses.sdk.SendEmailCommand)[0]!.args[0].input;
    expect(input.Destination?.ToAddresses).toEqual(['alice@example.com']);
  });

  it('fails at load on a bad configuration', () => {
    expect(() => loadTriggers({ CODE_LENGTH: '4' })).toThrow('code length must be 6-10 digits');
    expect(() => loadTriggers({ MAX_ATTEMPTS: '5' })).toThrow('MAX_ATTEMPTS must be 1-3');
    expect(() => loadTriggers({ EMAIL_FROM: '' })).toThrow('Missing environment variable EMAIL_FROM');
  });
});

describe('define / verify handlers: malformed input', () => {
  it('reject unknown trigger sources and malformed events with the generic message', async () => {
    const { define, verify, create } = loadTriggers();
    for (const [handler, make] of [
      [define, events('known').define],
      [verify, events('known').verify],
      [create, events('known').create],
    ] as const) {
      const wrongSource = { ...make(), triggerSource: 'DefineAuthChallenge_Other' };
      for (const event of [wrongSource, null, { ...make(), request: null }]) {
        await expect((handler as AsyncHandler)(event, context, () => undefined)).rejects.toThrow(
          new Error(GENERIC_ERROR_MESSAGE),
        );
      }
    }
  });

  it('define fails authentication on a session that is not a list', async () => {
    const { define } = loadTriggers();
    const event = events('known').define();
    event.request.session = 'x' as never;
    const result = await define(event, context, () => undefined);
    expect(result.response).toEqual({ issueTokens: false, failAuthentication: true });
  });

  it('verify ignores clientMetadata and treats a missing expected code as wrong', async () => {
    const { verify } = loadTriggers();
    const event = events('known').verify();
    event.request.privateChallengeParameters = {};
    event.request.challengeAnswer = '';
    expect((await verify(event, context, () => undefined)).response.answerCorrect).toBe(false);
    const empty = events('known').verify();
    empty.request.privateChallengeParameters = { code: '', expiresAt: String(T0 + 1000) };
    empty.request.challengeAnswer = '';
    expect((await verify(empty, context, () => undefined)).response.answerCorrect).toBe(false);
  });
});

describe('one-time codes (pure)', () => {
  it('generates exactly N digits with crypto.randomInt (property)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require('node:crypto') as { randomInt: (min: number, max: number) => number };
    const spy = jest.spyOn(crypto, 'randomInt');
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 10 }), (length) => {
        expect(generateCode(length)).toMatch(new RegExp(`^\\d{${length}}$`));
      }),
      { numRuns: 200 },
    );
    expect(spy).toHaveBeenCalledTimes(200);
    expect(spy).toHaveBeenLastCalledWith(0, expect.any(Number));
  });

  it('keeps leading zeros', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require('node:crypto') as { randomInt: (min: number, max: number) => number };
    jest.spyOn(crypto, 'randomInt').mockReturnValue(42);
    expect(generateCode(6)).toBe('000042');
  });

  it('refuses codes shorter than 6 or longer than 10 digits', () => {
    for (const length of [0, 5, 11, 6.5]) expect(() => generateCode(length)).toThrow('code length');
  });

  it('spreads digits uniformly (chi-square over 60 000 codes)', () => {
    const counts = Array.from({ length: 6 }, () => new Array<number>(10).fill(0));
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      [...generateCode(6)].forEach((d, position) => counts[position]![Number(d)]!++);
    }
    const expected = n / 10;
    for (const position of counts) {
      const chi2 = position.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
      // 9 degrees of freedom: a uniform source exceeds 50 with p = 1e-7 (no flaky runs), while a
      // digit drawn 11% instead of 10% of the time scores about 67 at this sample size.
      expect(chi2).toBeLessThan(50);
    }
  });

  it('accepts only the exact code, in time (property)', () => {
    const digits = (length: number) =>
      fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(''));
    fc.assert(
      fc.property(
        digits(6),
        fc.oneof(digits(6), fc.string({ maxLength: 12 }), fc.constant('')),
        fc.integer({ min: -1000, max: 1000 }),
        (code, answer, offset) => {
          const expiresAt = T0;
          const result = isAnswerCorrect(privateParameters({ code, expiresAt }), answer, expiresAt + offset, 6);
          const normalized = answer.replace(/\s+/g, '');
          expect(result).toBe(normalized === code && offset <= 0);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('accepts the exact code and nothing near it (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 1, max: 999_999 }), (value, delta) => {
        const code = String(value).padStart(6, '0');
        const other = String((value + delta) % 1_000_000).padStart(6, '0');
        const params = privateParameters({ code, expiresAt: T0 });
        expect(isAnswerCorrect(params, code, T0, 6)).toBe(true);
        expect(isAnswerCorrect(params, other, T0, 6)).toBe(false);
      }),
    );
  });

  it.each([
    ['no private parameters', undefined, '123456'],
    ['empty expected code', { code: '', expiresAt: String(T0) }, ''],
    ['expected code of another length', { code: '12345', expiresAt: String(T0) }, '12345'],
    ['non-numeric expected code', { code: 'abcdef', expiresAt: String(T0) }, 'abcdef'],
    ['missing expiry', { code: '123456' }, '123456'],
    ['unreadable expiry', { code: '123456', expiresAt: 'soon' }, '123456'],
    ['answer not a string', { code: '123456', expiresAt: String(T0) }, 123456],
    ['answer with letters', { code: '123456', expiresAt: String(T0) }, '12345a'],
    ['answer too long', { code: '123456', expiresAt: String(T0) }, `123456${' '.repeat(80)}`],
    ['unicode digits', { code: '123456', expiresAt: String(T0) }, '１２３４５６'],
  ])('verify fails closed: %s', (_name, expected, answer) => {
    expect(isAnswerCorrect(expected, answer, T0, 6)).toBe(false);
  });

  it('compares with crypto.timingSafeEqual', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const crypto = require('node:crypto') as { timingSafeEqual: (a: Buffer, b: Buffer) => boolean };
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    isAnswerCorrect({ code: '123456', expiresAt: String(T0) }, '654321', T0, 6);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('round-trips challenge metadata and rejects anything else', () => {
    expect(parseMetadata(encodeMetadata({ code: '012345', expiresAt: T0 }))).toEqual({ code: '012345', expiresAt: T0 });
    for (const bad of [undefined, '', 'OTP:12345:1', `OTP:123456:${T0}:x`, `otp:123456:${T0}`, 42]) {
      expect(parseMetadata(bad)).toBeUndefined();
    }
  });
});

describe('define auth challenge decisions (pure)', () => {
  const issued = { code: '123456', expiresAt: T0 + TTL_MS };
  const entry = (challengeResult: boolean, metadata = encodeMetadata(issued)): SessionEntry => ({
    challengeName: 'CUSTOM_CHALLENGE',
    challengeResult,
    challengeMetadata: metadata,
  });
  const decide = (
    session: unknown,
    overrides: Partial<{ userNotFound: boolean; emailVerified: boolean; now: number }> = {},
  ) => decideNextStep({ session, userNotFound: false, emailVerified: true, now: T0, maxAttempts: 3, ...overrides });

  it.each<[string, string, unknown, Partial<{ userNotFound: boolean; emailVerified: boolean; now: number }>]>([
    ['empty session', 'challenge', [], {}],
    ['empty session, unknown user', 'challenge', [], { userNotFound: true }],
    ['right code', 'tokens', [entry(true)], {}],
    ['wrong, right', 'tokens', [entry(false), entry(true)], {}],
    ['wrong x1', 'challenge', [entry(false)], {}],
    ['wrong x2', 'challenge', [entry(false), entry(false)], {}],
    ['wrong x3', 'fail:too-many-attempts', [entry(false), entry(false), entry(false)], {}],
    ['four entries', 'fail:too-many-attempts', [entry(false), entry(false), entry(false), entry(true)], {}],
    ['wrong x1 after expiry', 'fail:code-expired', [entry(false)], { now: T0 + TTL_MS + 1 }],
    ['right code, unknown user', 'fail:user-not-found', [entry(true)], { userNotFound: true }],
    ['right code, unverified email', 'fail:email-unverified', [entry(true)], { emailVerified: false }],
    ['SRP_A first', 'fail:unexpected-challenge', [{ challengeName: 'SRP_A', challengeResult: true }, entry(true)], {}],
    [
      'PASSWORD_VERIFIER',
      'fail:unexpected-challenge',
      [{ challengeName: 'PASSWORD_VERIFIER', challengeResult: true }],
      {},
    ],
    ['foreign metadata', 'fail:unexpected-metadata', [entry(true, 'CODE-123456')], {}],
    ['no metadata', 'fail:unexpected-metadata', [{ challengeName: 'CUSTOM_CHALLENGE', challengeResult: true }], {}],
    [
      'code changed mid-session',
      'fail:code-changed',
      [entry(false), entry(true, encodeMetadata({ ...issued, code: '654321' }))],
      {},
    ],
    ['success before the end', 'fail:unexpected-success', [entry(true), entry(false)], {}],
    ['result not a boolean', 'fail:malformed-session', [{ ...entry(true), challengeResult: 'true' }], {}],
    ['null entry', 'fail:malformed-session', [null], {}],
    ['session not a list', 'fail:malformed-session', { length: 0 }, {}],
  ])('%s -> %s', (_name, expected, session, overrides) => {
    const decision = decide(session, overrides);
    expect(decision.action === 'fail' ? `fail:${decision.reason}` : decision.action).toBe(expected);
  });

  it('issues tokens only when the last entry is our challenge answered correctly by a known, verified user (property)', () => {
    const names = fc.constantFrom('CUSTOM_CHALLENGE', 'SRP_A', 'PASSWORD_VERIFIER', 'CUSTOM_CHALLENGE ');
    const metadata = fc.oneof(
      fc.constant(encodeMetadata(issued)),
      fc.string({ maxLength: 30 }),
      fc.constant(undefined),
    );
    const anEntry = fc.record({ challengeName: names, challengeResult: fc.boolean(), challengeMetadata: metadata });
    fc.assert(
      fc.property(
        fc.array(anEntry, { maxLength: 5 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: -10, max: TTL_MS * 2 }),
        (session, userNotFound, emailVerified, elapsed) => {
          const decision = decide(session, { userNotFound, emailVerified, now: T0 + elapsed });
          if (decision.action === 'tokens') {
            const last = session[session.length - 1]!;
            expect(last.challengeName).toBe('CUSTOM_CHALLENGE');
            expect(last.challengeResult).toBe(true);
            expect(parseMetadata(last.challengeMetadata)).toBeDefined();
            expect(session.length).toBeLessThanOrEqual(3);
            expect(userNotFound).toBe(false);
            expect(emailVerified).toBe(true);
            expect(session.every((e) => e.challengeName === 'CUSTOM_CHALLENGE')).toBe(true);
          }
          if (decision.action === 'challenge') expect(session.length).toBeLessThan(3);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('create auth challenge decisions (pure)', () => {
  it('issues a new code on the first round and reuses it afterwards', () => {
    const first = planChallenge([], T0, SETTINGS, () => '654321');
    expect(first).toEqual({ issued: { code: '654321', expiresAt: T0 + TTL_MS }, isNew: true, attemptsLeft: 3 });
    const session = [
      { challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: encodeMetadata(first.issued) },
    ];
    const again = planChallenge(session, T0 + 1000, SETTINGS, () => {
      throw new Error('must not generate');
    });
    expect(again).toEqual({ issued: first.issued, isNew: false, attemptsLeft: 2 });
  });

  it('refuses to reuse an expired code or to go past the attempts', () => {
    const session = [
      {
        challengeName: 'CUSTOM_CHALLENGE',
        challengeResult: false,
        challengeMetadata: encodeMetadata({ code: '123456', expiresAt: T0 }),
      },
    ];
    expect(() => planChallenge(session, T0 + 1, SETTINGS, generateCode)).toThrow('code expired');
    expect(() => planChallenge([...session, ...session, ...session], T0, SETTINGS, generateCode)).toThrow(
      'no attempts left',
    );
  });

  it('sends only to a verified, well-formed address of a known user', () => {
    expect(deliverableEmail(false, { email: 'a@example.com', email_verified: 'true' })).toBe('a@example.com');
    expect(deliverableEmail(true, { email: 'a@example.com', email_verified: 'true' })).toBeUndefined();
    expect(deliverableEmail(false, { email: 'a@example.com', email_verified: 'false' })).toBeUndefined();
    expect(deliverableEmail(false, { email: 'a@example.com' })).toBeUndefined();
    expect(deliverableEmail(false, { email: 'a@example.com, b@evil.io', email_verified: 'true' })).toBeUndefined();
    expect(
      deliverableEmail(false, { email: 'a@example.com\r\nBcc: b@evil.io', email_verified: 'true' }),
    ).toBeUndefined();
  });

  it('public parameters never depend on the user or the code', () => {
    expect(publicParameters(SETTINGS, 2)).toEqual({ challenge: 'EMAIL_OTP', codeLength: '6', attemptsLeft: '2' });
  });

  it('puts the code only in the email body', () => {
    const email = renderEmail('012345', TTL_MS);
    expect(email.subject).not.toContain('012345');
    expect(email.text).toContain('012345');
    expect(email.text).toContain('3 minutes');
  });
});
