import { z } from 'zod';
import { LOG_RETENTION_DAYS, logRetentionDays, scopeName } from '../fields';
import { requireKnown, requirePlan, rule, type RuleSection } from '../rule';
import { NOT_A_SCOPE, scopeNames } from './groups';

/** Least function memory for the migrate-user trigger (see the rule below). */
export const MIGRATION_MIN_MEMORY_MB = 512;

export const functionsSchema = z
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

export const triggersSchema = z
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
          .describe(
            'Run the pre token generation trigger (event version V3_0, also for client-credentials tokens; needs ESSENTIALS or PLUS).',
          ),
        everyoneScopes: z
          .array(scopeName)
          .default([])
          .describe(
            "API scopes added to every signed-in user's access token, also without a group (each group's own scopes are in `groups[].scopes`).",
          ),
      })
      .prefault({})
      .describe(
        'Pre token generation (V3): tenant claims, API scopes from `groups[].scopes`, and the tenant of each machine client.',
      ),
  })
  .describe('Lambda triggers of the user pool.');

export const migrationSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Migrate users from the legacy-users DynamoDB table at their first sign-in (migrate-user trigger). Also allows USER_PASSWORD_AUTH on the web client: Cognito needs the plaintext password to check it against the legacy hash.',
      ),
  })
  .describe('User migration from a legacy directory (docs/migration.md).');

export const triggerRules: RuleSection = {
  title: 'Triggers and functions',
  rules: [
    rule(
      'pre-token-v3-needs-essentials',
      'Pre token generation V3 (`triggers.preTokenGeneration.enabled`: access-token and machine-token customization) needs `ESSENTIALS` or `PLUS`.',
      (config, report) => {
        if (config.triggers.preTokenGeneration.enabled) {
          requirePlan(
            config,
            report,
            'ESSENTIALS',
            ['triggers', 'preTokenGeneration', 'enabled'],
            true,
            'pre token generation V3',
          );
        }
      },
    ),
    rule(
      'everyone-scopes-exist',
      '`triggers.preTokenGeneration.everyoneScopes` name resource-server scopes.',
      (config, report) => {
        const scopes = scopeNames(config);
        config.triggers.preTokenGeneration.everyoneScopes.forEach((scope, index) =>
          requireKnown(report, scopes, NOT_A_SCOPE, ['triggers', 'preTokenGeneration', 'everyoneScopes', index], scope),
        );
      },
    ),
    // Each migration sign-in derives one scrypt key at N=2^17, r=8 (128 MiB of working memory, and
    // the same for unknown users); below 512 MB the function runs out of memory or, with the CPU
    // share Lambda gives small functions, close to Cognito's 5-second budget.
    rule(
      'migration-memory',
      `\`migration.enabled\` needs \`functions.memoryMb\` of at least ${MIGRATION_MIN_MEMORY_MB} (each sign-in checks a password with scrypt, 128 MiB of working memory, inside Cognito's 5-second budget).`,
      (config, report) => {
        const memory = config.functions.memoryMb;
        if (config.migration.enabled && memory < MIGRATION_MIN_MEMORY_MB) {
          report(
            ['functions', 'memoryMb'],
            memory,
            `migration.enabled needs at least ${MIGRATION_MIN_MEMORY_MB} MB: the migrate-user trigger checks each password with scrypt (128 MiB of working memory) inside Cognito's 5-second budget`,
          );
        }
      },
    ),
  ],
};
