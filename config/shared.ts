import type { StageConfigInput } from '../lib/config/schema';

/**
 * Settings every stage shares. Change the project name, groups and scopes here; put what
 * differs per stage in `dev.ts` / `prod.ts`. Every field is documented in docs/config.md.
 */
export const shared = {
  project: 'cognito-ref',
  groups: [
    {
      name: 'admins',
      precedence: 1,
      description: "Administrators: manage users; read and write their tenant's documents.",
    },
    { name: 'editors', precedence: 10, description: "Editors: read and write their tenant's documents." },
    { name: 'readers', precedence: 100, description: "Readers: read their tenant's documents." },
  ],
  defaultGroup: 'readers',
  identityPool: {
    allowGuests: false,
    // Other groups' roles only read their tenant's data.
    tenantWriterGroups: ['admins', 'editors'],
    // ABAC: ${aws:PrincipalTag/tenant} in the role policies comes from this claim.
    principalTags: { tenant: 'custom:tenant_id' },
    // Rules-based mapping (the rules client): first match wins, no match means no credentials.
    ruleRoles: [
      { name: 'finance', description: "Finance department: read the tenant's documents.", tenantAccess: 'read' },
    ],
    rules: [{ claim: 'custom:department', matchType: 'Equals', value: 'finance', role: 'finance' }],
  },
  resourceServer: {
    identifier: 'api',
    name: 'Cognito reference API',
    scopes: [
      { name: 'read', description: 'Read documents.' },
      { name: 'write', description: 'Create and change documents.' },
      { name: 'admin', description: 'Administer users.' },
    ],
  },
} satisfies Partial<StageConfigInput>;
