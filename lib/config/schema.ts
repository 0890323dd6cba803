import { z } from 'zod';
import { checkRules, type RuleSection } from './rule';
import { apiRules, apiSchema } from './sections/api';
import { clientRules, machineClientSchema, refreshTokenRotationSchema, webClientSchema } from './sections/clients';
import { domainRules, domainSchema } from './sections/domain';
import { emailRules, emailSchema } from './sections/email';
import { identityProvidersSchema } from './sections/federation';
import { groupRules, groupsShape } from './sections/groups';
import { identityPoolRules, identityPoolSchema } from './sections/identity-pool';
import { alarmsSchema, operationsRules } from './sections/operations';
import { passwordlessRules, passwordlessSchema } from './sections/passwordless';
import { dataSchema, stageRules, stageShape } from './sections/stage';
import { functionsSchema, migrationSchema, triggerRules, triggersSchema } from './sections/triggers';
import { userPoolRules, userPoolSchema } from './sections/user-pool';

/**
 * The stage configuration schema: the one place a forker changes to make this starter theirs.
 *
 * Each section of the config lives in its own module under `sections/`: the shape of its fields
 * (every field with a description for docs/config.md and, where one is safe, a default) next to
 * the rules that span several fields. A rule is a named unit with a description (see rule.ts);
 * docs/config.md lists the descriptions, and every problem a rule reports names the field, the
 * value it got and what is allowed.
 */

/** The shape of a stage file, before defaults are applied. */
const stageConfigObject = z.strictObject({
  ...stageShape,
  userPool: userPoolSchema.prefault({}),
  ...groupsShape,
  webClient: webClientSchema,
  machineClients: z
    .array(machineClientSchema)
    .default([])
    .describe(
      'Confidential machine-to-machine clients, each with its scopes and tenant (docs/api.md, "Machine callers").',
    ),
  refreshTokenRotation: refreshTokenRotationSchema.prefault({}),
  domain: domainSchema,
  identityProviders: identityProvidersSchema.prefault({}),
  data: dataSchema.prefault({}),
  identityPool: identityPoolSchema.prefault({}),
  functions: functionsSchema.prefault({}),
  triggers: triggersSchema.prefault({}),
  email: emailSchema.optional(),
  migration: migrationSchema.prefault({}),
  passwordless: passwordlessSchema.prefault({}),
  api: apiSchema,
  alarms: alarmsSchema.prefault({}),
});

/** A stage config with defaults applied, as the rules see it (before they passed). */
export type RawStageConfig = z.output<typeof stageConfigObject>;

/** Every rule across fields, by section, in the order docs/config.md lists them. */
export const RULE_SECTIONS: readonly RuleSection[] = [
  stageRules,
  userPoolRules,
  groupRules,
  clientRules,
  domainRules,
  identityPoolRules,
  triggerRules,
  emailRules,
  passwordlessRules,
  apiRules,
  operationsRules,
];

export const stageConfigSchema = stageConfigObject.superRefine(checkRules(RULE_SECTIONS));

/** A validated stage configuration with every default applied. */
export type StageConfig = z.output<typeof stageConfigSchema>;
/** What a stage file may write: defaults may be omitted. */
export type StageConfigInput = z.input<typeof stageConfigSchema>;

export { FEATURE_PLANS, TENANT_ACCESS, type FeaturePlan, type TenantAccess } from './fields';
export { cognitoSesRegions, sesIdentityOf } from './sections/email';
export { scopesByGroup, tenantRouteGroups } from './sections/groups';
export { RULE_MATCH_TYPES, TENANT_PRINCIPAL_TAG } from './sections/identity-pool';
export { MIGRATION_MIN_MEMORY_MB } from './sections/triggers';
export { DEFAULT_TEST_OUTBOX_ADDRESSES } from './sections/passwordless';
export { THREAT_PROTECTION_MODES } from './sections/user-pool';
