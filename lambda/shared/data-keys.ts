import { isTenantId, KEY_PART_PATTERN, KEY_PREFIX, SORT_KEY_PREFIX } from '../contract';

/** The keys of the protected table (layout: lambda/contract.ts "Protected data"). */

const KEY_PART = new RegExp(KEY_PART_PATTERN);

function part(value: string, what: string): string {
  if (!KEY_PART.test(value)) throw new Error(`invalid ${what} for a key`);
  return value;
}

export const keys = {
  identity: (identityId: string) => `${KEY_PREFIX.identity}${part(identityId, 'identity id')}`,
  tenant: (tenantId: string) => {
    if (!isTenantId(tenantId)) throw new Error('invalid tenant id for a key');
    return `${KEY_PREFIX.tenant}${tenantId}`;
  },
  user: (sub: string) => `${KEY_PREFIX.user}${part(sub, 'user id')}`,
  document: (documentId: string) => `${SORT_KEY_PREFIX.document}${part(documentId, 'document id')}`,
};
