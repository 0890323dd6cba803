import { z } from 'zod';
import { TENANT_ID_RULE, isTenantId } from '../../lambda/shared/tenant-id';
import { CLIENT_WRITABLE_ATTRIBUTES } from './client-attributes';

/**
 * The stage configuration schema: the one place a forker changes to make this starter theirs.
 *
 * Every field carries a description (used by docs/config.md) and, where one is safe, a default.
 * Rules that span several fields (feature plan vs. features, production guard rails) live in
 * `stageConfigSchema`'s `superRefine` below, each with a message that names the field, the value
 * it got and what is allowed.
 */

/** Feature plans of a Cognito user pool, cheapest first. */
export const FEATURE_PLANS = ['LITE', 'ESSENTIALS', 'PLUS'] as const;
export type FeaturePlan = (typeof FEATURE_PLANS)[number];

export const THREAT_PROTECTION_MODES = ['OFF', 'AUDIT', 'ENFORCED'] as const;

/** Words Cognito refuses in a prefix domain. */
const RESERVED_DOMAIN_WORDS = ['aws', 'amazon', 'cognito'];

const lowerDomain = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'expected a lower-case DNS domain such as "example.com" (no scheme, no wildcard, no trailing dot)',
  );

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' });

const secretName = z
  .string()
  .regex(
    /^[A-Za-z0-9/_+=.@-]{1,512}$/,
    'expected a Secrets Manager secret name (the secret holds the value; never put the value here)',
  );

const groupName = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'expected 1-128 characters from A-Z a-z 0-9 _ -');

const scopeName = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'expected a lower-case scope name such as "read"');

const passwordPolicySchema = z
  .strictObject({
    minLength: z
      .number()
      .int()
      .min(8)
      .max(99)
      .default(12)
      .describe('Minimum password length (8-99). Production stages need at least 12.'),
    requireLowercase: z.boolean().default(true).describe('Require a lower-case letter.'),
    requireUppercase: z.boolean().default(true).describe('Require an upper-case letter.'),
    requireDigits: z.boolean().default(true).describe('Require a digit.'),
    requireSymbols: z.boolean().default(true).describe('Require a symbol.'),
    tempPasswordValidityDays: z
      .number()
      .int()
      .min(1)
      .max(7)
      .default(3)
      .describe('Days an admin-issued temporary password stays valid (1-7).'),
    passwordHistorySize: z
      .number()
      .int()
      .min(0)
      .max(24)
      .default(0)
      .describe('Number of previous passwords a user may not reuse (0 = off; 1-24 needs the ESSENTIALS or PLUS plan).'),
  })
  .describe('Password policy of the user pool.');

const tokenValiditySchema = z
  .strictObject({
    accessTokenMinutes: z
      .number()
      .int()
      .min(5)
      .max(60)
      .default(60)
      .describe('Access token lifetime in minutes (5-60).'),
    idTokenMinutes: z.number().int().min(5).max(60).default(60).describe('ID token lifetime in minutes (5-60).'),
    refreshTokenDays: z
      .number()
      .int()
      .min(1)
      .max(90)
      .default(30)
      .describe('Refresh token lifetime in days (1-90): bounds how long a stolen refresh token works.'),
  })
  .describe('Token lifetimes of every app client. The auth session is fixed at 3 minutes.');

const threatProtectionSchema = z
  .strictObject({
    standardAuth: z
      .enum(THREAT_PROTECTION_MODES)
      .default('OFF')
      .describe('Threat protection for password (SRP) sign-in: OFF, AUDIT or ENFORCED (AUDIT/ENFORCED need PLUS).'),
    customAuth: z
      .enum(THREAT_PROTECTION_MODES)
      .default('OFF')
      .describe(
        'Threat protection for custom-auth (passwordless) sign-in: OFF, AUDIT or ENFORCED (AUDIT/ENFORCED need PLUS).',
      ),
  })
  .describe('Threat protection (formerly advanced security).');

const userPoolSchema = z
  .strictObject({
    featurePlan: z
      .enum(FEATURE_PLANS)
      .default('ESSENTIALS')
      .describe('User pool feature plan: LITE, ESSENTIALS or PLUS. Decides which features below are allowed.'),
    threatProtection: threatProtectionSchema.prefault({}),
    selfSignUp: z
      .boolean()
      .default(false)
      .describe('Whether users may sign themselves up. Off: only admins create users.'),
    emailDomains: z
      .strictObject({
        allow: z
          .array(lowerDomain)
          .default([])
          .describe(
            'Only these exact email domains may sign up (empty = any domain). Checked by the pre sign-up trigger.',
          ),
        deny: z
          .array(lowerDomain)
          .default([])
          .describe('These exact email domains may never sign up. Checked by the pre sign-up trigger.'),
      })
      .prefault({})
      .describe('Email-domain rules for sign-up (exact, case-insensitive match; subdomains are not included).'),
    mfa: z
      .enum(['OPTIONAL', 'REQUIRED'])
      .default('REQUIRED')
      .describe('MFA with authenticator apps (TOTP): OPTIONAL or REQUIRED. Production stages need REQUIRED.'),
    passwordPolicy: passwordPolicySchema.prefault({}),
    tokenValidity: tokenValiditySchema.prefault({}),
    authorizationAttributes: z
      .array(
        z
          .string()
          .regex(/^[a-z][a-z0-9_]{0,19}$/, 'expected 1-20 lower-case letters, digits or _, starting with a letter'),
      )
      .min(1)
      .default(['tenant_id', 'department'])
      .describe(
        'Custom attributes that carry authorization data (`custom:<name>`): immutable, set by administrators only, writable by no app client, copied into the access token as `<name>` and usable in identity-pool rules and principal tags. Must include tenant_id.',
      ),
    removalPolicy: z
      .enum(['RETAIN', 'DESTROY'])
      .default('RETAIN')
      .describe(
        'What CloudFormation does with the user pool when the stack deletes it. Production stages need RETAIN.',
      ),
    deletionProtection: z
      .boolean()
      .default(true)
      .describe('Cognito deletion protection on the user pool. Production stages need true.'),
  })
  .describe('The user pool: sign-in, MFA, passwords, tokens and lifecycle.');

const groupSchema = z.strictObject({
  name: groupName.describe('Group name as it appears in the `cognito:groups` claim.'),
  precedence: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .describe('Lower wins: decides `cognito:preferred_role` for users in several groups.'),
  description: z.string().max(2048).describe('What members of the group may do.'),
});

const scopeSchema = z.strictObject({
  name: scopeName.describe('Scope name; tokens carry it as `<resource server>/<name>`.'),
  description: z.string().min(1).max(256).describe('What the scope allows.'),
});

const webClientSchema = z
  .strictObject({
    callbackUrls: z
      .array(httpUrl)
      .min(1)
      .describe('Exact OAuth redirect URLs. HTTPS only; http://localhost is allowed in non-production stages.'),
    logoutUrls: z.array(httpUrl).default([]).describe('Exact sign-out redirect URLs, same rules as callbackUrls.'),
    oidcScopes: z
      .array(z.enum(['openid', 'email', 'profile']))
      .refine((scopes) => scopes.includes('openid'), 'must include "openid" (without it there is no ID token)')
      .default(['openid', 'email', 'profile'])
      .describe(
        'OpenID scopes the web client may request; must include `openid`. `phone` and `aws.cognito.signin.user.admin` are not offered.',
      ),
  })
  .describe('The public web client (authorization code + PKCE, no secret).');

const machineClientSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Create the confidential machine-to-machine client.'),
    scopes: z
      .array(scopeName)
      .default(['read'])
      .describe('Resource-server scopes (names from resourceServer.scopes) the machine client may request.'),
  })
  .describe('The confidential machine-to-machine client (client credentials grant).');

const domainSchema = z
  .strictObject({
    prefix: z
      .string()
      .regex(
        /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
        'expected 1-63 lower-case letters, digits or hyphens, not starting or ending with a hyphen',
      )
      .optional()
      .describe(
        'Prefix of the Cognito-hosted domain `<prefix>.auth.<region>.amazoncognito.com`. Must be unique in the region.',
      ),
    customDomain: z
      .strictObject({
        domainName: lowerDomain.describe('Your own domain for managed login, e.g. auth.example.com.'),
        certificateArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[A-Za-z0-9-]+$/,
            'expected an ACM certificate ARN in us-east-1 (Cognito custom domains use CloudFront)',
          )
          .describe('ACM certificate for domainName; it must live in us-east-1.'),
      })
      .optional()
      .describe('Use your own domain instead of a prefix.'),
    remove: z
      .boolean()
      .default(false)
      .describe(
        'Deploy without the login domain: step 1 of changing domain.prefix or domain.customDomain (docs/deploy.md, "Changing a deployed stage"). Cognito keeps one domain of each kind per pool and CloudFormation creates the new one before deleting the old, which Cognito refuses. Managed login and the OAuth endpoints are down until the next deploy without it.',
      ),
    managedLogin: z
      .enum(['CLASSIC_HOSTED_UI', 'MANAGED_LOGIN'])
      .default('MANAGED_LOGIN')
      .describe(
        'Which hosted sign-in pages to serve: the classic hosted UI or the newer managed login (needs ESSENTIALS or PLUS).',
      ),
  })
  .describe('Managed login domain: exactly one of prefix or customDomain.');

const googleSchema = z.strictObject({
  clientId: z.string().min(1).describe('Google OAuth client id (not secret).'),
  clientSecretName: secretName.describe('Secrets Manager secret holding the Google client secret (plain string).'),
  scopes: z.array(z.string().min(1)).default(['openid', 'email', 'profile']).describe('Scopes requested from Google.'),
  trustEmailVerified: z
    .boolean()
    .default(false)
    .describe(
      'Link a sign-up through this provider to the native account with the same email when the provider says `email_verified`. Off by default: turn it on only for a provider that verifies every address it asserts (a provider that lets users claim unverified addresses could take over native accounts).',
    ),
});

const oidcSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9-]{3,32}$/,
      'expected 3-32 characters from A-Z a-z 0-9 - (no "_": federated user names are <provider>_<subject>)',
    )
    .describe('Provider name shown in managed login and used in `identities`.'),
  issuerUrl: z.url({ protocol: /^https$/, error: 'expected an https issuer URL' }).describe('OIDC issuer URL.'),
  clientId: z.string().min(1).describe('Client id registered at the provider.'),
  clientSecretName: secretName.describe('Secrets Manager secret holding the client secret (plain string).'),
  scopes: z.array(z.string().min(1)).default(['openid', 'email']).describe('Scopes requested from the provider.'),
  trustEmailVerified: z
    .boolean()
    .default(false)
    .describe(
      'Link a sign-up through this provider to the native account with the same email when the provider says `email_verified`. Off by default: turn it on only for a provider that verifies every address it asserts (a provider that lets users claim unverified addresses could take over native accounts).',
    ),
});

const samlSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z0-9-]{3,32}$/,
      'expected 3-32 characters from A-Z a-z 0-9 - (no "_": federated user names are <provider>_<subject>)',
    )
    .describe('Provider name shown in managed login.'),
  metadataUrl: z
    .url({ protocol: /^https$/, error: 'expected an https metadata URL' })
    .describe('URL of the IdP SAML metadata document.'),
});

const identityProvidersSchema = z
  .strictObject({
    google: googleSchema.optional().describe('Sign in with Google (off when absent).'),
    oidc: z.array(oidcSchema).default([]).describe('Generic OIDC providers (none by default).'),
    saml: z.array(samlSchema).default([]).describe('SAML providers (none by default).'),
  })
  .describe('Optional federation. All off by default; secrets are referenced by Secrets Manager name, never inline.');

/** Principal tag the tenant policies read (`${aws:PrincipalTag/tenant}`); identityPool.principalTags must map it. */
export const TENANT_PRINCIPAL_TAG = 'tenant';

/** How a role may use its tenant's data (`tenants/<tenant>/`, `TENANT#<tenant>`). */
export const TENANT_ACCESS = ['none', 'read', 'write'] as const;

/** Match types of identity-pool rules-based role mapping. */
export const RULE_MATCH_TYPES = ['Equals', 'Contains', 'StartsWith', 'NotEqual'] as const;

const claimName = z
  .string()
  .regex(/^[A-Za-z0-9_:.-]{1,64}$/, 'expected an ID-token claim name such as "custom:tenant_id" or "cognito:groups"');

const roleName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 characters from A-Z a-z 0-9 _ -');

const ruleRoleSchema = z.strictObject({
  name: roleName.describe('Name a rule uses to pick this role (must differ from every group name).'),
  description: z
    .string()
    .regex(/^[\t\n\r\x20-\x7E\u00A1-\u00FF]{1,1000}$/, 'expected 1-1000 characters IAM accepts in a role description')
    .describe('What holders of the role may do (IAM role description).'),
  tenantAccess: z
    .enum(TENANT_ACCESS)
    .default('read')
    .describe("Access to the holder's tenant data: none, read or write. Own and public data are always included."),
});

const roleRuleSchema = z.strictObject({
  claim: claimName.describe('ID-token claim the rule reads. Never one an app client lets users write.'),
  matchType: z
    .enum(RULE_MATCH_TYPES)
    .default('Equals')
    .describe('How the claim is compared with value: Equals, Contains, StartsWith or NotEqual.'),
  value: z.string().min(1).max(128).describe('Value the claim is compared with.'),
  role: roleName.describe('Role the rule grants: a name from identityPool.ruleRoles or a group name.'),
});

const identityPoolSchema = z
  .strictObject({
    allowGuests: z
      .boolean()
      .default(false)
      .describe('Give unauthenticated (guest) identities credentials that can only read the `public/` prefix.'),
    tenantWriterGroups: z
      .array(groupName)
      .default(['admins', 'editors'])
      .describe(
        "Groups whose identity-pool role may write their tenant's data (`tenants/<tenant>/`, `TENANT#<tenant>`); other groups' roles only read it.",
      ),
    principalTags: z
      .record(z.string(), claimName)
      .default({ [TENANT_PRINCIPAL_TAG]: 'custom:tenant_id' })
      .describe(
        'ABAC: session tag name -> ID-token claim. IAM policies read them as `${aws:PrincipalTag/<name>}`; `tenant` is required. Claims users can write are refused.',
      ),
    ruleRoles: z
      .array(ruleRoleSchema)
      .default([
        { name: 'finance', description: "Finance department: read the tenant's documents.", tenantAccess: 'read' },
      ])
      .describe('Roles handed out only by rules-based mapping (group roles come from `groups`).'),
    rules: z
      .array(roleRuleSchema)
      .max(25)
      .default([{ claim: 'custom:department', matchType: 'Equals', value: 'finance', role: 'finance' }])
      .describe(
        'Rules-based role mapping of the rules client, first match wins; no match means no credentials. Empty: no rules client.',
      ),
  })
  .describe(
    'The identity pool: AWS credentials for signed-in users (web client: role from groups, token-based) and optional guests.',
  );

/** Log retention values CloudWatch Logs accepts, in days. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const logRetentionDays = () =>
  z.union(LOG_RETENTION_DAYS.map((d) => z.literal(d)) as unknown as [z.ZodLiteral<number>, z.ZodLiteral<number>]);

const functionsSchema = z
  .strictObject({
    memoryMb: z
      .number()
      .int()
      .min(128)
      .max(10240)
      .default(512)
      .describe(
        'Memory of every Lambda function in MB (CPU scales with it, and cold starts with CPU); at least 512 with migration.enabled (scrypt).',
      ),
    logRetentionDays: logRetentionDays()
      .default(90)
      .describe(`Days CloudWatch keeps function logs; one of ${LOG_RETENTION_DAYS.join(', ')}.`),
    logLevel: z
      .enum(['DEBUG', 'INFO', 'WARN', 'ERROR'])
      .default('INFO')
      .describe('Lambda application log level (native JSON logs); lower levels are dropped by Lambda.'),
    tracing: z.boolean().default(true).describe('X-Ray active tracing on every function.'),
  })
  .describe('Settings every Lambda function shares.');

const triggersSchema = z
  .strictObject({
    preSignUp: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe('Run the pre sign-up trigger (email-domain rules, federated account linking).'),
        linkFederatedUsers: z
          .boolean()
          .default(true)
          .describe(
            'Link a Google/OIDC sign-up to the native user with the same email when both sides verified it, for providers with `trustEmailVerified` only.',
          ),
      })
      .prefault({})
      .describe('Pre sign-up trigger.'),
    postConfirmation: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe('Run the post confirmation trigger (adds new users to defaultGroup).'),
      })
      .prefault({})
      .describe('Post confirmation trigger.'),
    preTokenGeneration: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe('Run the pre token generation trigger (event version V2_0, needs ESSENTIALS or PLUS).'),
        scopesByGroup: z
          .record(groupName, z.array(scopeName))
          .default({ admins: ['admin', 'write', 'read'], editors: ['write', 'read'] })
          .describe("API scopes (resourceServer scope names) added to the access token of each group's members."),
        everyoneScopes: z
          .array(scopeName)
          .default(['read'])
          .describe("API scopes added to every signed-in user's access token."),
      })
      .prefault({})
      .describe('Pre token generation (V2): tenant claims and group-to-scope mapping.'),
  })
  .describe('Lambda triggers of the user pool.');

const emailAddress = z
  .string()
  .max(254)
  .regex(
    /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'expected an email address with a lower-case domain, e.g. "no-reply@example.com"',
  );

const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'expected an AWS region such as "eu-west-1"');

/**
 * SES regions Cognito accepts for a user pool's own email, by the pool's region. Every pool may use
 * SES in its own region; pools in the regions below may also use the three regions Cognito
 * supported at launch. Source: Amazon Cognito Developer Guide, "Email settings for Amazon Cognito
 * user pools", table "Amazon SES email configuration Regions".
 */
const SES_LAUNCH_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
const POOL_REGIONS_WITH_SES_LAUNCH_REGIONS = new Set([
  ...SES_LAUNCH_REGIONS,
  'us-east-2',
  'ca-central-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'eu-west-2',
  'eu-central-1',
]);

/** The SES regions a user pool in `poolRegion` can send its email through. */
export function cognitoSesRegions(poolRegion: string): string[] {
  return POOL_REGIONS_WITH_SES_LAUNCH_REGIONS.has(poolRegion)
    ? [...new Set([poolRegion, ...SES_LAUNCH_REGIONS])]
    : [poolRegion];
}

const emailSchema = z
  .strictObject({
    fromAddress: emailAddress.describe(
      "Sender of every email this stage sends through Amazon SES (passwordless codes; the user pool's own mail when useForUserPool).",
    ),
    fromName: z
      .string()
      .regex(/^[\p{L}\p{N} .&'-]{1,64}$/u, "expected 1-64 letters, digits, spaces or . & ' -")
      .optional()
      .describe('Display name shown with fromAddress.'),
    sesIdentity: lowerDomain
      .or(emailAddress)
      .optional()
      .describe(
        'The verified SES identity that may send as fromAddress: its domain or the address itself (default: the domain of fromAddress). IAM allows sending from this identity only.',
      ),
    sesRegion: awsRegion
      .optional()
      .describe(
        "Region of the SES identity (default: the stack's region; required for useForUserPool when env.region is not set). With useForUserPool it must be one Cognito accepts for the pool's region (checked when env.region is set): the pool's own region, or for pools in some regions us-east-1, us-west-2 or eu-west-1.",
      ),
    useForUserPool: z
      .boolean()
      .default(false)
      .describe(
        "Send the user pool's own email (verification, password reset, email OTP sign-in) through this SES identity instead of Cognito's built-in, rate-limited email.",
      ),
  })
  .describe("Amazon SES sender. Absent: no function sends email and the user pool uses Cognito's built-in email.");

const migrationSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Migrate users from the legacy-users DynamoDB table at their first sign-in (migrate-user trigger). Also allows USER_PASSWORD_AUTH on the web client: Cognito needs the plaintext password to check it against the legacy hash.',
      ),
  })
  .describe('User migration from a legacy directory (docs/migration.md).');

/** The addresses scripts/smoke.ts creates (its dev deploy role may read their outbox items). */
export const DEFAULT_TEST_OUTBOX_ADDRESSES = 'success+smoke*@simulator.amazonses.com';

/**
 * A test-outbox address pattern: lower-case, at most one `*` in the local part after at least 4
 * literal characters, and an exact domain. `*@example.com` (a whole domain) never passes.
 */
const OUTBOX_ADDRESS_PATTERN =
  /^[a-z0-9._+-]{4,}(\*[a-z0-9._+-]*)?@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const customChallengeSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Passwordless sign-in with an emailed one-time code through the custom-auth triggers and a dedicated app client (needs `email`).',
      ),
    codeLength: z.number().int().min(6).max(10).default(6).describe('Digits in a code (6-10).'),
    codeTtlSeconds: z
      .number()
      .int()
      .min(30)
      .max(180)
      .default(180)
      .describe(
        'Seconds a code stays valid (30-180). The sign-in session itself ends after 3 minutes, so a longer code could never be used.',
      ),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(3)
      .default(3)
      .describe('Codes a user may try in one sign-in session (1-3); then the session fails.'),
    testOutbox: z
      .boolean()
      .default(false)
      .describe(
        'Also write each code to a DynamoDB table with a TTL, for a smoke test to read instead of a mailbox. Never in production.',
      ),
    testOutboxAddresses: z
      .string()
      .max(254)
      .regex(
        OUTBOX_ADDRESS_PATTERN,
        'expected a lower-case address, or a pattern with one "*" after a literal start of at least 4 characters, e.g. "success+smoke*@simulator.amazonses.com" (never a whole domain)',
      )
      .default(DEFAULT_TEST_OUTBOX_ADDRESSES)
      .describe(
        'Only codes for addresses matching this pattern (`*` = any characters except `@`, case-insensitive) are written to the test outbox; everyone else gets the code by email only. The default matches the addresses the smoke test creates.',
      ),
    usersWithMfa: z
      .enum(['refuse', 'allow'])
      .default('refuse')
      .describe(
        'Users who enrolled MFA (TOTP, SMS or email): "refuse" gives them a challenge that sends no code and never succeeds (they sign in with their password and MFA); "allow" accepts the emailed code alone for them, one factor instead of two. With userPool.mfa REQUIRED every user has MFA, so only "allow" makes sense there.',
      ),
    emailLimit: z
      .strictObject({
        maxEmails: z
          .number()
          .int()
          .min(1)
          .max(10)
          .default(3)
          .describe('Codes emailed to one user within windowSeconds (1-10), whatever the number of sign-in sessions.'),
        windowSeconds: z
          .number()
          .int()
          .min(60)
          .max(86400)
          .default(900)
          .describe('Length of the email window in seconds (60-86400, at least codeTtlSeconds).'),
      })
      .prefault({})
      .describe(
        'Cross-session email limit per user. A new session reuses a code that is still valid and sends nothing; a new code is emailed only while this limit allows.',
      ),
    lockout: z
      .strictObject({
        maxWrongAnswers: z
          .number()
          .int()
          .min(1)
          .max(100)
          .default(5)
          .describe(
            'Wrong answers one user may give within windowSeconds, across all sessions (1-100); then sign-in by code is refused until the window ends.',
          ),
        windowSeconds: z
          .number()
          .int()
          .min(60)
          .max(86400)
          .default(3600)
          .describe(
            'Length of the wrong-answer window in seconds (60-86400, at least codeTtlSeconds), counted from the first wrong answer in it.',
          ),
      })
      .prefault({})
      .describe(
        'Cross-session lockout per user. A locked-out user sees what any failed sign-in shows (same challenges, same error); other users are not affected.',
      ),
  })
  .describe(
    'Passwordless sign-in that this project controls: custom auth challenge (define / create / verify triggers).',
  );

const choiceBasedSchema = z
  .strictObject({
    emailOtp: z
      .boolean()
      .default(false)
      .describe(
        "Cognito's native email one-time password as a first sign-in factor (needs ESSENTIALS or PLUS and email.useForUserPool).",
      ),
    passkey: z
      .boolean()
      .default(false)
      .describe("Cognito's native passkey (WebAuthn) sign-in as a first factor (needs ESSENTIALS or PLUS)."),
    passkeyUserVerification: z
      .enum(['REQUIRED', 'PREFERRED'])
      .default('REQUIRED')
      .describe('Whether a passkey must verify the user (PIN or biometric) at every use.'),
  })
  .describe(
    "Cognito's native choice-based sign-in (USER_AUTH flow on the web client). Password sign-in stays available.",
  );

const passwordlessSchema = z
  .strictObject({
    customChallenge: customChallengeSchema.prefault({}),
    choiceBased: choiceBasedSchema.prefault({}),
  })
  .describe('Passwordless sign-in options (docs/passwordless.md). All off by default.');
const apiSchema = z
  .strictObject({
    stageName: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,64}$/, 'expected 1-64 characters from A-Z a-z 0-9 _')
      .default('v1')
      .describe('API Gateway stage name; the first path segment of every API URL.'),
    corsOrigins: z
      .array(httpUrl)
      .default([])
      .describe(
        'Browser origins allowed to call the API (exact `scheme://host[:port]`, no path). HTTPS only; http://localhost is allowed in non-production stages. The first one also goes on gateway error responses. Empty: no CORS.',
      ),
    throttling: z
      .strictObject({
        rateLimit: z
          .number()
          .min(1)
          .max(10000)
          .default(50)
          .describe('Steady-state requests per second the stage accepts (all clients together).'),
        burstLimit: z
          .number()
          .int()
          .min(1)
          .max(5000)
          .default(100)
          .describe('Requests the stage accepts in a burst above the rate.'),
      })
      .prefault({})
      .describe('Stage-wide throttling (every method).'),
    authorizerCacheTtlSeconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(60)
      .describe(
        'Seconds API Gateway caches an authorizer decision (0 = off). Keyed by the token (and path for the tenant authorizer). A cached Allow can outlive the token by at most this long; revoked tokens keep working until they expire (docs/api.md).',
      ),
    executionLogLevel: z
      .enum(['ERROR', 'INFO'])
      .default('ERROR')
      .describe('API Gateway execution logging level (needs the account CloudWatch role, see cloudWatchRole).'),
    dataTrace: z
      .boolean()
      .default(false)
      .describe(
        'Log full requests and responses (headers, tokens and bodies!) in execution logs. Debugging only; production stages need false.',
      ),
    logRetentionDays: logRetentionDays()
      .default(90)
      .describe(`Days CloudWatch keeps the API access logs; one of ${LOG_RETENTION_DAYS.join(', ')}.`),
    cloudWatchRole: z
      .boolean()
      .default(true)
      .describe(
        'Create the IAM role API Gateway uses to write logs and set it in the account settings of this region (retained on stack deletion). Set false when your account already has one (e.g. managed by a landing zone).',
      ),
    scopes: z
      .strictObject({
        read: scopeName.default('read').describe('Scope (resourceServer scope name) for the read routes.'),
        write: scopeName.default('write').describe('Scope for PUT /documents/{id}.'),
        admin: scopeName.default('admin').describe('Scope for /admin routes.'),
      })
      .prefault({})
      .describe('Which resource-server scope each kind of route requires.'),
    tenantGroups: z
      .array(groupName)
      .min(1)
      .nullable()
      .default(null)
      .describe(
        "Groups whose members may list their tenant's documents (checked by the Lambda authorizer); null = every configured group.",
      ),
    waf: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe('Put an AWS WAF web ACL in front of the API stage. Production stages need true.'),
        rateLimit: z
          .number()
          .int()
          .min(10)
          .max(2_000_000_000)
          .default(1000)
          .describe('Requests one IP address may make in 5 minutes before WAF blocks it.'),
        associateUserPool: z
          .boolean()
          .default(false)
          .describe('Also associate the web ACL with the user pool (its sign-in and token endpoints).'),
      })
      .prefault({})
      .describe('AWS WAF: managed rule groups (common, known bad inputs, IP reputation) and a per-IP rate limit.'),
  })
  .describe('The REST API: stage settings, CORS, authorizer caching, scopes per route and WAF.');

/** The shape of a stage file, before defaults are applied. */
const stageConfigObject = z.strictObject({
  project: z
    .string()
    .regex(
      /^[a-z][a-z0-9-]{1,23}$/,
      'expected 2-24 characters: a lower-case letter, then lower-case letters, digits or hyphens',
    )
    .describe('Project name, the prefix of every stack and resource name.'),
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,11}$/, 'expected 2-12 lower-case letters or digits, starting with a letter')
    .describe('Stage name (dev, prod, ...); stacks are named `<project>-<stage>-<Name>`.'),
  production: z
    .boolean()
    .describe(
      'Production guard rails: RETAIN, deletion protection, required MFA, 12+ character passwords, HTTPS-only URLs and origins, WAF on, no API data trace.',
    ),
  env: z
    .strictObject({
      account: z
        .string()
        .regex(/^\d{12}$/, 'expected a 12-digit AWS account id')
        .optional()
        .describe("AWS account to deploy to (default: the CLI credentials' account)."),
      region: awsRegion.optional().describe("AWS region to deploy to (default: the CLI's region)."),
    })
    .prefault({})
    .describe('Target AWS environment. Leave empty for an environment-agnostic template.'),
  userPool: userPoolSchema.prefault({}),
  groups: z
    .array(groupSchema)
    .min(1)
    .default([
      {
        name: 'admins',
        precedence: 1,
        description: "Administrators: manage users; read and write their tenant's documents.",
      },
      { name: 'editors', precedence: 10, description: "Editors: read and write their tenant's documents." },
      { name: 'readers', precedence: 100, description: "Readers: read their tenant's documents." },
    ])
    .describe('User pool groups; each gets an IAM role for the identity pool.'),
  defaultGroup: groupName
    .nullable()
    .default('readers')
    .describe(
      'Group every newly confirmed user joins (post confirmation trigger); null for none. Must name a group above.',
    ),
  resourceServer: z
    .strictObject({
      identifier: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,63}$/, 'expected a short lower-case identifier such as "api"')
        .default('api')
        .describe('Resource server identifier; scopes appear as `<identifier>/<scope>`.'),
      name: z.string().min(1).max(256).default('Reference API').describe('Display name of the resource server.'),
      scopes: z
        .array(scopeSchema)
        .min(1)
        .default([
          { name: 'read', description: 'Read documents.' },
          { name: 'write', description: 'Create and change documents.' },
          { name: 'admin', description: 'Administer users.' },
        ])
        .describe('Custom OAuth scopes the API checks.'),
    })
    .prefault({})
    .describe('The OAuth resource server that holds the API scopes.'),
  webClient: webClientSchema,
  machineClient: machineClientSchema.prefault({}),
  domain: domainSchema,
  identityProviders: identityProvidersSchema.prefault({}),
  data: z
    .strictObject({
      removalPolicy: z
        .enum(['RETAIN', 'DESTROY'])
        .default('RETAIN')
        .describe(
          'What CloudFormation does with the protected bucket and table on stack deletion. Production stages need RETAIN.',
        ),
    })
    .prefault({})
    .describe('The protected data (S3 bucket and DynamoDB table).'),
  identityPool: identityPoolSchema.prefault({}),
  functions: functionsSchema.prefault({}),
  triggers: triggersSchema.prefault({}),
  email: emailSchema.optional(),
  migration: migrationSchema.prefault({}),
  passwordless: passwordlessSchema.prefault({}),
  api: apiSchema.prefault({}),
});

type RawStageConfig = z.output<typeof stageConfigObject>;

/** Least function memory for the migrate-user trigger (see the rule in superRefine). */
export const MIGRATION_MIN_MEMORY_MB = 512;

/** Stage names that always mean production (their config must say production: true). */
const PRODUCTION_STAGE_NAMES: readonly string[] = ['prod', 'prd', 'production', 'live'];

const PLAN_RANK: Record<FeaturePlan, number> = { LITE: 0, ESSENTIALS: 1, PLUS: 2 };

function needsPlan(
  ctx: z.RefinementCtx,
  config: RawStageConfig,
  minimum: FeaturePlan,
  path: (string | number)[],
  value: unknown,
  what: string,
): void {
  const plan = config.userPool.featurePlan;
  if (PLAN_RANK[plan] < PLAN_RANK[minimum]) {
    ctx.addIssue({
      code: 'custom',
      path,
      input: value,
      message: `${what} needs userPool.featurePlan ${minimum === 'PLUS' ? '"PLUS"' : '"ESSENTIALS" or "PLUS"'}, but the plan is "${plan}"`,
    });
  }
}

/** Rules that span several fields. Each names the field it blames. */
function crossFieldRules(config: RawStageConfig, ctx: z.RefinementCtx): void {
  const { userPool } = config;

  // Feature plan vs. features (CDK does not check these at synth; Cognito fails at deploy).
  for (const flow of ['standardAuth', 'customAuth'] as const) {
    const mode = userPool.threatProtection[flow];
    if (mode !== 'OFF') {
      needsPlan(ctx, config, 'PLUS', ['userPool', 'threatProtection', flow], mode, `threat protection "${mode}"`);
    }
  }
  if (config.triggers.preTokenGeneration.enabled) {
    needsPlan(
      ctx,
      config,
      'ESSENTIALS',
      ['triggers', 'preTokenGeneration', 'enabled'],
      true,
      'pre token generation V2',
    );
  }
  if (userPool.passwordPolicy.passwordHistorySize > 0) {
    needsPlan(
      ctx,
      config,
      'ESSENTIALS',
      ['userPool', 'passwordPolicy', 'passwordHistorySize'],
      userPool.passwordPolicy.passwordHistorySize,
      'password history',
    );
  }
  if (config.domain.managedLogin === 'MANAGED_LOGIN') {
    needsPlan(ctx, config, 'ESSENTIALS', ['domain', 'managedLogin'], 'MANAGED_LOGIN', 'managed login');
  }

  // Authorization attributes: unique, and tenant_id is there (tenant policies and the API use it).
  const attributes = userPool.authorizationAttributes;
  if (!attributes.includes('tenant_id')) {
    ctx.addIssue({
      code: 'custom',
      path: ['userPool', 'authorizationAttributes'],
      input: attributes,
      message: 'must include "tenant_id" (the tenant principal tag, the tenant authorizer and the API read it)',
    });
  }
  attributes.forEach((name, index) => {
    if (attributes.indexOf(name) !== index) {
      ctx.addIssue({
        code: 'custom',
        path: ['userPool', 'authorizationAttributes', index],
        input: name,
        message: 'duplicate attribute name',
      });
    }
  });

  // Domain: exactly one of prefix / customDomain; prefix without reserved words.
  const { prefix, customDomain } = config.domain;
  if ((prefix === undefined) === (customDomain === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['domain'],
      input: config.domain,
      message: 'set exactly one of domain.prefix or domain.customDomain',
    });
  }
  const reserved = prefix && RESERVED_DOMAIN_WORDS.find((word) => prefix.includes(word));
  if (reserved) {
    ctx.addIssue({
      code: 'custom',
      path: ['domain', 'prefix'],
      input: prefix,
      message: `a Cognito domain prefix may not contain "${reserved}"`,
    });
  }

  // Groups: unique names; the default group must exist.
  const names = new Set<string>();
  config.groups.forEach((group, index) => {
    if (names.has(group.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['groups', index, 'name'],
        input: group.name,
        message: `duplicate group name; each group needs a unique name`,
      });
    }
    names.add(group.name);
  });
  if (config.defaultGroup !== null && !names.has(config.defaultGroup)) {
    ctx.addIssue({
      code: 'custom',
      path: ['defaultGroup'],
      input: config.defaultGroup,
      message: `not a configured group; allowed: ${[...names].map((n) => JSON.stringify(n)).join(', ')}`,
    });
  }

  // Scopes: unique; the machine client may only ask for scopes that exist.
  const scopes = new Set<string>();
  config.resourceServer.scopes.forEach((scope, index) => {
    if (scopes.has(scope.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['resourceServer', 'scopes', index, 'name'],
        input: scope.name,
        message: 'duplicate scope name',
      });
    }
    scopes.add(scope.name);
  });
  if (config.machineClient.enabled && config.machineClient.scopes.length === 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['machineClient', 'scopes'],
      input: [],
      message: 'an enabled machine client needs at least one scope (or set machineClient.enabled to false)',
    });
  }
  config.machineClient.scopes.forEach((scope, index) => {
    if (!scopes.has(scope)) {
      ctx.addIssue({
        code: 'custom',
        path: ['machineClient', 'scopes', index],
        input: scope,
        message: `not a resourceServer scope; allowed: ${[...scopes].map((n) => JSON.stringify(n)).join(', ')}`,
      });
    }
  });

  // The pre token trigger's mapping may only name configured groups and scopes.
  const tokenScopes = config.triggers.preTokenGeneration;
  for (const [group, groupScopes] of Object.entries(tokenScopes.scopesByGroup)) {
    if (!names.has(group)) {
      ctx.addIssue({
        code: 'custom',
        path: ['triggers', 'preTokenGeneration', 'scopesByGroup', group],
        input: group,
        message: `not a configured group; allowed: ${[...names].map((n) => JSON.stringify(n)).join(', ')}`,
      });
    }
    groupScopes.forEach((scope, index) => {
      if (!scopes.has(scope)) {
        ctx.addIssue({
          code: 'custom',
          path: ['triggers', 'preTokenGeneration', 'scopesByGroup', group, index],
          input: scope,
          message: `not a resourceServer scope; allowed: ${[...scopes].map((n) => JSON.stringify(n)).join(', ')}`,
        });
      }
    });
  }
  tokenScopes.everyoneScopes.forEach((scope, index) => {
    if (!scopes.has(scope)) {
      ctx.addIssue({
        code: 'custom',
        path: ['triggers', 'preTokenGeneration', 'everyoneScopes', index],
        input: scope,
        message: `not a resourceServer scope; allowed: ${[...scopes].map((n) => JSON.stringify(n)).join(', ')}`,
      });
    }
  });

  identityPoolRules(config, names, ctx);
  tenantRuleValues(config, ctx);

  // A domain may not be both allowed and denied.
  for (const [index, domain] of userPool.emailDomains.deny.entries()) {
    if (userPool.emailDomains.allow.includes(domain)) {
      ctx.addIssue({
        code: 'custom',
        path: ['userPool', 'emailDomains', 'deny', index],
        input: domain,
        message: 'domain is in both allow and deny; keep it in one list',
      });
    }
  }

  // Callback / logout URLs: HTTPS everywhere; http://localhost only outside production.
  for (const field of ['callbackUrls', 'logoutUrls'] as const) {
    config.webClient[field].forEach((raw, index) => {
      // Refinements also run when a field failed its own check; a bad URL is already reported.
      if (!URL.canParse(raw)) return;
      const url = new URL(raw);
      const localhost = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
      const path = ['webClient', field, index];
      if (url.hash) {
        ctx.addIssue({ code: 'custom', path, input: raw, message: 'a redirect URL may not contain a #fragment' });
      }
      if (url.hostname.includes('*')) {
        ctx.addIssue({
          code: 'custom',
          path,
          input: raw,
          message: 'redirect URLs are matched exactly; name each host, without wildcards',
        });
      }
      if (url.protocol === 'http:' && !localhost) {
        ctx.addIssue({
          code: 'custom',
          path,
          input: raw,
          message: 'redirect URLs must use https (http is allowed only for localhost)',
        });
      }
      if (localhost && config.production) {
        ctx.addIssue({
          code: 'custom',
          path,
          input: raw,
          message: 'localhost redirect URLs are allowed only when production is false',
        });
      }
    });
  }

  // Email sender: the SES identity must be the address or its domain (IAM and Cognito use its ARN).
  const { email } = config;
  if (email?.sesIdentity !== undefined) {
    const domain = email.fromAddress.slice(email.fromAddress.lastIndexOf('@') + 1);
    if (email.sesIdentity !== email.fromAddress && email.sesIdentity !== domain) {
      ctx.addIssue({
        code: 'custom',
        path: ['email', 'sesIdentity'],
        input: email.sesIdentity,
        message: `must be email.fromAddress or its domain ("${domain}")`,
      });
    }
  }
  const poolRegion = config.env.region;
  if (email?.useForUserPool && email.sesRegion !== undefined && poolRegion !== undefined) {
    const accepted = cognitoSesRegions(poolRegion);
    if (!accepted.includes(email.sesRegion)) {
      ctx.addIssue({
        code: 'custom',
        path: ['email', 'sesRegion'],
        input: email.sesRegion,
        message: `a user pool in ${poolRegion} (env.region) can send email only through SES in ${accepted.map((r) => `"${r}"`).join(', ')} (Cognito's supported SES regions)`,
      });
    }
  }
  if (email?.useForUserPool && email.sesRegion === undefined && config.env.region === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['email', 'sesRegion'],
      input: undefined,
      message:
        'required when email.useForUserPool is true and env.region is not set (the user pool needs the SES region)',
    });
  }

  // Passwordless with the custom challenge (our triggers).
  const custom = config.passwordless.customChallenge;
  if (custom.enabled && email === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['passwordless', 'customChallenge', 'enabled'],
      input: true,
      message: 'needs the `email` section: the SES sender of the sign-in codes',
    });
  }
  passwordlessWithRequiredMfa(config, ctx);
  passwordlessWindowsCoverCodeLifetime(config, ctx);
  // Each migration sign-in derives one scrypt key at N=2^17, r=8 (128 MiB of working memory, and
  // the same for unknown users); below 512 MB the function runs out of memory or, with the CPU
  // share Lambda gives small functions, close to Cognito's 5-second budget.
  if (config.migration.enabled && config.functions.memoryMb < MIGRATION_MIN_MEMORY_MB) {
    ctx.addIssue({
      code: 'custom',
      path: ['functions', 'memoryMb'],
      input: config.functions.memoryMb,
      message: `migration.enabled needs at least ${MIGRATION_MIN_MEMORY_MB} MB: the migrate-user trigger checks each password with scrypt (128 MiB of working memory) inside Cognito's 5-second budget`,
    });
  }
  if (custom.testOutbox && !custom.enabled) {
    ctx.addIssue({
      code: 'custom',
      path: ['passwordless', 'customChallenge', 'testOutbox'],
      input: true,
      message: 'the test outbox needs passwordless.customChallenge.enabled',
    });
  }
  if (custom.testOutbox && config.production) {
    ctx.addIssue({
      code: 'custom',
      path: ['passwordless', 'customChallenge', 'testOutbox'],
      input: true,
      message: 'production stages may not store sign-in codes in a test outbox',
    });
  }

  // Cognito's native choice-based sign-in.
  const choice = config.passwordless.choiceBased;
  for (const factor of ['emailOtp', 'passkey'] as const) {
    if (!choice[factor]) continue;
    const path = ['passwordless', 'choiceBased', factor];
    needsPlan(ctx, config, 'ESSENTIALS', path, true, `choice-based sign-in (${factor})`);
    if (userPool.mfa === 'REQUIRED') {
      ctx.addIssue({
        code: 'custom',
        path,
        input: true,
        message:
          'Cognito offers passwordless first factors only to users without MFA, and userPool.mfa "REQUIRED" gives every user MFA; set userPool.mfa to "OPTIONAL"',
      });
    }
  }
  if (choice.emailOtp && !email?.useForUserPool) {
    ctx.addIssue({
      code: 'custom',
      path: ['passwordless', 'choiceBased', 'emailOtp'],
      input: true,
      message:
        'email OTP sign-in needs the user pool to send email through Amazon SES: set email.useForUserPool to true',
    });
  }

  // API: scopes and groups must exist; CORS origins are bare origins, HTTPS (localhost outside production).
  const { api } = config;
  for (const kind of ['read', 'write', 'admin'] as const) {
    if (!scopes.has(api.scopes[kind])) {
      ctx.addIssue({
        code: 'custom',
        path: ['api', 'scopes', kind],
        input: api.scopes[kind],
        message: `not a resourceServer scope; allowed: ${[...scopes].map((n) => JSON.stringify(n)).join(', ')}`,
      });
    }
  }
  (api.tenantGroups ?? []).forEach((group, index) => {
    if (!names.has(group)) {
      ctx.addIssue({
        code: 'custom',
        path: ['api', 'tenantGroups', index],
        input: group,
        message: `not a configured group; allowed: ${[...names].map((n) => JSON.stringify(n)).join(', ')}`,
      });
    }
  });
  api.corsOrigins.forEach((raw, index) => {
    if (!URL.canParse(raw)) return;
    const url = new URL(raw);
    const localhost = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
    const path = ['api', 'corsOrigins', index];
    if (url.origin !== raw) {
      ctx.addIssue({
        code: 'custom',
        path,
        input: raw,
        message: `a CORS origin is scheme://host[:port] only, without path or trailing slash (e.g. "${url.origin}")`,
      });
    }
    if (url.protocol === 'http:' && !localhost) {
      ctx.addIssue({
        code: 'custom',
        path,
        input: raw,
        message: 'CORS origins must use https (http only for localhost)',
      });
    }
    if (localhost && config.production) {
      ctx.addIssue({
        code: 'custom',
        path,
        input: raw,
        message: 'localhost CORS origins are allowed only when production is false',
      });
    }
  });
  if (api.waf.associateUserPool && !api.waf.enabled) {
    ctx.addIssue({
      code: 'custom',
      path: ['api', 'waf', 'associateUserPool'],
      input: true,
      message: 'needs api.waf.enabled true (there is no web ACL to associate)',
    });
  }

  // A stage named like production gets the guard rails: a flipped flag must not slip through.
  if (PRODUCTION_STAGE_NAMES.includes(config.stage) && !config.production) {
    ctx.addIssue({
      code: 'custom',
      path: ['production'],
      input: config.production,
      message: `a stage named "${config.stage}" must set production: true`,
    });
  }

  // Production guard rails.
  if (config.production) {
    const rails: [boolean, (string | number)[], unknown, string][] = [
      [
        userPool.removalPolicy === 'RETAIN',
        ['userPool', 'removalPolicy'],
        userPool.removalPolicy,
        'production stages must use "RETAIN"',
      ],
      [
        userPool.deletionProtection,
        ['userPool', 'deletionProtection'],
        userPool.deletionProtection,
        'production stages must set true',
      ],
      [userPool.mfa === 'REQUIRED', ['userPool', 'mfa'], userPool.mfa, 'production stages must use "REQUIRED"'],
      [
        config.data.removalPolicy === 'RETAIN',
        ['data', 'removalPolicy'],
        config.data.removalPolicy,
        'production stages must use "RETAIN"',
      ],
      [
        userPool.featurePlan === 'PLUS',
        ['userPool', 'featurePlan'],
        userPool.featurePlan,
        'production stages must use "PLUS" (threat protection needs it)',
      ],
      ...(['standardAuth', 'customAuth'] as const).map((flow): [boolean, (string | number)[], unknown, string] => [
        userPool.threatProtection[flow] === 'ENFORCED',
        ['userPool', 'threatProtection', flow],
        userPool.threatProtection[flow],
        'production stages must use "ENFORCED"',
      ]),
      [api.waf.enabled, ['api', 'waf', 'enabled'], api.waf.enabled, 'production stages must set true'],
      [!api.dataTrace, ['api', 'dataTrace'], api.dataTrace, 'production stages must set false'],
      [
        userPool.passwordPolicy.minLength >= 12,
        ['userPool', 'passwordPolicy', 'minLength'],
        userPool.passwordPolicy.minLength,
        'production stages need at least 12',
      ],
    ];
    for (const [ok, path, input, message] of rails) {
      if (!ok) ctx.addIssue({ code: 'custom', path, input, message });
    }
  }
}

/**
 * With userPool.mfa REQUIRED every user has MFA: the custom challenge then either refuses
 * everyone or must be told, explicitly, to accept the emailed code alone.
 */
function passwordlessWithRequiredMfa(config: RawStageConfig, ctx: z.RefinementCtx): void {
  const custom = config.passwordless.customChallenge;
  if (custom.enabled && config.userPool.mfa === 'REQUIRED' && custom.usersWithMfa !== 'allow') {
    ctx.addIssue({
      code: 'custom',
      path: ['passwordless', 'customChallenge', 'usersWithMfa'],
      input: custom.usersWithMfa,
      message:
        'with userPool.mfa "REQUIRED" every user has MFA, so "refuse" would refuse everyone; an emailed code is a single factor that skips the TOTP password sign-in asks for: set userPool.mfa to "OPTIONAL", or usersWithMfa to "allow" to accept that',
    });
  }
}

/**
 * A limit window shorter than a code's lifetime would reset while one code is still valid: more
 * emails, or more guesses at that code, than the limits say.
 */
function passwordlessWindowsCoverCodeLifetime(config: RawStageConfig, ctx: z.RefinementCtx): void {
  const custom = config.passwordless.customChallenge;
  for (const limit of ['emailLimit', 'lockout'] as const) {
    const seconds = custom[limit].windowSeconds;
    if (seconds < custom.codeTtlSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['passwordless', 'customChallenge', limit, 'windowSeconds'],
        input: seconds,
        message: `must be at least passwordless.customChallenge.codeTtlSeconds (${custom.codeTtlSeconds}): a shorter window resets while a code is still valid`,
      });
    }
  }
}

/**
 * An identity-pool rule on the tenant claim compares it with a value: that value must be a tenant
 * id (Equals, NotEqual) or a piece of one (StartsWith, Contains), or the rule can never match
 * a tenant that pre sign-up lets in.
 */
function tenantRuleValues(config: RawStageConfig, ctx: z.RefinementCtx): void {
  config.identityPool.rules.forEach((rule, index) => {
    if (rule.claim !== 'custom:tenant_id') return;
    const whole = rule.matchType === 'Equals' || rule.matchType === 'NotEqual';
    const ok = whole ? isTenantId(rule.value) : /^[a-z0-9-]+$/.test(rule.value);
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        path: ['identityPool', 'rules', index, 'value'],
        input: rule.value,
        message: whole
          ? `not a tenant id; tenant ids are ${TENANT_ID_RULE}`
          : 'expected lower-case letters, digits or hyphens (the characters of a tenant id)',
      });
    }
  });
}

const TAG_KEY = /^[A-Za-z0-9_.:/=+@-]{1,128}$/;

const WRITABLE_HINT = `users can change it through an app client (writable: ${[...CLIENT_WRITABLE_ATTRIBUTES].join(', ')}); use a claim only administrators or Cognito set, such as "custom:tenant_id" or "cognito:groups"`;

/** Identity pool: roles, rules and tags may only rest on what users cannot write. */
function identityPoolRules(config: RawStageConfig, groups: ReadonlySet<string>, ctx: z.RefinementCtx): void {
  const { identityPool } = config;
  const quote = (names: Iterable<string>) => [...names].map((n) => JSON.stringify(n)).join(', ');
  // The only custom attributes the pool has are the authorization attributes.
  const customClaims = new Set(config.userPool.authorizationAttributes.map((name) => `custom:${name}`));
  const unknownCustom = (claim: string) => claim.startsWith('custom:') && !customClaims.has(claim);
  const customHint = `not a custom attribute of the pool; allowed: ${quote(customClaims)} (userPool.authorizationAttributes)`;

  identityPool.tenantWriterGroups.forEach((group, index) => {
    if (!groups.has(group)) {
      ctx.addIssue({
        code: 'custom',
        path: ['identityPool', 'tenantWriterGroups', index],
        input: group,
        message: `not a configured group; allowed: ${quote(groups)}`,
      });
    }
  });

  const roles = new Set(groups);
  identityPool.ruleRoles.forEach((role, index) => {
    if (roles.has(role.name)) {
      ctx.addIssue({
        code: 'custom',
        path: ['identityPool', 'ruleRoles', index, 'name'],
        input: role.name,
        message: groups.has(role.name)
          ? 'a group already has this name (its role comes from groups); pick another name'
          : 'duplicate role name',
      });
    }
    roles.add(role.name);
  });

  identityPool.rules.forEach((rule, index) => {
    if (CLIENT_WRITABLE_ATTRIBUTES.has(rule.claim)) {
      ctx.addIssue({
        code: 'custom',
        path: ['identityPool', 'rules', index, 'claim'],
        input: rule.claim,
        message: `a role rule may not read this claim: ${WRITABLE_HINT}`,
      });
    }
    if (unknownCustom(rule.claim)) {
      ctx.addIssue({
        code: 'custom',
        path: ['identityPool', 'rules', index, 'claim'],
        input: rule.claim,
        message: customHint,
      });
    }
    if (!roles.has(rule.role)) {
      ctx.addIssue({
        code: 'custom',
        path: ['identityPool', 'rules', index, 'role'],
        input: rule.role,
        message: `not a role; allowed: ${quote(roles)} (identityPool.ruleRoles names and group names)`,
      });
    }
  });

  for (const [tag, claim] of Object.entries(identityPool.principalTags)) {
    if (!TAG_KEY.test(tag) || tag.toLowerCase().startsWith('aws:')) {
      ctx.addIssue({
        code: 'custom',
        path: ['identityPool', 'principalTags', tag],
        input: tag,
        message: 'expected an IAM tag key: 1-128 letters, digits or _ . : / = + - @, not starting with "aws:"',
      });
    }
    if (CLIENT_WRITABLE_ATTRIBUTES.has(claim)) {
      ctx.addIssue({
        code: 'custom',
        path: ['identityPool', 'principalTags', tag],
        input: claim,
        message: `a principal tag may not come from this claim: ${WRITABLE_HINT}`,
      });
    }
    if (unknownCustom(claim)) {
      ctx.addIssue({ code: 'custom', path: ['identityPool', 'principalTags', tag], input: claim, message: customHint });
    }
  }
  if (!(TENANT_PRINCIPAL_TAG in identityPool.principalTags)) {
    ctx.addIssue({
      code: 'custom',
      path: ['identityPool', 'principalTags'],
      input: identityPool.principalTags,
      message: `map the "${TENANT_PRINCIPAL_TAG}" tag (the tenant policies read \${aws:PrincipalTag/${TENANT_PRINCIPAL_TAG}}), e.g. { ${TENANT_PRINCIPAL_TAG}: "custom:tenant_id" }`,
    });
  }
}

export const stageConfigSchema = stageConfigObject.superRefine(crossFieldRules);

/** The SES identity that sends as `email.fromAddress`: `sesIdentity`, else the address's domain. */
export function sesIdentityOf(email: NonNullable<StageConfig['email']>): string {
  return email.sesIdentity ?? email.fromAddress.slice(email.fromAddress.lastIndexOf('@') + 1);
}

/** A validated stage configuration with every default applied. */
export type StageConfig = z.output<typeof stageConfigSchema>;
/** What a stage file may write: defaults may be omitted. */
export type StageConfigInput = z.input<typeof stageConfigSchema>;
