import type { StageConfigInput } from '../lib/config/schema';

/**
 * Settings every stage shares. Change the project name, groups and scopes here; put what
 * differs per stage in `dev.ts` / `prod.ts`. Every field is documented in docs/config.md.
 */
export const shared = {
  project: 'cognito-ref',
  groups: [
    { name: 'admins', precedence: 1, description: 'Administrators: manage users and every tenant document.' },
    { name: 'editors', precedence: 10, description: "Editors: read and write their tenant's documents." },
    { name: 'readers', precedence: 100, description: "Readers: read their tenant's documents." },
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
} satisfies Partial<StageConfigInput>;
