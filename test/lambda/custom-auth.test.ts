import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { GENERIC_ERROR_MESSAGE } from '../../lambda/shared/errors';
import {
  encodeMetadata,
  generateCode,
  isAnswerCorrect,
  parseMetadata,
  parsePrivateParameters,
  privateParameters,
} from '../../lambda/shared/one-time-code';
import {
  addressMatcher,
  deliverableEmail,
  planChallenge,
  publicParameters,
  renderEmail,
} from '../../lambda/triggers/create-auth-challenge/challenge';
import { decideNextStep } from '../../lambda/triggers/define-auth-challenge/session';
import {
  alice,
  events,
  latest,
  triggerCache,
  useSignInTestBed,
  SETTINGS,
  signIn,
  SMOKE_ADDRESS,
  T0,
  TTL_MS,
  wrong,
  type SessionEntry,
  type TriggerOptions,
} from '../helpers/custom-auth';
import { useLocalDynamoDb } from '../helpers/dynalite';
import { context, expectNothingLeaked, type AsyncHandler } from '../helpers/lambda';

/**
 * The passwordless triggers one session at a time: the real handlers driven as Cognito drives
 * them, against DynamoDB (dynalite on loopback) with SES and Cognito mocked. Attacks across
 * sessions are in custom-auth-sessions.test.ts.
 */

const tables = { state: 'sign-in-state', outbox: 'outbox' };
const local = useLocalDynamoDb({ [tables.state]: 'userId', [tables.outbox]: 'email' });
const cache = triggerCache();

const bed = useSignInTestBed(cache);

const triggers = (options: Partial<TriggerOptions> = {}) => cache.get({ stateTable: tables.state, ...options });
const withOutbox = (options: Partial<TriggerOptions> = {}) =>
  triggers({
    variant: 'handler-with-outbox',
    ...options,
    env: {
      TEST_OUTBOX_TABLE: tables.outbox,
      TEST_OUTBOX_ADDRESSES: 'success+smoke*@simulator.amazonses.com',
      USERS_WITH_MFA: 'refuse',
      ...options.env,
    },
  });
const outboxItems = async () => (await local().client.send(new ScanCommand({ TableName: tables.outbox }))).Items ?? [];

const unknownUser = { kind: 'unknown', sub: 'x', email: 'nobody@example.com' } as const;
const unverified = { ...alice, kind: 'unverified' } as const;

describe('passwordless sign-in: session states (define / create / verify together)', () => {
  it('first call: asks for a custom challenge, sends one code to the verified address', async () => {
    const t = triggers();
    const outcome = await signIn(t, alice, () => 'not-a-code', { maxAnswers: 0 });
    expect(outcome.result).toBe('challenge');
    expect(t.sent()).toHaveLength(1);
    const input = t.ses.mock.commandCalls(t.ses.sdk.SendEmailCommand)[0]!.args[0].input;
    expect(input.Destination).toEqual({ ToAddresses: ['alice@example.com'] });
    expect(input.FromEmailAddress).toBe('"Reference" <no-reply@example.com>');
    expect(t.sent()[0]!.code).toMatch(/^\d{6}$/);
    expect(outcome.rounds[0]!.privateCode).toBe(t.sent()[0]!.code);
  });

  it('right code: tokens', async () => {
    const t = triggers();
    const outcome = await signIn(t, alice, (_r, sent) => latest(sent));
    expect(outcome.result).toBe('tokens');
    expect(t.sent()).toHaveLength(1);
  });

  it('right code typed with spaces: tokens', async () => {
    const outcome = await signIn(
      triggers(),
      alice,
      (_r, sent) => ` ${latest(sent).slice(0, 3)} ${latest(sent).slice(3)} `,
    );
    expect(outcome.result).toBe('tokens');
  });

  it.each([1, 2])('wrong code x%i, then the right one: tokens, and the code was reused (one email)', async (misses) => {
    const t = triggers();
    const outcome = await signIn(t, alice, (round, sent) => (round < misses ? wrong(latest(sent)) : latest(sent)));
    expect(outcome.result).toBe('tokens');
    expect(t.sent()).toHaveLength(1);
    expect(outcome.rounds.map((r) => r.publicParameters.attemptsLeft)).toEqual(['3', '2', '1'].slice(0, misses + 1));
  });

  it('wrong code x3: fails, after three challenges with one email', async () => {
    const t = triggers();
    const outcome = await signIn(t, alice, (_r, sent) => wrong(latest(sent)));
    expect(outcome.result).toBe('failed');
    expect(t.sent()).toHaveLength(1);
    expect(outcome.rounds.map((r) => r.publicParameters.attemptsLeft)).toEqual(['3', '2', '1']);
  });

  it('expired code: the right code after the TTL is refused and the session fails', async () => {
    const outcome = await signIn(triggers(), alice, (_r, sent) => {
      bed.now = T0 + TTL_MS + 1;
      return latest(sent);
    });
    expect(outcome.result).toBe('failed');
  });

  it('code at the last valid millisecond still counts', async () => {
    const outcome = await signIn(triggers(), alice, (_r, sent) => {
      bed.now = T0 + TTL_MS;
      return latest(sent);
    });
    expect(outcome.result).toBe('tokens');
  });

  it('unknown user: same challenge shape and attempts, no email, no state, never tokens (even with the private code)', async () => {
    const t = triggers();
    const known = await signIn(t, alice, (_r, sent) => wrong(latest(sent)));
    const emailsBefore = t.sent().length;
    const unknown = await signIn(t, unknownUser, (_r, _sent, privateCode) => privateCode);
    expect(unknown.result).toBe('failed');
    expect(t.sent()).toHaveLength(emailsBefore);
    // Exactly what a known user who types three wrong codes sees.
    expect(unknown.rounds.map((r) => r.publicParameters)).toEqual(known.rounds.map((r) => r.publicParameters));
    expect(known.result).toBe('failed');
    const state = await local().client.send(new ScanCommand({ TableName: tables.state }));
    expect(state.Items?.map((i) => i.userId?.S)).toEqual([alice.sub]);
  });

  it('user with an unverified email: same challenge, no email, never tokens', async () => {
    const t = triggers();
    const outcome = await signIn(t, unverified, (_r, _sent, privateCode) => privateCode);
    expect(outcome.result).toBe('failed');
    expect(t.sent()).toHaveLength(0);
    expect(outcome.rounds[0]!.publicParameters).toEqual(publicParameters(SETTINGS, 3));
  });

  it('keeps the outstanding code in the state table with a TTL after the code and both windows', async () => {
    const t = triggers();
    await signIn(t, alice, (_r, sent) => wrong(latest(sent)), { maxAnswers: 1 });
    const { Item } = await local().client.send(
      new GetItemCommand({ TableName: tables.state, Key: { userId: { S: alice.sub } }, ConsistentRead: true }),
    );
    expect(Item).toEqual({
      userId: { S: alice.sub },
      version: { N: '2' },
      code: { S: t.sent()[0]!.code },
      codeExpiresAt: { N: String(T0 + TTL_MS) },
      emailsSent: { N: '1' },
      emailWindowStart: { N: String(T0) },
      wrongAnswers: { N: '1' },
      wrongWindowStart: { N: String(T0) },
      expiresAt: { N: String((T0 + 3_600_000) / 1000) },
    });
  });

  it('logs no code, no answer, no email address, no state and no event on any path', async () => {
    const codes: string[] = [];
    const collect = (code: string | undefined) => {
      if (code) codes.push(code);
      return code ?? '';
    };
    await signIn(withOutbox(), alice, (round, sent) =>
      round < 2 ? wrong(collect(latest(sent))) : collect(latest(sent)),
    );
    await signIn(triggers(), alice, (_r, sent) => wrong(collect(latest(sent))));
    await signIn(triggers(), unknownUser, (_r, _s, privateCode) => collect(privateCode));
    await signIn(triggers(), alice, (_r, sent) => {
      bed.now = T0 + TTL_MS + 1;
      return collect(latest(sent));
    });
    expect(codes.length).toBeGreaterThan(3);
    const text = bed.logs.text();
    for (const code of codes) expect(text).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
    for (const e of [events(alice).define(), events(alice).create(), events(alice).verify()]) {
      expectNothingLeaked(text, e, ['alice@example.com', alice.sub, '000000', '111111', 'OTP:', tables.state]);
    }
    // Counts only: what the state says reaches the logs as numbers.
    expect(text).toContain('"emailsInWindow":1');
    expect(text).toContain('"failuresInWindow":');
    expect(bed.logs.entries().length).toBeGreaterThan(10);
  });
});

describe("dev test outbox: only the smoke test's addresses", () => {
  it('leaves the outbox empty for an ordinary address (the code goes by email only)', async () => {
    const t = withOutbox();
    const outcome = await signIn(t, alice, (_r, sent) => latest(sent));
    expect(outcome.result).toBe('tokens');
    expect(t.sent()).toHaveLength(1);
    expect(await outboxItems()).toEqual([]);
  });

  it('writes each new code of a matching address to the outbox, once per code', async () => {
    const smoke = { kind: 'known', sub: 'smoke-sub', email: SMOKE_ADDRESS } as const;
    const t = withOutbox();
    const outcome = await signIn(t, smoke, (round, sent) => (round === 0 ? wrong(latest(sent)) : latest(sent)));
    expect(outcome.result).toBe('tokens');
    expect(await outboxItems()).toEqual([
      { email: { S: SMOKE_ADDRESS }, code: { S: t.sent()[0]!.code }, expiresAt: { N: String((T0 + TTL_MS) / 1000) } },
    ]);
  });

  it('matches the pattern exactly: * never crosses the @, the domain is exact, case is ignored', () => {
    const accepts = addressMatcher('success+smoke*@simulator.amazonses.com');
    expect(accepts('success+smoke123-alice@simulator.amazonses.com')).toBe(true);
    expect(accepts('SUCCESS+Smoke1@Simulator.AmazonSES.com')).toBe(true);
    expect(accepts('alice@example.com')).toBe(false);
    expect(accepts('success+smoke1@evil.io@simulator.amazonses.com')).toBe(false);
    expect(accepts('success+smoke1@simulator.amazonses.com.evil.io')).toBe(false);
    expect(accepts('xsuccess+smoke1@simulator.amazonses.com')).toBe(false);
    expect(accepts('success+smoke1@simulatorxamazonses.com')).toBe(false);
    expect(addressMatcher('qa-user@example.com')('qa-user@example.com')).toBe(true);
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
  ])('fails closed with the generic message when %s, and frees the code for the next session', async (_name, error) => {
    const t = triggers();
    t.ses.mock.on(t.ses.sdk.SendEmailCommand).rejectsOnce(error).resolves({ MessageId: 'm-2' });
    await expect(t.create(events(alice).create(), context, () => undefined)).rejects.toThrow(
      new Error(GENERIC_ERROR_MESSAGE),
    );
    expect(bed.logs.text()).toContain(error.name);
    expect(bed.logs.text()).not.toContain(error.message);
    // The next session emails a new code instead of reusing one nobody received.
    const next = await signIn(t, alice, (_r, sent) => latest(sent));
    expect(next.result).toBe('tokens');
    expect(t.sent().filter((m) => m.code)).toHaveLength(2);
  });

  it('fails closed when the test outbox write fails', async () => {
    const t = withOutbox({ env: { TEST_OUTBOX_TABLE: 'no-such-table' } });
    const smoke = events({ kind: 'known', sub: 'smoke-sub', email: SMOKE_ADDRESS }).create();
    await expect(t.create(smoke, context, () => undefined)).rejects.toThrow(GENERIC_ERROR_MESSAGE);
  });

  it.each(['create', 'verify'])(
    'fails closed with the generic message when the state table is missing (%s), and logs only the error type',
    async (which) => {
      const ok = triggers();
      const started = await ok.create(events(alice).create(), context, () => undefined);
      const broken = triggers({ stateTable: 'no-such-table' });
      const run =
        which === 'create'
          ? broken.create(events(alice).create(), context, () => undefined)
          : broken.verify(
              Object.assign(events(alice).verify(), {
                request: {
                  ...events(alice).verify().request,
                  privateChallengeParameters: started.response.privateChallengeParameters,
                  challengeAnswer: started.response.privateChallengeParameters.code,
                },
              }),
              context,
              () => undefined,
            );
      await expect(run).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
      expect(broken.sent()).toHaveLength(0);
      expect(bed.logs.text()).toContain('ResourceNotFoundException');
      expect(bed.logs.text()).not.toContain('no-such-table');
    },
  );

  it.each([
    [
      'another challenge name',
      (e: ReturnType<ReturnType<typeof events>['create']>) => (e.request.challengeName = 'SRP_A'),
    ],
    [
      'a later round without our metadata',
      (e: ReturnType<ReturnType<typeof events>['create']>) =>
        (e.request.session = [{ challengeName: 'CUSTOM_CHALLENGE', challengeResult: false, challengeMetadata: 'x' }]),
    ],
    [
      'a session that is not a list',
      (e: ReturnType<ReturnType<typeof events>['create']>) => (e.request.session = {} as never),
    ],
  ])('refuses %s', async (_name, tweak) => {
    const t = triggers();
    const event = events(alice).create();
    tweak(event);
    await expect(t.create(event, context, () => undefined)).rejects.toThrow(GENERIC_ERROR_MESSAGE);
    expect(t.ses.mock.calls()).toHaveLength(0);
  });

  it('ignores clientMetadata (cannot choose the code or the address)', async () => {
    const t = triggers();
    const event = events(alice).create();
    event.request.clientMetadata = { code: '000000', email: 'mallory@evil.io' };
    const result = await t.create(event, context, () => undefined);
    expect(result.response.privateChallengeParameters.code).not.toBe('000000');
    expect(t.sent().map((m) => m.to)).toEqual(['alice@example.com']);
  });

  it('fails at load on a bad configuration', () => {
    expect(() => triggers({ env: { CODE_LENGTH: '4' } })).toThrow('code length must be 6-10 digits');
    expect(() => triggers({ env: { MAX_ATTEMPTS: '5' } })).toThrow('MAX_ATTEMPTS must be 1-3');
    expect(() => triggers({ env: { EMAIL_FROM: '' } })).toThrow('Missing environment variable EMAIL_FROM');
    expect(() => triggers({ env: { MAX_WRONG_ANSWERS: '0' } })).toThrow('MAX_WRONG_ANSWERS must be 1-100');
    expect(() => triggers({ env: { SIGN_IN_STATE_TABLE: '' } })).toThrow(
      'Missing environment variable SIGN_IN_STATE_TABLE',
    );
  });
});

describe('define / verify handlers: malformed input', () => {
  it('reject unknown trigger sources and malformed events with the generic message', async () => {
    const { define, verify, create } = triggers();
    for (const [handler, make] of [
      [define, events(alice).define],
      [verify, events(alice).verify],
      [create, events(alice).create],
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
    const { define } = triggers();
    const event = events(alice).define();
    event.request.session = 'x' as never;
    const result = await define(event, context, () => undefined);
    expect(result.response).toEqual({ issueTokens: false, failAuthentication: true });
  });

  it('verify ignores clientMetadata and treats a missing expected code as wrong', async () => {
    const { verify } = triggers();
    const event = events(alice).verify();
    event.request.privateChallengeParameters = {};
    event.request.challengeAnswer = '';
    expect((await verify(event, context, () => undefined)).response.answerCorrect).toBe(false);
    const empty = events(alice).verify();
    empty.request.privateChallengeParameters = { code: '', expiresAt: String(T0 + 1000) };
    empty.request.challengeAnswer = '';
    expect((await verify(empty, context, () => undefined)).response.answerCorrect).toBe(false);
  });

  it("verify never accepts the fixture answer: a code that is not the user's outstanding one", async () => {
    const { verify } = triggers();
    const event = events(alice).verify(); // private code 482913, answered 482913, never issued
    expect((await verify(event, context, () => undefined)).response.answerCorrect).toBe(false);
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

  it('reads the code back from private challenge parameters and rejects anything else', () => {
    expect(parsePrivateParameters(privateParameters({ code: '012345', expiresAt: T0 }))).toEqual({
      code: '012345',
      expiresAt: T0,
    });
    for (const bad of [undefined, null, {}, { code: '12345', expiresAt: '1' }, { code: '123456' }, { code: 123456 }]) {
      expect(parsePrivateParameters(bad)).toBeUndefined();
    }
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
