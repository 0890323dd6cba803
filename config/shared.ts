import type { StageConfigInput } from '../lib/config/schema';

/**
 * Settings every stage shares. Change the project name, groups and scopes here; put what
 * differs per stage in `dev.ts` / `prod.ts`. Every field is documented in docs/config.md.
 */
export const shared = {
  project: 'cognito-ref',
  userPool: {
    // Immutable, admin-set attributes: copied into access tokens, usable in role rules and tags.
    authorizationAttributes: ['tenant_id', 'department'],
  },
  // Everything about a group is in its entry: its identity-pool role's tenant access, the API
  // scopes its members' access tokens carry, and whether the tenant routes admit it.
  groups: [
    {
      name: 'admins',
      precedence: 1,
      description: "Administrators: manage users; read and write their tenant's documents.",
      scopes: ['admin', 'write', 'read'],
      tenantAccess: 'write',
      tenantRoutes: true,
    },
    {
      name: 'editors',
      precedence: 10,
      description: "Editors: read and write their tenant's documents.",
      scopes: ['write', 'read'],
      tenantAccess: 'write',
      tenantRoutes: true,
    },
    {
      name: 'readers',
      precedence: 100,
      description: "Readers: read their tenant's documents.",
      scopes: ['read'],
      tenantAccess: 'read',
      tenantRoutes: true,
    },
  ],
  defaultGroup: 'readers',
  resourceServer: {
    identifier: 'api',
    name: 'Cognito reference API',
    scopes: [
      { name: 'read', description: 'Read documents.' },
      { name: 'write', description: 'Create and change documents.' },
      { name: 'admin', description: 'Administer users.' },
    ],
  },
  triggers: {
    // Also for signed-in users in no group yet (e.g. created by an administrator).
    preTokenGeneration: { everyoneScopes: ['read'] },
  },
  identityPool: {
    allowGuests: false,
    // ABAC: ${aws:PrincipalTag/tenant} in the role policies comes from this claim.
    principalTags: { tenant: 'custom:tenant_id' },
    // Rules-based mapping (the rules client): first match wins, no match means no credentials.
    ruleRoles: [
      { name: 'finance', description: "Finance department: read the tenant's documents.", tenantAccess: 'read' },
    ],
    rules: [{ claim: 'custom:department', matchType: 'Equals', value: 'finance', role: 'finance' }],
  },
  api: {
    // The scope each route of lib/constructs/api-routes.ts requires, and whether machine clients
    // (machineClients, their tenant from the config) may call it.
    routes: {
      'GET /me': { scope: 'read' },
      'GET /documents/{id}': { scope: 'read' },
      'PUT /documents/{id}': { scope: 'write' },
      'GET /tenants/{tenantId}/documents': { scope: 'read', machines: true },
      'GET /admin/users': { scope: 'admin' },
    },
  },
} satisfies Partial<StageConfigInput>;
