/**
 * The key layout of the protected data, shared by the CDK policies (lib/) and the handlers
 * (lambda/). One table, partition key `pk`, sort key `sk`; the partition key says whose data an
 * item is, so IAM can confine a principal to its own partitions with `dynamodb:LeadingKeys`.
 *
 * | pk                          | written by                         | confined by                                    |
 * | --------------------------- | ---------------------------------- | ---------------------------------------------- |
 * | `IDENTITY#<identity id>`    | the user, with identity-pool creds | `${cognito-identity.amazonaws.com:sub}`        |
 * | `TENANT#<tenant id>`        | tenant editors (identity pool), API | `${aws:PrincipalTag/tenant}`                  |
 * | `USER#<user pool sub>`      | the API on behalf of a signed-in user | the API function's role (`USER#*` only)     |
 *
 * The sort key says what an item is: `DOC#<document id>` for a document (per user or per tenant).
 *
 * S3 uses the same idea with prefixes: `private/<identity id>/`, `tenants/<tenant id>/`, `public/`.
 */

import { isTenantId } from './tenant-id';

export const PARTITION_KEY = 'pk';
export const SORT_KEY = 'sk';

export const KEY_PREFIX = {
  identity: 'IDENTITY#',
  tenant: 'TENANT#',
  user: 'USER#',
} as const;

export const SORT_KEY_PREFIX = {
  document: 'DOC#',
} as const;

export const S3_PREFIX = {
  private: 'private/',
  tenants: 'tenants/',
  public: 'public/',
} as const;

/** Identifiers that may appear inside a key: no '#', '/', whitespace or control characters. */
export const KEY_PART = /^[A-Za-z0-9:._-]{1,128}$/;

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
