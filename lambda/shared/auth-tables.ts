/**
 * Item layouts of the two tables the sign-in triggers use, shared by the CDK constructs (lib/),
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
