import { randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The email one-time code of the passwordless custom-auth flow, shared by the define, create and
 * verify triggers (docs/passwordless.md).
 *
 * Where the code lives during one sign-in session:
 * - `privateChallengeParameters` { code, expiresAt }: what verify compares against. Cognito keeps
 *   them server-side; the client never sees them.
 * - `challengeMetadata` `OTP:<code>:<expiresAt>`: Cognito hands it to define and create on the
 *   next round, so a retry reuses the same code (no new email) and define can see the expiry.
 *   Also server-side only.
 * - `publicChallengeParameters`: never the code, never anything about the user.
 */

/** The only challenge name this flow uses. */
export const CUSTOM_CHALLENGE = 'CUSTOM_CHALLENGE';

export const CODE_LENGTH_RANGE = [6, 10] as const;

/** A uniformly random code of exactly `length` decimal digits (leading zeros kept), from `crypto.randomInt`. */
export function generateCode(length: number): string {
  assertCodeLength(length);
  return String(randomInt(0, 10 ** length)).padStart(length, '0');
}

export function assertCodeLength(length: number): void {
  if (!Number.isInteger(length) || length < CODE_LENGTH_RANGE[0] || length > CODE_LENGTH_RANGE[1]) {
    throw new Error(`code length must be ${CODE_LENGTH_RANGE[0]}-${CODE_LENGTH_RANGE[1]} digits`);
  }
}

/** A code and the instant (epoch ms) after which it no longer counts. */
export interface IssuedCode {
  readonly code: string;
  readonly expiresAt: number;
}

const METADATA = /^OTP:(\d{6,10}):(\d{13})$/;

export function encodeMetadata({ code, expiresAt }: IssuedCode): string {
  return `OTP:${code}:${expiresAt}`;
}

/** The code carried in a session entry's `challengeMetadata`, or `undefined` if it is not ours. */
export function parseMetadata(metadata: unknown): IssuedCode | undefined {
  if (typeof metadata !== 'string') return undefined;
  const match = METADATA.exec(metadata);
  if (!match) return undefined;
  return { code: match[1]!, expiresAt: Number(match[2]) };
}

export function privateParameters({ code, expiresAt }: IssuedCode): Record<string, string> {
  return { code, expiresAt: String(expiresAt) };
}

/** The code in a session's private challenge parameters, or `undefined` if they are not ours. */
export function parsePrivateParameters(parameters: unknown): IssuedCode | undefined {
  const p = (parameters ?? {}) as Record<string, unknown>;
  if (typeof p !== 'object' || typeof p.code !== 'string' || !/^\d{6,10}$/.test(p.code)) return undefined;
  const expiresAt = Number(p.expiresAt);
  return Number.isSafeInteger(expiresAt) ? { code: p.code, expiresAt } : undefined;
}

const MAX_ANSWER = 64;

/**
 * Whether `answer` is the code in `privateParameters`, still valid at `now`. Fails closed on
 * everything unexpected: missing or empty expected code, a code of the wrong length, a missing
 * or unreadable expiry, an expired code, a non-string or non-numeric answer. Spaces around or
 * inside the answer (as people type codes) are ignored; the comparison is constant-time.
 */
export function isAnswerCorrect(privateParameters: unknown, answer: unknown, now: number, codeLength: number): boolean {
  const expected = (privateParameters as Record<string, unknown> | null | undefined) ?? {};
  const code = typeof expected === 'object' ? expected.code : undefined;
  const expiresAt = typeof expected === 'object' ? Number(expected.expiresAt) : Number.NaN;
  if (typeof code !== 'string' || code.length !== codeLength || !/^\d+$/.test(code)) return false;
  if (!Number.isSafeInteger(expiresAt) || now > expiresAt) return false;
  if (typeof answer !== 'string' || answer.length > MAX_ANSWER) return false;
  const given = answer.replace(/\s+/g, '');
  if (given.length !== codeLength || !/^\d+$/.test(given)) return false;
  return timingSafeEqual(Buffer.from(given, 'utf8'), Buffer.from(code, 'utf8'));
}
