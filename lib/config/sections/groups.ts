import { z } from 'zod';
import { groupName, scopeName, TENANT_ACCESS } from '../fields';
import { requireKnown, requireUnique, rule, type RuleSection } from '../rule';
import type { RawStageConfig } from '../schema';

const groupSchema = z.strictObject({
  name: groupName.describe('Group name as it appears in the `cognito:groups` claim.'),
  precedence: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .describe('Lower wins: decides `cognito:preferred_role` for users in several groups.'),
  description: z.string().max(2048).describe('What members of the group may do.'),
  scopes: z
    .array(scopeName)
    .default([])
    .describe(
      "API scopes (resourceServer scope names) the pre token generation trigger adds to members' access tokens.",
    ),
  tenantAccess: z
    .enum(TENANT_ACCESS)
    .default('none')
    .describe(
      "What the group's identity-pool role may do with its tenant's data (`tenants/<tenant>/`, `TENANT#<tenant>`): none, read or write. Own and public data are always included.",
    ),
  tenantRoutes: z
    .boolean()
    .default(false)
    .describe(
      "Whether the tenant authorizer admits members to the tenant routes (e.g. GET /tenants/{tenantId}/documents, their own tenant's only).",
    ),
});

const scopeSchema = z.strictObject({
  name: scopeName.describe('Scope name; tokens carry it as `<resource server>/<name>`.'),
  description: z.string().min(1).max(256).describe('What the scope allows.'),
});

export const groupsShape = {
  groups: z
    .array(groupSchema)
    .min(1)
    .describe(
      'User pool groups. Each entry is everything about one group: its IAM role for the identity pool, its API scopes, its tenant-data access and whether the tenant routes admit it.',
    ),
  defaultGroup: groupName
    .nullable()
    .default(null)
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
      scopes: z.array(scopeSchema).min(1).describe('Custom OAuth scopes the API checks.'),
    })
    .describe('The OAuth resource server that holds the API scopes.'),
};

/** The configured group names. */
export function groupNames(config: RawStageConfig): ReadonlySet<string> {
  return new Set(config.groups.map((group) => group.name));
}

/** The resource server's scope names. */
export function scopeNames(config: RawStageConfig): ReadonlySet<string> {
  return new Set(config.resourceServer.scopes.map((scope) => scope.name));
}

/**
 * API scopes (short names) each group grants, for the groups that grant any, in config order: what
 * the pre token generation trigger adds to a member's access token.
 */
export function scopesByGroup(config: Pick<RawStageConfig, 'groups'>): Record<string, string[]> {
  return Object.fromEntries(config.groups.filter((g) => g.scopes.length > 0).map((g) => [g.name, [...g.scopes]]));
}

/** Groups whose members the tenant authorizer admits (`groups[].tenantRoutes`). */
export function tenantRouteGroups(config: Pick<RawStageConfig, 'groups'>): string[] {
  return config.groups.filter((group) => group.tenantRoutes).map((group) => group.name);
}

/** Messages other sections use when a field must name a configured group or scope. */
export const NOT_A_GROUP = 'not a configured group';
export const NOT_A_SCOPE = 'not a resourceServer scope';

export const groupRules: RuleSection = {
  title: 'Groups and scopes',
  rules: [
    rule('group-names-unique', 'Group names are unique.', (config, report) =>
      requireUnique(
        report,
        config.groups.map((group) => group.name),
        (index) => ['groups', index, 'name'],
        'duplicate group name; each group needs a unique name',
      ),
    ),
    rule('default-group-exists', '`defaultGroup` names a configured group (or is null).', (config, report) => {
      if (config.defaultGroup !== null) {
        requireKnown(report, groupNames(config), NOT_A_GROUP, ['defaultGroup'], config.defaultGroup);
      }
    }),
    rule('group-scopes-exist', "A group's `scopes` name resource-server scopes.", (config, report) => {
      const scopes = scopeNames(config);
      config.groups.forEach((group, index) =>
        group.scopes.forEach((scope, at) =>
          requireKnown(report, scopes, NOT_A_SCOPE, ['groups', index, 'scopes', at], scope),
        ),
      );
    }),
    rule('scope-names-unique', 'Resource-server scope names are unique.', (config, report) =>
      requireUnique(
        report,
        config.resourceServer.scopes.map((scope) => scope.name),
        (index) => ['resourceServer', 'scopes', index, 'name'],
        'duplicate scope name',
      ),
    ),
  ],
};
