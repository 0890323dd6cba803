import { z } from 'zod';
import { FEATURE_PLANS, lowerDomain, removalPolicy } from '../fields';
import { productionRequires, requirePlan, requireUnique, rule, type RuleSection } from '../rule';
import { logExportSchema, threatActionsSchema } from './operations';

export const THREAT_PROTECTION_MODES = ['OFF', 'AUDIT', 'ENFORCED'] as const;

/** The custom attribute the tenant policies, the tenant authorizer and the API read. */
export const TENANT_ATTRIBUTE = 'tenant_id';

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
    actions: threatActionsSchema.optional(),
  })
  .describe('Threat protection (formerly advanced security).');

export const userPoolSchema = z
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
    logExport: logExportSchema.prefault({}),
    authorizationAttributes: z
      .array(
        z
          .string()
          .regex(/^[a-z][a-z0-9_]{0,19}$/, 'expected 1-20 lower-case letters, digits or _, starting with a letter'),
      )
      .min(1)
      .default([TENANT_ATTRIBUTE])
      .describe(
        'Custom attributes that carry authorization data (`custom:<name>`): immutable, set by administrators only, writable by no app client, copied into the access token as `<name>` and usable in identity-pool rules and principal tags. Must include tenant_id.',
      ),
    removalPolicy: removalPolicy()
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

export const userPoolRules: RuleSection = {
  title: 'User pool',
  rules: [
    rule(
      'threat-protection-needs-plus',
      'Threat protection other than `OFF` (`userPool.threatProtection.standardAuth` / `customAuth`) needs `userPool.featurePlan: PLUS`.',
      (config, report) => {
        for (const flow of ['standardAuth', 'customAuth'] as const) {
          const mode = config.userPool.threatProtection[flow];
          if (mode === 'OFF') continue;
          requirePlan(
            config,
            report,
            'PLUS',
            ['userPool', 'threatProtection', flow],
            mode,
            `threat protection "${mode}"`,
          );
        }
      },
    ),
    rule(
      'password-history-needs-essentials',
      'Password history (`userPool.passwordPolicy.passwordHistorySize` > 0) needs `ESSENTIALS` or `PLUS`.',
      (config, report) => {
        const size = config.userPool.passwordPolicy.passwordHistorySize;
        if (size > 0) {
          requirePlan(
            config,
            report,
            'ESSENTIALS',
            ['userPool', 'passwordPolicy', 'passwordHistorySize'],
            size,
            'password history',
          );
        }
      },
    ),
    rule(
      'tenant-attribute-required',
      '`userPool.authorizationAttributes` includes `tenant_id`: the tenant principal tag, the tenant authorizer and the API read it.',
      (config, report) => {
        const attributes = config.userPool.authorizationAttributes;
        if (!attributes.includes(TENANT_ATTRIBUTE)) {
          report(
            ['userPool', 'authorizationAttributes'],
            attributes,
            `must include "${TENANT_ATTRIBUTE}" (the tenant principal tag, the tenant authorizer and the API read it)`,
          );
        }
      },
    ),
    rule('authorization-attributes-unique', 'Authorization attribute names are unique.', (config, report) =>
      requireUnique(
        report,
        config.userPool.authorizationAttributes,
        (index) => ['userPool', 'authorizationAttributes', index],
        'duplicate attribute name',
      ),
    ),
    rule(
      'email-domain-allowed-or-denied',
      'No email domain is both in `userPool.emailDomains.allow` and in `deny`.',
      (config, report) => {
        const { allow, deny } = config.userPool.emailDomains;
        deny.forEach((domain, index) => {
          if (allow.includes(domain)) {
            report(
              ['userPool', 'emailDomains', 'deny', index],
              domain,
              'domain is in both allow and deny; keep it in one list',
            );
          }
        });
      },
    ),
    productionRequires(
      'production-retains-user-pool',
      'Production stages use `userPool.removalPolicy: RETAIN`.',
      ['userPool', 'removalPolicy'],
      (config) => config.userPool.removalPolicy,
      (policy) => policy === 'RETAIN',
      'production stages must use "RETAIN"',
    ),
    productionRequires(
      'production-deletion-protection',
      'Production stages set `userPool.deletionProtection: true`.',
      ['userPool', 'deletionProtection'],
      (config) => config.userPool.deletionProtection,
      (on) => on,
      'production stages must set true',
    ),
    productionRequires(
      'production-requires-mfa',
      'Production stages use `userPool.mfa: REQUIRED`.',
      ['userPool', 'mfa'],
      (config) => config.userPool.mfa,
      (mfa) => mfa === 'REQUIRED',
      'production stages must use "REQUIRED"',
    ),
    productionRequires(
      'production-plus-plan',
      'Production stages use `userPool.featurePlan: PLUS` (threat protection needs it).',
      ['userPool', 'featurePlan'],
      (config) => config.userPool.featurePlan,
      (plan) => plan === 'PLUS',
      'production stages must use "PLUS" (threat protection needs it)',
    ),
    ...(['standardAuth', 'customAuth'] as const).map((flow) =>
      productionRequires(
        `production-enforces-threat-protection-${flow === 'standardAuth' ? 'standard' : 'custom'}`,
        `Production stages use \`userPool.threatProtection.${flow}: ENFORCED\`.`,
        ['userPool', 'threatProtection', flow],
        (config) => config.userPool.threatProtection[flow],
        (mode) => mode === 'ENFORCED',
        'production stages must use "ENFORCED"',
      ),
    ),
    productionRequires(
      'production-password-length',
      'Production stages have `userPool.passwordPolicy.minLength` of at least 12.',
      ['userPool', 'passwordPolicy', 'minLength'],
      (config) => config.userPool.passwordPolicy.minLength,
      (length) => length >= 12,
      'production stages need at least 12',
    ),
  ],
};
