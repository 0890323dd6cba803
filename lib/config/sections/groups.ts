import { z } from 'zod';
import { groupName, scopeName } from '../fields';
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
});

const scopeSchema = z.strictObject({
  name: scopeName.describe('Scope name; tokens carry it as `<resource server>/<name>`.'),
  description: z.string().min(1).max(256).describe('What the scope allows.'),
});

export const groupsShape = {
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
};

/** The configured group names. */
export function groupNames(config: RawStageConfig): ReadonlySet<string> {
  return new Set(config.groups.map((group) => group.name));
}

/** The resource server's scope names. */
export function scopeNames(config: RawStageConfig): ReadonlySet<string> {
  return new Set(config.resourceServer.scopes.map((scope) => scope.name));
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
