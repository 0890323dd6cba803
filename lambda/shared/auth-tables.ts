/**
 * Item layouts of the tables the sign-in triggers use, shared by the CDK constructs (lib/),
 * the handlers (lambda/) and scripts/seed-legacy-users.ts. Constants only: lib/ imports this
 * file, so it must not load an SDK.
 */

/** Legacy user directory read by migrate-user: one item per user, keyed by the lower-cased email. */
export const LEGACY_TABLE = {
  partitionKey: 'username',
  fields: {
    email: 'email',
    emailVerified: 'emailVerified',
    passwordHash: 'passwordHash',
    attributes: 'attributes',
    tenantId: 'tenantId',
    department: 'department',
  },
} as const;

/** Dev-only test outbox written by create-auth-challenge: the latest code per lower-cased address. */
export const OUTBOX_TABLE = { partitionKey: 'email', code: 'code', expiresAt: 'expiresAt' } as const;

/**
 * Passwordless sign-in state per user, shared across sign-in sessions by create-auth-challenge
 * (reserves or reuses the code, counts emails) and verify-auth-challenge (consumes the code,
 * counts wrong answers). One item per user, keyed by the user's `sub`; every write is
 * conditional on `version` (lambda/shared/code-state-store.ts). Times are epoch milliseconds,
 * except `expiresAt` (epoch seconds, the table's TTL attribute).
 */
export const SIGN_IN_STATE_TABLE = {
  partitionKey: 'userId',
  fields: {
    version: 'version',
    code: 'code',
    codeExpiresAt: 'codeExpiresAt',
    emailsSent: 'emailsSent',
    emailWindowStart: 'emailWindowStart',
    wrongAnswers: 'wrongAnswers',
    wrongWindowStart: 'wrongWindowStart',
  },
  expiresAt: 'expiresAt',
} as const;

/** Environment variables of the passwordless triggers that carry the cross-session limits. */
export const PASSWORDLESS_ENV = {
  stateTable: 'SIGN_IN_STATE_TABLE',
  maxEmails: 'MAX_EMAILS_PER_WINDOW',
  emailWindowSeconds: 'EMAIL_WINDOW_SECONDS',
  maxWrongAnswers: 'MAX_WRONG_ANSWERS',
  lockoutWindowSeconds: 'LOCKOUT_WINDOW_SECONDS',
  /** `refuse` or `allow` (only the dev variant with a test outbox reads it; the others are built for one). */
  usersWithMfa: 'USERS_WITH_MFA',
  testOutboxTable: 'TEST_OUTBOX_TABLE',
  testOutboxAddresses: 'TEST_OUTBOX_ADDRESSES',
} as const;
