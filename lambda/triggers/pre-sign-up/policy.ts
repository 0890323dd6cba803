/**
 * Pure decisions of the pre sign-up trigger: which email domains may sign up, and whether an
 * external (federated) sign-up may be linked to an existing native user.
 */

export interface DomainPolicy {
  /** Exact, lower-case domains that may sign up; empty means any domain not denied. */
  readonly allow: readonly string[];
  /** Exact, lower-case domains that may never sign up. */
  readonly deny: readonly string[];
}

/**
 * The domain part of an email address, normalized for comparison: lower-case, without
 * a trailing dot (`Example.COM.` is `example.com`). `undefined` when there is no usable domain.
 */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at <= 0) return undefined;
  const domain = email
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.+$/, '');
  // Labels of letters, digits and hyphens; anything else (spaces, brackets, '@') is refused.
  if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(domain)) return undefined;
  return domain;
}

export type DomainDecision =
  { allowed: true; domain: string } | { allowed: false; reason: 'no-domain' | 'denied' | 'not-allowed' };

/**
 * Exact-match domain check. `evil-example.com`, `example.com.evil.io` and `sub.example.com` do
 * not match `example.com`: only the exact domain does.
 */
export function checkEmailDomain(email: string | undefined, policy: DomainPolicy): DomainDecision {
  const domain = email === undefined ? undefined : emailDomain(email);
  if (!domain) return { allowed: false, reason: 'no-domain' };
  if (policy.deny.includes(domain)) return { allowed: false, reason: 'denied' };
  if (policy.allow.length > 0 && !policy.allow.includes(domain)) return { allowed: false, reason: 'not-allowed' };
  return { allowed: true, domain };
}

/** An external identity as Cognito names it in `userName`: `<ProviderName>_<subject>`. */
export interface ExternalIdentity {
  /** Provider name exactly as configured in the user pool (e.g. `Google`). */
  readonly providerName: string;
  /** The user's subject at the provider. */
  readonly subject: string;
}

/**
 * Parses `Google_1234` (Cognito sometimes lower-cases the prefix: `google_1234`) against the
 * provider names configured in the pool; `undefined` for anything else.
 */
export function parseExternalUserName(userName: string, providers: readonly string[]): ExternalIdentity | undefined {
  const separator = userName.indexOf('_');
  if (separator <= 0 || separator === userName.length - 1) return undefined;
  const prefix = userName.slice(0, separator).toLowerCase();
  const providerName = providers.find((p) => p.toLowerCase() === prefix);
  if (!providerName) return undefined;
  return { providerName, subject: userName.slice(separator + 1) };
}

/** What ListUsers tells us about a user with the same email. */
export interface ExistingUser {
  readonly username: string;
  /** `EXTERNAL_PROVIDER` for federated users; anything else is a native user. */
  readonly status: string | undefined;
  readonly emailVerified: boolean;
}

export type LinkDecision =
  | { link: true; destinationUsername: string }
  | { link: false; reason: 'incoming-email-unverified' | 'no-native-user' | 'native-email-unverified' | 'ambiguous' };

/**
 * Whether a federated sign-up may be merged into an existing native account. Both sides must
 * have proven the address: the IdP must assert `email_verified`, and the native account must
 * have verified it with Cognito. Otherwise whoever registers an address first (without owning
 * it) could capture the real owner's federated sign-in, or an IdP account with an unverified
 * address could capture a native account.
 */
export function decideLink(incomingEmailVerified: boolean, candidates: readonly ExistingUser[]): LinkDecision {
  if (!incomingEmailVerified) return { link: false, reason: 'incoming-email-unverified' };
  const native = candidates.filter((u) => u.status !== 'EXTERNAL_PROVIDER');
  if (native.length === 0) return { link: false, reason: 'no-native-user' };
  if (native.length > 1) return { link: false, reason: 'ambiguous' };
  const [user] = native as [ExistingUser];
  if (!user.emailVerified) return { link: false, reason: 'native-email-unverified' };
  return { link: true, destinationUsername: user.username };
}

/**
 * A ListUsers filter for an exact email, or `undefined` when the address contains characters
 * the filter syntax would need to escape (such addresses are simply not linked).
 */
export function emailFilter(email: string): string | undefined {
  if (/["\\]/.test(email) || [...email].some((ch) => ch.charCodeAt(0) < 0x20)) return undefined;
  return `email = "${email}"`;
}
