import { CUSTOM_CHALLENGE, parseMetadata, type IssuedCode } from '../../shared/one-time-code';

/**
 * Pure decisions of the create-auth-challenge trigger: a new code or the session's existing one,
 * whether to send it, and what the client may see.
 */

export interface ChallengeSettings {
  readonly codeLength: number;
  /** How long a code stays valid, in ms. */
  readonly ttlMs: number;
  readonly maxAttempts: number;
}

export interface ChallengePlan {
  readonly issued: IssuedCode;
  /** True only on the first round: retries reuse the code and send nothing. */
  readonly isNew: boolean;
  readonly attemptsLeft: number;
}

/**
 * The code for this round. First round: a fresh code from `newCode` (crypto.randomInt) that
 * expires `ttlMs` from now. Later rounds: the code carried in the last session entry's metadata,
 * with its original expiry (define-auth-challenge already failed expired or foreign sessions;
 * this throws if it sees one anyway).
 */
export function planChallenge(
  session: unknown,
  now: number,
  settings: ChallengeSettings,
  newCode: (length: number) => string,
): ChallengePlan {
  if (!Array.isArray(session)) throw new Error('malformed session');
  const attemptsLeft = settings.maxAttempts - session.length;
  if (attemptsLeft < 1) throw new Error('no attempts left');
  if (session.length === 0) {
    return {
      issued: { code: newCode(settings.codeLength), expiresAt: now + settings.ttlMs },
      isNew: true,
      attemptsLeft,
    };
  }
  const last = session[session.length - 1] as { challengeName?: unknown; challengeMetadata?: unknown } | null;
  const issued = last?.challengeName === CUSTOM_CHALLENGE ? parseMetadata(last.challengeMetadata) : undefined;
  if (!issued || issued.code.length !== settings.codeLength) throw new Error('no code to reuse');
  if (now > issued.expiresAt) throw new Error('code expired');
  return { issued, isNew: false, attemptsLeft };
}

/**
 * What the client sees: the same keys and values for every user, known or not, verified or
 * not; never the code, the address or a hint of it.
 */
export function publicParameters(settings: ChallengeSettings, attemptsLeft: number): Record<string, string> {
  return {
    challenge: 'EMAIL_OTP',
    codeLength: String(settings.codeLength),
    attemptsLeft: String(attemptsLeft),
  };
}

/** Sends only to an address Cognito knows the user proved they own. */
export function deliverableEmail(
  userNotFound: boolean,
  attributes: Readonly<Record<string, string | undefined>> | undefined,
): string | undefined {
  if (userNotFound || !attributes) return undefined;
  const email = attributes.email;
  if (attributes.email_verified !== 'true' || typeof email !== 'string') return undefined;
  // Bounded, one address, no header injection.
  if (email.length > 254 || !/^[^\s@<>",;]+@[^\s@<>",;]+$/.test(email)) return undefined;
  return email;
}

/** The email a user receives. The code appears only here. */
export function renderEmail(code: string, ttlMs: number): { subject: string; text: string } {
  const minutes = Math.max(1, Math.round(ttlMs / 60_000));
  return {
    subject: 'Your sign-in code',
    text:
      `Your sign-in code is ${code}\n\n` +
      `It expires in ${minutes} minute${minutes === 1 ? '' : 's'} and works once. ` +
      'If you did not try to sign in, ignore this email: nobody can sign in without the code.\n',
  };
}

/**
 * A test-outbox address pattern as a predicate: `*` stands for any run of characters except `@`,
 * everything else is literal, and the comparison ignores case. The schema only lets through
 * patterns with a literal start and an exact domain (never a whole domain).
 */
export function addressMatcher(pattern: string): (address: string) => boolean {
  const literal = (part: string) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const regex = new RegExp(`^${pattern.toLowerCase().split('*').map(literal).join('[^@]*')}$`);
  return (address) => regex.test(address.toLowerCase());
}
