import { CLAIM_VALUE_PATTERN, isTenantId, type PasswordRules } from '../../contract';
import type { FindOptions, LegacyDirectory, LegacyUser } from '../../shared/legacy-directory';
import { MIGRATED_ATTRIBUTES } from '../../shared/legacy-directory';
import { parseHash, verifyPassword, type ParsedHash } from '../../shared/password-hash';

/**
 * Pure decisions of the migrate-user trigger: whether a sign-in proves a legacy account, which
 * attributes the new Cognito user gets, and in which status.
 */

/**
 * Hash of a random, discarded password with DEFAULT_SCRYPT parameters. Unknown users (and
 * records whose hash is unreadable) are checked against it, so they cost the same scrypt work as
 * a wrong password for a real user and response time does not tell them apart. If your legacy
 * hashes use other parameters, regenerate this with them (docs/migration.md).
 */
export const DUMMY_HASH = '$scrypt$ln=17,r=8,p=1$GbfE1QP7jAiXmAYxG2HE7w$dqRWL/w8NhFAOLL6xjnsGH98E1mEJKcnKPTsATmpUpk';

/** Checks a password against an encoded hash; injectable so tests can count the work done. */
export type PasswordVerifier = (password: string, hash: ParsedHash) => Promise<boolean>;

const dummy = parseHash(DUMMY_HASH)!;

export type AuthenticationResult =
  { ok: true; user: LegacyUser } | { ok: false; reason: 'invalid-credentials' | 'unreadable-record' };

/**
 * Looks the user up and checks the password. Unknown user, wrong password and unreadable record
 * end in the same `ok: false` after exactly one scrypt derivation each; only the reason (for
 * logs) differs for an unreadable record, which is an operator's problem, not the user's.
 */
export async function authenticateLegacyUser(
  directory: LegacyDirectory,
  username: string,
  password: string,
  verify: PasswordVerifier = verifyPassword,
  findOptions?: FindOptions,
): Promise<AuthenticationResult> {
  const user = await directory.find(username, findOptions);
  const parsed = user ? parseHash(user.passwordHash) : undefined;
  const matches = await verify(password, parsed ?? dummy);
  if (user && !parsed) return { ok: false, reason: 'unreadable-record' };
  // The pool signs in with email: the record must belong to exactly the name that was typed.
  const sameName = user !== undefined && user.username === username && user.email.trim().toLowerCase() === username;
  if (!user || !matches || !sameName) return { ok: false, reason: 'invalid-credentials' };
  return { ok: true, user };
}

/** The password rules of the user pool (config userPool.passwordPolicy), passed in PASSWORD_POLICY. */
export type PasswordPolicy = PasswordRules;

/** Characters Cognito counts as symbols (a space inside the password counts too). */
const COGNITO_SYMBOLS = new Set('^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+- ');

/** Longest password Cognito accepts. */
const MAX_PASSWORD = 256;

/**
 * Whether `password` satisfies the pool's policy. Cognito does not enforce the policy on a
 * migrated password, so the trigger does: a weak legacy password migrates as RESET_REQUIRED.
 */
export function meetsPasswordPolicy(password: string, policy: PasswordPolicy): boolean {
  const chars = [...password];
  if (chars.length < policy.minLength || chars.length > MAX_PASSWORD) return false;
  // Cognito refuses leading and trailing whitespace.
  if (password !== password.trim()) return false;
  if (policy.requireLowercase && !chars.some((c) => c >= 'a' && c <= 'z')) return false;
  if (policy.requireUppercase && !chars.some((c) => c >= 'A' && c <= 'Z')) return false;
  if (policy.requireDigits && !chars.some((c) => c >= '0' && c <= '9')) return false;
  if (policy.requireSymbols && !chars.some((c) => COGNITO_SYMBOLS.has(c))) return false;
  return true;
}

/** Values copied into immutable authorization attributes must be short identifiers. */
const IDENTIFIER = new RegExp(CLAIM_VALUE_PATTERN);
/** Profile attributes: 1-256 characters, no control characters. */
function isProfileValue(value: string): boolean {
  return value.length >= 1 && value.length <= 256 && [...value].every((c) => c >= ' ' && c !== '\u007f');
}

/**
 * The attributes of the new Cognito user, built only from the legacy record: the email (and
 * `email_verified` only when the legacy system verified it), allow-listed profile attributes, and
 * the tenant and department that the legacy system's administrators set. Nothing comes from
 * `clientMetadata` or `validationData`, which the caller controls.
 */
export function migratedAttributes(user: LegacyUser): Record<string, string> {
  const attributes: Record<string, string> = {
    email: user.email,
    email_verified: String(user.emailVerified),
  };
  for (const name of MIGRATED_ATTRIBUTES) {
    const value = user.attributes[name];
    if (value !== undefined && isProfileValue(value)) attributes[name] = value;
  }
  // Migrated users skip pre sign-up: the tenant-id rule applies here too (isTenantId, lambda/contract.ts).
  if (user.tenantId !== undefined && isTenantId(user.tenantId)) attributes['custom:tenant_id'] = user.tenantId;
  if (user.department !== undefined && IDENTIFIER.test(user.department)) {
    attributes['custom:department'] = user.department;
  }
  return attributes;
}

/** Validates the PASSWORD_POLICY environment variable. */
export function parsePasswordPolicy(value: unknown): PasswordPolicy {
  const v = value as Partial<Record<keyof PasswordPolicy, unknown>> | null;
  const flags = ['requireLowercase', 'requireUppercase', 'requireDigits', 'requireSymbols'] as const;
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof v.minLength !== 'number' ||
    !Number.isInteger(v.minLength) ||
    v.minLength < 6 ||
    !flags.every((flag) => typeof v[flag] === 'boolean')
  ) {
    throw new Error(
      'PASSWORD_POLICY is not { minLength, requireLowercase, requireUppercase, requireDigits, requireSymbols }',
    );
  }
  return v as PasswordPolicy;
}
