import { z } from 'zod';
import { isTenantId, TENANT_ID_RULE } from '../../../lambda/contract';
import { CLIENT_WRITABLE_ATTRIBUTES } from '../client-attributes';
import { claimName, roleName, TENANT_ACCESS } from '../fields';
import { quote, requireKnown, rule, type Report, type RuleSection } from '../rule';
import type { RawStageConfig } from '../schema';
import { groupNames } from './groups';

/** Principal tag the tenant policies read (`${aws:PrincipalTag/tenant}`); identityPool.principalTags must map it. */
export const TENANT_PRINCIPAL_TAG = 'tenant';

/** Match types of identity-pool rules-based role mapping. */
export const RULE_MATCH_TYPES = ['Equals', 'Contains', 'StartsWith', 'NotEqual'] as const;

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

export const identityPoolSchema = z
  .strictObject({
    allowGuests: z
      .boolean()
      .default(false)
      .describe('Give unauthenticated (guest) identities credentials that can only read the `public/` prefix.'),
    principalTags: z
      .record(z.string(), claimName)
      .default({ [TENANT_PRINCIPAL_TAG]: 'custom:tenant_id' })
      .describe(
        'ABAC: session tag name -> ID-token claim. IAM policies read them as `${aws:PrincipalTag/<name>}`; `tenant` is required. Claims users can write are refused.',
      ),
    ruleRoles: z
      .array(ruleRoleSchema)
      .default([])
      .describe('Roles handed out only by rules-based mapping (group roles come from `groups`).'),
    rules: z
      .array(roleRuleSchema)
      .max(25)
      .default([])
      .describe(
        'Rules-based role mapping of the rules client, first match wins; no match means no credentials. Empty: no rules client.',
      ),
  })
  .describe(
    "The identity pool: AWS credentials for signed-in users (web client: role from groups, token-based; each group role's tenant access is `groups[].tenantAccess`) and optional guests.",
  );

const TAG_KEY = /^[A-Za-z0-9_.:/=+@-]{1,128}$/;

const WRITABLE_HINT = `users can change it through an app client (writable: ${[...CLIENT_WRITABLE_ATTRIBUTES].join(', ')}); use a claim only administrators or Cognito set, such as "custom:tenant_id" or "cognito:groups"`;

/** The claims identity-pool rules and tags read, with the path that names each. */
function claimsRead(config: RawStageConfig) {
  const { rules, principalTags } = config.identityPool;
  return [
    ...rules.map((r, index) => ({
      claim: r.claim,
      path: ['identityPool', 'rules', index, 'claim'],
      what: 'a role rule may not read this claim',
    })),
    ...Object.entries(principalTags).map(([tag, claim]) => ({
      claim,
      path: ['identityPool', 'principalTags', tag],
      what: 'a principal tag may not come from this claim',
    })),
  ];
}

/** Rule roles and group roles: what a rule may name. */
function roleNames(config: RawStageConfig): ReadonlySet<string> {
  return new Set([...groupNames(config), ...config.identityPool.ruleRoles.map((r) => r.name)]);
}

function checkCustomClaim(config: RawStageConfig, report: Report, claim: string, path: (string | number)[]): void {
  // The only custom attributes the pool has are the authorization attributes.
  const custom = new Set(config.userPool.authorizationAttributes.map((name) => `custom:${name}`));
  if (claim.startsWith('custom:') && !custom.has(claim)) {
    report(
      path,
      claim,
      `not a custom attribute of the pool; allowed: ${quote(custom)} (userPool.authorizationAttributes)`,
    );
  }
}

export const identityPoolRules: RuleSection = {
  title: 'Identity pool',
  rules: [
    rule(
      'rule-role-names-unique',
      'Rule-role names (`identityPool.ruleRoles[].name`) are unique and differ from every group name.',
      (config, report) => {
        const groups = groupNames(config);
        const seen = new Set(groups);
        config.identityPool.ruleRoles.forEach((role, index) => {
          if (seen.has(role.name)) {
            report(
              ['identityPool', 'ruleRoles', index, 'name'],
              role.name,
              groups.has(role.name)
                ? 'a group already has this name (its role comes from groups); pick another name'
                : 'duplicate role name',
            );
          }
          seen.add(role.name);
        });
      },
    ),
    rule('rule-role-exists', "A rule's `role` names a rule role or a group.", (config, report) => {
      const roles = roleNames(config);
      config.identityPool.rules.forEach((r, index) =>
        requireKnown(
          report,
          roles,
          'not a role',
          ['identityPool', 'rules', index, 'role'],
          r.role,
          ' (identityPool.ruleRoles names and group names)',
        ),
      );
    }),
    rule(
      'claims-not-user-writable',
      `No role rule (\`identityPool.rules[].claim\`) and no principal tag (\`identityPool.principalTags\`) rests on a claim an app client lets users write (lib/config/client-attributes.ts: ${[...CLIENT_WRITABLE_ATTRIBUTES].map((a) => `\`${a}\``).join(', ')}).`,
      (config, report) => {
        for (const { claim, path, what } of claimsRead(config)) {
          if (CLIENT_WRITABLE_ATTRIBUTES.has(claim)) report(path, claim, `${what}: ${WRITABLE_HINT}`);
        }
      },
    ),
    rule(
      'custom-claims-exist',
      'A `custom:` claim in a role rule or principal tag is one of `userPool.authorizationAttributes`.',
      (config, report) => {
        for (const { claim, path } of claimsRead(config)) checkCustomClaim(config, report, claim, path);
      },
    ),
    rule(
      'tenant-rule-values',
      `An identity-pool rule on \`custom:tenant_id\` compares it with a tenant id (${TENANT_ID_RULE}) for Equals / NotEqual, or a piece of one for StartsWith / Contains; otherwise it could never match a tenant pre sign-up lets in.`,
      (config, report) => {
        config.identityPool.rules.forEach((r, index) => {
          if (r.claim !== 'custom:tenant_id') return;
          const whole = r.matchType === 'Equals' || r.matchType === 'NotEqual';
          if (whole ? isTenantId(r.value) : /^[a-z0-9-]+$/.test(r.value)) return;
          report(
            ['identityPool', 'rules', index, 'value'],
            r.value,
            whole
              ? `not a tenant id; tenant ids are ${TENANT_ID_RULE}`
              : 'expected lower-case letters, digits or hyphens (the characters of a tenant id)',
          );
        });
      },
    ),
    rule(
      'principal-tag-keys',
      'Principal tag names are IAM tag keys, not in the `aws:` namespace.',
      (config, report) => {
        for (const tag of Object.keys(config.identityPool.principalTags)) {
          if (!TAG_KEY.test(tag) || tag.toLowerCase().startsWith('aws:')) {
            report(
              ['identityPool', 'principalTags', tag],
              tag,
              'expected an IAM tag key: 1-128 letters, digits or _ . : / = + - @, not starting with "aws:"',
            );
          }
        }
      },
    ),
    rule(
      'tenant-principal-tag',
      `\`identityPool.principalTags\` maps the \`${TENANT_PRINCIPAL_TAG}\` tag the tenant policies read.`,
      (config, report) => {
        const tags = config.identityPool.principalTags;
        if (!(TENANT_PRINCIPAL_TAG in tags)) {
          report(
            ['identityPool', 'principalTags'],
            tags,
            `map the "${TENANT_PRINCIPAL_TAG}" tag (the tenant policies read \${aws:PrincipalTag/${TENANT_PRINCIPAL_TAG}}), e.g. { ${TENANT_PRINCIPAL_TAG}: "custom:tenant_id" }`,
          );
        }
      },
    ),
  ],
};
