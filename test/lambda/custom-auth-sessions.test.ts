import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { parseStateItem } from '../../lambda/shared/code-state-store';
import { GENERIC_ERROR_MESSAGE } from '../../lambda/shared/errors';
import {
  alice,
  latest,
  LIMITS,
  loadTriggers,
  Session,
  signIn,
  T0,
  TTL_MS,
  triggerCache,
  useSignInTestBed,
  userNamed,
  wrong,
  type TestUser,
  type TriggerOptions,
  type Triggers,
} from '../helpers/custom-auth';
import { StorageTurns, useLocalDynamoDb } from '../helpers/dynalite';

/**
 * Attacks on passwordless sign-in that span sessions: anyone who knows an address can start as
 * many CUSTOM_AUTH sessions as they like. The real define / create / verify handlers run as
 * Cognito runs them, against DynamoDB (dynalite on loopback, condition expressions honoured);
 * SES and Cognito are mocked. Limits: LIMITS in test/helpers/custom-auth.ts (3 emails per 15
 * minutes, 5 wrong answers per hour, codes valid 3 minutes, 3 answers per session).
 */

const STATE = 'sign-in-state';
const local = useLocalDynamoDb({ [STATE]: 'userId' });
const cache = triggerCache();

const bed = useSignInTestBed(cache);

const triggers = (options: Partial<TriggerOptions> = {}) => cache.get({ stateTable: STATE, ...options });
const emailsTo = (t: Triggers, user: TestUser) => t.sent().filter((m) => m.to === user.email);

async function stateOf(user: TestUser) {
  const { Item } = await local().client.send(
    new GetItemCommand({ TableName: STATE, Key: { userId: { S: user.sub } }, ConsistentRead: true }),
  );
  return Item ? parseStateItem(Item) : undefined;
}

/** Every answer wrong: what an attacker who does not have the inbox can do. */
const guessWrong = (_round: number, sent: readonly string[]) => wrong(latest(sent));
/** The code from the inbox: what the owner does. */
const fromInbox = (_round: number, sent: readonly string[]) => latest(sent);

describe('brute force across sessions (lockout)', () => {
  it('10 sessions x 3 wrong guesses, then an 11th session with the right code: refused', async () => {
    const t = triggers();
    for (let i = 0; i < 10; i++) {
      expect((await signIn(t, alice, guessWrong)).result).toBe('failed');
    }
    // The owner (or whoever reads the inbox) answers with the newest code emailed.
    const eleventh = await signIn(t, alice, fromInbox);
    expect(eleventh.result).toBe('failed');
    // One code was ever emailed: sessions reused it, and locked-out sessions send nothing.
    expect(emailsTo(t, alice)).toHaveLength(1);
    expect((await stateOf(alice))?.wrongAnswers.count).toBe(LIMITS.maxWrongAnswers);
  });

  it('a locked-out user sees what any failed sign-in shows: same challenges, same attempts, same failure', async () => {
    const t = triggers();
    const bob = userNamed('bob');
    const unlocked = await signIn(t, bob, guessWrong);
    for (let i = 0; i < 2; i++) await signIn(t, alice, guessWrong); // 6 wrong answers: locked
    const locked = await signIn(t, alice, fromInbox);
    expect(locked.result).toBe('failed');
    expect(unlocked.result).toBe('failed');
    expect(locked.rounds.map((r) => r.publicParameters)).toEqual(unlocked.rounds.map((r) => r.publicParameters));
    // Even the code that sits in the private parameters of the locked session does not work.
    const withPrivate = await signIn(t, alice, (_r, _s, privateCode) => privateCode);
    expect(withPrivate.result).toBe('failed');
  });

  it('the lockout ends with its window; then a new code signs in', async () => {
    const t = triggers();
    for (let i = 0; i < 2; i++) await signIn(t, alice, guessWrong);
    expect((await signIn(t, alice, fromInbox)).result).toBe('failed');
    bed.now = T0 + LIMITS.lockoutWindowMs;
    expect((await signIn(t, alice, fromInbox)).result).toBe('tokens');
    expect(emailsTo(t, alice)).toHaveLength(2);
  });

  it('user A locked out does not affect user B', async () => {
    const t = triggers();
    const bob = userNamed('bob');
    for (let i = 0; i < 3; i++) await signIn(t, alice, guessWrong);
    expect((await signIn(t, alice, fromInbox)).result).toBe('failed');
    expect((await signIn(t, bob, fromInbox)).result).toBe('tokens');
    expect((await stateOf(bob))?.wrongAnswers.count).toBe(0);
  });

  it('wrong answers of different sessions add up, in whatever order the sessions answer', async () => {
    const t = triggers();
    const sessions = [new Session(t, alice), new Session(t, alice), new Session(t, alice)];
    for (const s of sessions) await s.next();
    // Interleaved: 2 + 2 + 1 wrong answers across three open sessions.
    for (const s of [sessions[0]!, sessions[1]!, sessions[2]!, sessions[0]!, sessions[1]!]) {
      await s.answer(wrong(emailsTo(t, alice)[0]!.code));
    }
    expect((await stateOf(alice))?.wrongAnswers.count).toBe(5);
    expect(await sessions[2]!.answer(emailsTo(t, alice)[0]!.code!)).not.toBe('tokens');
  });
});

describe('one code per user, signing in once', () => {
  it('a new session while a code is outstanding reuses it and sends no email', async () => {
    const t = triggers();
    const first = new Session(t, alice);
    const second = new Session(t, alice);
    await first.next();
    bed.now += 60_000;
    await second.next();
    expect(second.rounds[0]!.privateCode).toBe(first.rounds[0]!.privateCode);
    expect(emailsTo(t, alice)).toHaveLength(1);
  });

  it('a code signs in once: the same code in a second open session is refused (and counted)', async () => {
    const t = triggers();
    const first = new Session(t, alice);
    const second = new Session(t, alice);
    await first.next();
    await second.next();
    const code = emailsTo(t, alice)[0]!.code!;
    expect(await first.answer(code)).toBe('tokens');
    expect(await second.answer(code)).toBe('challenge');
    expect((await stateOf(alice))?.wrongAnswers.count).toBe(1);
    // After the success the next session gets a fresh code, by email.
    expect((await signIn(t, alice, fromInbox)).result).toBe('tokens');
    expect(new Set(emailsTo(t, alice).map((m) => m.code)).size).toBe(2);
  });
});

describe('inbox flood across sessions (email limit)', () => {
  it('50 sessions within one code lifetime send one email', async () => {
    const t = triggers();
    for (let i = 0; i < 50; i++) {
      await new Session(t, alice).next();
      bed.now += 3_000;
    }
    expect(emailsTo(t, alice)).toHaveLength(1);
  });

  it('sessions started as each code expires, for 2 hours: at most 3 emails per 15-minute window', async () => {
    const t = triggers();
    const sentAt: number[] = [];
    for (let i = 0; i < 40; i++) {
      const before = emailsTo(t, alice).length;
      await new Session(t, alice).next();
      if (emailsTo(t, alice).length > before) sentAt.push(bed.now);
      bed.now += TTL_MS + 1_000;
    }
    for (const start of sentAt) {
      const inWindow = sentAt.filter((at) => at >= start && at < start + LIMITS.emailWindowMs);
      expect(inWindow.length).toBeLessThanOrEqual(LIMITS.maxEmails);
    }
    // 40 x 181 s = 2 h: 8 windows of 15 minutes, 3 emails each at most.
    expect(sentAt.length).toBeLessThanOrEqual(8 * LIMITS.maxEmails);
    expect(sentAt.length).toBeGreaterThanOrEqual(LIMITS.maxEmails);
  });

  it('over the email limit, a session looks the same and sends nothing; the owner can sign in again later', async () => {
    const t = triggers();
    for (let i = 0; i < LIMITS.maxEmails; i++) {
      expect((await signIn(t, alice, fromInbox)).result).toBe('tokens');
    }
    const over = await signIn(t, alice, fromInbox);
    expect(over.result).toBe('failed');
    expect(emailsTo(t, alice)).toHaveLength(LIMITS.maxEmails);
    expect(over.rounds[0]!.publicParameters).toEqual({ challenge: 'EMAIL_OTP', codeLength: '6', attemptsLeft: '3' });
    bed.now = T0 + LIMITS.emailWindowMs;
    expect((await signIn(t, alice, fromInbox)).result).toBe('tokens');
  });

  it('N sessions started at the same moment send one email, and all get the same code', async () => {
    const t = triggers();
    const sessions = Array.from({ length: 8 }, () => new Session(t, alice));
    await Promise.all(sessions.map((s) => s.next()));
    expect(emailsTo(t, alice)).toHaveLength(1);
    expect(new Set(sessions.map((s) => s.rounds[0]!.privateCode))).toEqual(new Set([emailsTo(t, alice)[0]!.code]));
  });
});

describe('users with MFA (usersWithMfa)', () => {
  it('refuse (the default): a user with TOTP gets the same challenge, no email, and never signs in', async () => {
    const t = triggers({ mfa: ['SOFTWARE_TOKEN_MFA'] });
    const outcome = await signIn(t, alice, (_r, _s, privateCode) => privateCode);
    expect(outcome.result).toBe('failed');
    expect(t.sent()).toHaveLength(0);
    expect(outcome.rounds.map((r) => r.publicParameters.attemptsLeft)).toEqual(['3', '2', '1']);
    const call = t.cognito.mock.commandCalls(t.cognito.sdk.AdminGetUserCommand)[0]!.args[0].input;
    expect(call).toEqual({ UserPoolId: 'eu-west-1_EXAMPLE1', Username: alice.sub });
  });

  it('refuse: a user without MFA signs in as usual', async () => {
    const t = triggers({ mfa: [] });
    expect((await signIn(t, alice, fromInbox)).result).toBe('tokens');
  });

  it('allow: the emailed code alone signs in a user with MFA, and no MFA lookup is made', async () => {
    const t = triggers({ variant: 'handler-mfa-allowed', mfa: ['SOFTWARE_TOKEN_MFA'] });
    expect((await signIn(t, alice, fromInbox)).result).toBe('tokens');
    expect(t.cognito.mock.calls()).toHaveLength(0);
  });

  it('fails closed with the generic message when the MFA lookup fails', async () => {
    const t = triggers({ mfa: Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }) });
    await expect(new Session(t, alice).next()).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
    expect(t.sent()).toHaveLength(0);
  });
});

/**
 * Interleavings: StorageTurns holds every DynamoDB request of the handlers and releases them one
 * at a time in an order fast-check picks, so each run is one exact interleaving of the sessions'
 * reads and conditional writes (and a failing one shrinks to the shortest).
 */
describe('interleavings (property)', () => {
  const turns = new StorageTurns();
  let t: Triggers;
  let runs = 0;
  beforeAll(() => {
    t = loadTriggers({ stateTable: STATE, turns });
  });
  beforeEach(() => t.resetMocks());

  it('concurrent session starts: exactly one email, one code for every session', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 2, max: 5 }), fc.array(fc.nat(), { maxLength: 30 }), async (n, choices) => {
        const user = userNamed(`starter${runs++}`);
        t.resetMocks();
        const sessions = Array.from({ length: n }, () => new Session(t, user));
        await turns.run(Promise.all(sessions.map((s) => s.next())), choices);
        expect(emailsTo(t, user)).toHaveLength(1);
        expect(new Set(sessions.map((s) => s.rounds[0]!.privateCode))).toEqual(new Set([emailsTo(t, user)[0]!.code]));
        expect((await stateOf(user))?.emails.count).toBe(1);
      }),
      { numRuns: 25 },
    );
  });

  it('concurrent wrong answers: none is lost, the lockout holds, and the right code works only below it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        async (wrongPerSession, choices) => {
          const user = userNamed(`guesser${runs++}`);
          t.resetMocks();
          const sessions = wrongPerSession.map(() => new Session(t, user));
          await turns.run(
            (async () => {
              for (const s of sessions) await s.next();
            })(),
            [],
          );
          const code = emailsTo(t, user)[0]!.code!;
          // Each session answers wrong its number of times; the sessions run at the same time.
          const outcomes = await turns.run(
            Promise.allSettled(
              sessions.map(async (s, i) => {
                let errors = 0;
                for (let k = 0; k < wrongPerSession[i]!; k++) {
                  if (s.result !== 'challenge') break;
                  await s.answer(wrong(code)).catch(() => errors++);
                }
                return errors;
              }),
            ),
            choices,
          );
          const errors = outcomes.reduce((sum, o) => sum + (o.status === 'fulfilled' ? o.value : 1), 0);
          const answered = wrongPerSession.reduce((a, b) => a + Math.min(b, 3), 0);
          const counted = (await stateOf(user))?.wrongAnswers.count ?? 0;
          // Every wrong answer that did not fail closed is counted (no lost update), up to the limit.
          expect(counted).toBe(Math.min(answered - errors, LIMITS.maxWrongAnswers));
          expect(bed.logs.text()).not.toContain(code);
          // Then the owner answers with the right code in a fresh session.
          const owner = new Session(t, user);
          const result = await turns.run(
            (async () => (await owner.next()) === 'challenge' && owner.answer(code))(),
            [],
          );
          expect(result === 'tokens').toBe(counted < LIMITS.maxWrongAnswers);
        },
      ),
      { numRuns: 25 },
    );
  });
});
