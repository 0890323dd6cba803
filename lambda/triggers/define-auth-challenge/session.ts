import { CUSTOM_CHALLENGE, parseMetadata } from '../../shared/one-time-code';

/**
 * Pure decision of the define-auth-challenge trigger: given the session so far, issue tokens,
 * ask for (another) code, or fail. Strict: anything this flow did not produce fails.
 */

export type DefineDecision =
  | { readonly action: 'challenge' }
  | { readonly action: 'tokens' }
  | { readonly action: 'fail'; readonly reason: DefineFailure };

export type DefineFailure =
  | 'malformed-session'
  | 'unexpected-challenge'
  | 'unexpected-metadata'
  | 'code-changed'
  | 'unexpected-success'
  | 'too-many-attempts'
  | 'code-expired'
  | 'user-not-found'
  | 'email-unverified';

export interface SessionInput {
  /** `request.session` as Cognito sent it (checked here, not trusted). */
  readonly session: unknown;
  /** `request.userNotFound`: the name does not exist (PreventUserExistenceErrors is on). */
  readonly userNotFound: boolean;
  /** `email_verified` of the user: the code is only ever sent to a verified address. */
  readonly emailVerified: boolean;
  /** Epoch ms. */
  readonly now: number;
  /** Codes a user may try in one session (1-3). */
  readonly maxAttempts: number;
}

interface Entry {
  readonly challengeName: unknown;
  readonly challengeResult: unknown;
  readonly challengeMetadata?: unknown;
}

export function decideNextStep({
  session,
  userNotFound,
  emailVerified,
  now,
  maxAttempts,
}: SessionInput): DefineDecision {
  const fail = (reason: DefineFailure): DefineDecision => ({ action: 'fail', reason });
  if (!Array.isArray(session)) return fail('malformed-session');
  // First round: always a challenge, for unknown users too (they look the same from outside).
  if (session.length === 0) return { action: 'challenge' };
  if (session.length > maxAttempts) return fail('too-many-attempts');

  const entries = session as unknown[];
  let issuedCode: string | undefined;
  let expiresAt = 0;
  for (const [index, raw] of entries.entries()) {
    const entry = raw as Entry | null;
    if (typeof entry !== 'object' || entry === null) return fail('malformed-session');
    // SRP_A, PASSWORD_VERIFIER or anything else injected into this flow: fail.
    if (entry.challengeName !== CUSTOM_CHALLENGE) return fail('unexpected-challenge');
    if (typeof entry.challengeResult !== 'boolean') return fail('malformed-session');
    const issued = parseMetadata(entry.challengeMetadata);
    if (!issued) return fail('unexpected-metadata');
    // One code per session: every round must carry the code of the first.
    if (issuedCode !== undefined && issued.code !== issuedCode) return fail('code-changed');
    issuedCode = issued.code;
    expiresAt = issued.expiresAt;
    // A correct answer ends the session; it can only be the last entry.
    if (entry.challengeResult && index !== entries.length - 1) return fail('unexpected-success');
  }

  const last = entries[entries.length - 1] as Entry;
  if (last.challengeResult === true) {
    if (userNotFound) return fail('user-not-found');
    // Defense in depth: no code was sent to an unverified address, so a "correct" answer is a guess.
    if (!emailVerified) return fail('email-unverified');
    return { action: 'tokens' };
  }
  if (entries.length >= maxAttempts) return fail('too-many-attempts');
  if (now > expiresAt) return fail('code-expired');
  return { action: 'challenge' };
}
