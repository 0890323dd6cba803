import { PASSWORDLESS_ENV, type EnvName } from '../contract';
import { requireEnv } from './env';
import type { IssuedCode } from './one-time-code';

/**
 * Pure decisions over a user's passwordless state across sign-in sessions (docs/passwordless.md,
 * "Across sessions"). Inside one session Cognito's `session` array carries the code; this state
 * is what a new session, started by anyone who knows the address, must respect:
 *
 * - one outstanding code per user: a new session reuses it and sends nothing;
 * - at most `maxEmails` codes emailed per `emailWindowMs`;
 * - at most `maxWrongAnswers` wrong answers per `lockoutWindowMs`, then every answer is refused
 *   until that window ends (the session still looks like any other from outside);
 * - a code signs in once: a correct answer consumes it.
 *
 * The store (code-state-store.ts) reads the item, asks these functions for the next state and
 * writes it only if nobody else wrote in between, so concurrent sessions cannot both send.
 */

/** A count in a fixed window that starts at its first event. */
export interface WindowCount {
  readonly count: number;
  /** Epoch ms of the window's first event; 0 when nothing was counted yet. */
  readonly start: number;
}

export interface CodeState {
  /** 0 when the user has no item; each write increments it (the store's write condition). */
  readonly version: number;
  /** The code a new session reuses, until it expires or signs someone in. */
  readonly code?: IssuedCode;
  readonly emails: WindowCount;
  readonly wrongAnswers: WindowCount;
}

export interface AbuseLimits {
  readonly maxEmails: number;
  readonly emailWindowMs: number;
  readonly maxWrongAnswers: number;
  readonly lockoutWindowMs: number;
}

export const NO_STATE: CodeState = { version: 0, emails: { count: 0, start: 0 }, wrongAnswers: { count: 0, start: 0 } };

/** The count that still applies at `now` (0 once the window has ended). */
export function countInWindow(window: WindowCount, now: number, lengthMs: number): number {
  return now < window.start + lengthMs ? window.count : 0;
}

function counted(window: WindowCount, now: number, lengthMs: number): WindowCount {
  return now < window.start + lengthMs ? { count: window.count + 1, start: window.start } : { count: 1, start: now };
}

export function isLockedOut(state: CodeState, now: number, limits: AbuseLimits): boolean {
  return countInWindow(state.wrongAnswers, now, limits.lockoutWindowMs) >= limits.maxWrongAnswers;
}

/** The user's code if it can still be used at `now`. */
export function outstandingCode(state: CodeState, now: number): IssuedCode | undefined {
  return state.code !== undefined && now <= state.code.expiresAt ? state.code : undefined;
}

/** Why a session gets a challenge whose code is never sent and never accepted. */
export type Refusal = 'locked-out' | 'email-limit' | 'mfa-enrolled';

export type SessionStart =
  | { readonly kind: 'reuse'; readonly issued: IssuedCode }
  | { readonly kind: 'send'; readonly issued: IssuedCode; readonly next: CodeState }
  | { readonly kind: 'refuse'; readonly reason: Refusal };

/**
 * The first round of a new session for a known user with a verified address: reuse the
 * outstanding code (no email), reserve `fresh` and email it, or refuse (locked out, or the email
 * limit is reached while no code is outstanding).
 */
export function planSessionStart(state: CodeState, now: number, limits: AbuseLimits, fresh: IssuedCode): SessionStart {
  if (isLockedOut(state, now, limits)) return { kind: 'refuse', reason: 'locked-out' };
  const current = outstandingCode(state, now);
  if (current) return { kind: 'reuse', issued: current };
  if (countInWindow(state.emails, now, limits.emailWindowMs) >= limits.maxEmails) {
    return { kind: 'refuse', reason: 'email-limit' };
  }
  return {
    kind: 'send',
    issued: fresh,
    next: {
      ...state,
      version: state.version + 1,
      code: fresh,
      emails: counted(state.emails, now, limits.emailWindowMs),
    },
  };
}

export interface AnswerJudgement {
  readonly accepted: boolean;
  readonly reason: 'accepted' | 'wrong' | 'not-outstanding' | 'locked-out';
  /** What to write; absent when nothing changes. */
  readonly next?: CodeState;
}

/**
 * An answer to a session's code. `matches` is verify's constant-time check of the answer against
 * the session's private code (and its expiry); `sessionCode` is that private code. Accepted only
 * when it matches, the user is not locked out, and the session's code is the user's outstanding
 * one (not consumed by another session, not replaced, not a code that was never sent). Accepting
 * consumes the code; anything else counts as a wrong answer, except while locked out.
 */
export function judgeAnswer(
  state: CodeState,
  sessionCode: IssuedCode | undefined,
  matches: boolean,
  now: number,
  limits: AbuseLimits,
): AnswerJudgement {
  if (isLockedOut(state, now, limits)) return { accepted: false, reason: 'locked-out' };
  const current = outstandingCode(state, now);
  const live =
    current !== undefined &&
    sessionCode !== undefined &&
    current.code === sessionCode.code &&
    current.expiresAt === sessionCode.expiresAt;
  if (matches && live) {
    const { code: _consumed, ...rest } = state;
    return { accepted: true, reason: 'accepted', next: { ...rest, version: state.version + 1 } };
  }
  return {
    accepted: false,
    reason: matches ? 'not-outstanding' : 'wrong',
    next: {
      ...state,
      version: state.version + 1,
      wrongAnswers: counted(state.wrongAnswers, now, limits.lockoutWindowMs),
    },
  };
}

/** The state without `issued` if it is still the outstanding code (after its email failed). */
export function releaseCode(state: CodeState, issued: IssuedCode): CodeState | undefined {
  if (state.code?.code !== issued.code || state.code.expiresAt !== issued.expiresAt) return undefined;
  const { code: _released, ...rest } = state;
  return { ...rest, version: state.version + 1 };
}

/** When DynamoDB may delete the item (epoch seconds): after the code and both windows ended. */
export function expiresAtSeconds(state: CodeState, limits: AbuseLimits): number {
  const end = Math.max(
    state.code?.expiresAt ?? 0,
    state.emails.start + limits.emailWindowMs,
    state.wrongAnswers.start + limits.lockoutWindowMs,
  );
  return Math.ceil(end / 1000);
}

/** The limits from the function's environment (set by lib/constructs/triggers/custom-auth.ts); fails at load. */
export function abuseLimitsFromEnv(): AbuseLimits {
  const int = (name: EnvName, min: number, max: number): number => {
    const value = Number(requireEnv(name));
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be ${min}-${max}`);
    return value;
  };
  return {
    maxEmails: int(PASSWORDLESS_ENV.maxEmails, 1, 10),
    emailWindowMs: int(PASSWORDLESS_ENV.emailWindowSeconds, 60, 86400) * 1000,
    maxWrongAnswers: int(PASSWORDLESS_ENV.maxWrongAnswers, 1, 100),
    lockoutWindowMs: int(PASSWORDLESS_ENV.lockoutWindowSeconds, 60, 86400) * 1000,
  };
}
