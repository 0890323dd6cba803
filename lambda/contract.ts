/**
 * The contract between the CDK app (lib/) and the Lambda code (lambda/): every name, layout,
 * limit and rule shape both sides must agree on, in one module that imports nothing. lib/ reaches
 * Lambda code only through this file (eslint no-restricted-imports), and lambda/ never imports
 * aws-cdk-lib, so a handler bundle carries none of the CDK and the CDK app loads no SDK.
 */

// ---------------------------------------------------------------------------------------------
// Environment variables: the CDK sets them (ReferenceFunction), the handlers read them
// (lambda/shared/env.ts). Both sides accept only these names.

export const ENV_NAMES = [
  // API routes and the tenant authorizer
  'ALLOWED_ORIGINS',
  'AUTHORIZER_RULES',
  'CLIENT_IDS',
  'MACHINE_CALLERS',
  'MACHINE_CLIENT_IDS',
  'REQUIRED_SCOPE',
  'TABLE_NAME',
  'USER_POOL_ID',
  // sign-up and token triggers
  'ALLOWED_EMAIL_DOMAINS',
  'DEFAULT_GROUP',
  'DENIED_EMAIL_DOMAINS',
  'LINK_PROVIDERS',
  'MACHINE_CLIENTS',
  'SCOPE_RULES',
  // migration
  'LEGACY_USERS_TABLE',
  'PASSWORD_POLICY',
  // passwordless (custom challenge)
  'CODE_LENGTH',
  'CODE_TTL_SECONDS',
  'EMAIL_FROM',
  'MAX_ATTEMPTS',
  'SES_REGION',
  'TEST_OUTBOX_TABLE',
  'TEST_OUTBOX_ADDRESSES',
  'SIGN_IN_STATE_TABLE',
  'MAX_EMAILS_PER_WINDOW',
  'EMAIL_WINDOW_SECONDS',
  'MAX_WRONG_ANSWERS',
  'LOCKOUT_WINDOW_SECONDS',
  'USERS_WITH_MFA',
] as const;
export type EnvName = (typeof ENV_NAMES)[number];

// ---------------------------------------------------------------------------------------------
// Rules passed as JSON in the environment.

/** SCOPE_RULES of the pre token generation trigger. */
export interface ScopeRules {
  /** Resource server identifier, e.g. `api`; scopes are `<identifier>/<name>`. */
  readonly resourceServer: string;
  /** Scope names per group name (config `groups[].scopes`). */
  readonly byGroup: Readonly<Record<string, readonly string[]>>;
  /** Scope names every signed-in user gets. */
  readonly everyone: readonly string[];
  /**
   * Immutable, admin-set custom attributes copied into the access token: `custom:<name>` becomes
   * the claim `<name>` (config `userPool.authorizationAttributes`, e.g. `tenant_id`).
   */
  readonly claims: readonly string[];
}

/**
 * One entry of MACHINE_CLIENTS of the pre token generation trigger (config `machineClients`): what
 * a client-credentials token of this app client carries. Looked up by the event's
 * `callerContext.clientId`, which Cognito sets to the client that authenticated with its secret.
 */
export interface MachineClientRule {
  /** The app client id (known only at deploy time: the CDK passes a CloudFormation reference). */
  readonly clientId: string;
  /** Config `machineClients[].name`, for logs. */
  readonly name: string;
  /** The tenant every token of this client carries in `tenant_id` (a tenant id, see isTenantId). */
  readonly tenant: string;
  /** Full scope names (`<resource server>/<name>`) the client may hold; any other is suppressed. */
  readonly scopes: readonly string[];
}

/** Value of MACHINE_CALLERS for a route that accepts client-credentials (machine) tokens. */
export const MACHINE_CALLERS_ACCEPTED = 'accept';

/** AUTHORIZER_RULES of the tenant authorizer. */
export interface AuthorizerRules {
  /**
   * The routes behind this authorizer, by `<METHOD> <resource path>` (`GET /tenants/{tenantId}/documents`),
   * each with the scopes that must all be in the token's `scope` claim, e.g. `api/read`. A request
   * for any other route is denied.
   */
  readonly scopesByRoute: Readonly<Record<string, readonly string[]>>;
  /** The caller must be in at least one of these groups; empty means nobody passes. */
  readonly allowedGroups: readonly string[];
  /** Path parameter that must equal the token's `tenant_id` claim, e.g. `tenantId`. */
  readonly tenantParameter: string;
  /**
   * Routes (keys of scopesByRoute) that accept machine callers: client-credentials tokens of the
   * clients in MACHINE_CLIENT_IDS, which pass on their `tenant_id` and scope (they have no group).
   */
  readonly machineRoutes: readonly string[];
}

/** PASSWORD_POLICY of the migrate-user trigger: the pool's rules (config userPool.passwordPolicy). */
export interface PasswordRules {
  readonly minLength: number;
  readonly requireLowercase: boolean;
  readonly requireUppercase: boolean;
  readonly requireDigits: boolean;
  readonly requireSymbols: boolean;
}

/** Path parameter of the tenant routes that the tenant authorizer compares with `tenant_id`. */
export const TENANT_PATH_PARAMETER = 'tenantId';

// ---------------------------------------------------------------------------------------------
// Identifiers: one pattern each, for the config schema, the triggers and the API.

/**
 * The one rule for tenant ids, for the config schema, the pre sign-up and pre token triggers, the
 * migrate-user trigger and the API. Why a closed alphabet: the tenant id becomes the `tenant`
 * principal tag, and IAM policies put it into paths and keys (`tenants/${aws:PrincipalTag/tenant}/*`,
 * `TENANT#<tenant>`). A tenant named `acme/sub` would live inside `acme`'s prefix
 * (`tenants/acme/*` matches `tenants/acme/sub/x`), and characters such as `*`, `?`, `$`, `#` or
 * upper case invite other confusions in ARNs, keys and comparisons. Lower-case letters, digits and
 * hyphens cannot.
 */
export const TENANT_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

/** What the tenant-id rule allows, in words: for config errors and docs. */
export const TENANT_ID_RULE = '1-63 lower-case letters, digits or hyphens, starting with a letter or digit';

const TENANT_ID = new RegExp(TENANT_ID_PATTERN);

/** Whether `value` is a tenant id this deployment accepts. */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID.test(value);
}

/** A user-pool group name (Cognito's own limit). */
export const GROUP_NAME_PATTERN = '^[A-Za-z0-9_-]{1,128}$';

/**
 * A value of an authorization attribute other than `tenant_id` (e.g. `department`) and of its
 * access-token claim: a short identifier. The pre token trigger leaves out anything else. Tenant
 * ids follow the stricter TENANT_ID_PATTERN.
 */
export const CLAIM_VALUE_PATTERN = '^[A-Za-z0-9._-]{1,64}$';

/** An identifier that may appear inside a table key: no '#', '/', whitespace or control characters. */
export const KEY_PART_PATTERN = '^[A-Za-z0-9:._-]{1,128}$';

// ---------------------------------------------------------------------------------------------
/**
 * ## Protected data
 *
 * The key layout of the protected data. One table, partition key `pk`, sort key `sk`; the partition key says whose data an
 * item is, so IAM can confine a principal to its own partitions with `dynamodb:LeadingKeys`.
 *
 * | pk                          | written by                         | confined by                                    |
 * | --------------------------- | ---------------------------------- | ---------------------------------------------- |
 * | `IDENTITY#<identity id>`    | the user, with identity-pool creds | `${cognito-identity.amazonaws.com:sub}`        |
 * | `TENANT#<tenant id>`        | tenant editors (identity pool), API | `${aws:PrincipalTag/tenant}`                  |
 * | `USER#<user pool sub>`      | the API on behalf of a signed-in user | the API function's role (`USER#*` only)     |
 *
 * The sort key says what an item is: `DOC#<document id>` for a document (per user or per tenant).
 *
 * S3 uses the same idea with prefixes: `private/<identity id>/`, `tenants/<tenant id>/`, `public/`.
 */

export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';

export const KEY_PREFIX = {
  identity: 'IDENTITY#',
  tenant: 'TENANT#',
  user: 'USER#',
} as const;

export const SORT_KEY_PREFIX = {
  document: 'DOC#',
} as const;

export const S3_PREFIX = {
  private: 'private/',
  tenants: 'tenants/',
  public: 'public/',
} as const;

// ---------------------------------------------------------------------------------------------
// Tables of the sign-in triggers (also read by scripts/seed-legacy-users.ts and the smoke test).

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
} as const satisfies Record<string, EnvName>;

// ---------------------------------------------------------------------------------------------
// API input limits: the handlers check them with zod at run time, the CDK request models before a
// function is invoked, so the two checks never disagree.

/** A document id, as used in `/documents/{id}` and inside table keys (see KEY_PART_PATTERN). */
export const DOCUMENT_ID_PATTERN = '^[A-Za-z0-9:._-]{1,128}$';

export const DOCUMENT_LIMITS = {
  /** Characters (UTF-16 code units, as JSON schema and zod count them). */
  titleMaxLength: 200,
  /** Characters (UTF-16 code units). Not enough alone to stay under the WAF limit: see below. */
  bodyMaxLength: 6000,
  /**
   * Bytes of the whole raw request body (UTF-8, as sent). The WAF common rule set
   * (SizeRestrictions_BODY) blocks bodies over 8 KB (8192 bytes), and a character can take up to
   * 3 bytes in UTF-8 (6 as a JSON escape such as \u0001), so 6000 characters alone could be 36 KB.
   * A request within all three limits is never blocked by the WAF.
   */
  requestBodyMaxBytes: 8000,
} as const;

/** Page sizes of the list routes. */
export const PAGE_LIMITS = {
  defaultSize: 20,
  /** ListUsers returns at most 60 users per call. */
  maxUsers: 60,
  maxDocuments: 50,
  /** Longest pagination token accepted back from a client. */
  maxTokenLength: 2048,
} as const;
