import { PAGE_LIMITS } from '../../contract';
import type { ListUsersCommandInput, UserType } from '@aws-sdk/client-cognito-identity-provider';
import * as z from 'zod/mini';
import { badRequest } from '../../shared/http';

/**
 * Pure decisions of `GET /admin/users`: one page of the caller's tenant's users with only the
 * attributes on SAFE_ATTRIBUTES.
 *
 * - Tenant isolation: an administrator sees only users whose `custom:tenant_id` equals their own
 *   verified `tenant_id` claim. ListUsers cannot filter on custom attributes, so each page Cognito
 *   returns is filtered here; a user without the attribute never matches. A page can therefore
 *   hold fewer than `limit` users (even none) while `nextToken` is still set.
 * - The allowlist is applied twice: Cognito is asked for these attributes only
 *   (`AttributesToGet`), and the answer is filtered again, so a new attribute never leaks by default.
 */

/** The only user attributes the API returns (and `custom:tenant_id`, which the filter needs). */
export const SAFE_ATTRIBUTES = ['sub', 'email', 'email_verified', 'custom:tenant_id', 'custom:department'] as const;

export interface UsersQuery {
  readonly limit: number;
  readonly paginationToken?: string;
}

export interface SafeUser {
  readonly username: string;
  readonly sub: string | null;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly tenantId: string | null;
  readonly department: string | null;
  readonly status: string | null;
  readonly enabled: boolean;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
}

export interface UsersPage {
  readonly users: SafeUser[];
  readonly nextToken?: string;
}

const query = z.object({
  limit: z.optional(z.string().check(z.regex(/^\d{1,3}$/))),
  // Cognito's pagination token is opaque; accept printable ASCII without spaces, bounded.
  nextToken: z.optional(z.string().check(z.maxLength(PAGE_LIMITS.maxTokenLength), z.regex(/^[\x21-\x7e]+$/))),
});

export function parseUsersQuery(parameters: Readonly<Record<string, string | undefined>> | null): UsersQuery {
  const parsed = query.safeParse(parameters ?? {});
  if (!parsed.success) throw badRequest('invalid query parameters');
  const limit = parsed.data.limit === undefined ? PAGE_LIMITS.defaultSize : Number(parsed.data.limit);
  if (limit < 1 || limit > PAGE_LIMITS.maxUsers) throw badRequest('limit out of range');
  return parsed.data.nextToken === undefined ? { limit } : { limit, paginationToken: parsed.data.nextToken };
}

export function listUsersInput(userPoolId: string, q: UsersQuery): ListUsersCommandInput {
  return {
    UserPoolId: userPoolId,
    Limit: q.limit,
    AttributesToGet: [...SAFE_ATTRIBUTES],
    ...(q.paginationToken ? { PaginationToken: q.paginationToken } : {}),
  };
}

export function toSafeUser(user: UserType): SafeUser {
  const attributes = new Map<string, string>();
  for (const { Name, Value } of user.Attributes ?? []) {
    if (Name && Value !== undefined && (SAFE_ATTRIBUTES as readonly string[]).includes(Name)) {
      attributes.set(Name, Value);
    }
  }
  return {
    username: user.Username ?? '',
    sub: attributes.get('sub') ?? null,
    email: attributes.get('email') ?? null,
    emailVerified: attributes.get('email_verified') === 'true',
    tenantId: attributes.get('custom:tenant_id') ?? null,
    department: attributes.get('custom:department') ?? null,
    status: user.UserStatus ?? null,
    enabled: user.Enabled === true,
    createdAt: user.UserCreateDate?.toISOString() ?? null,
    updatedAt: user.UserLastModifiedDate?.toISOString() ?? null,
  };
}

/**
 * The response for one ListUsers page: the users of `tenantId` only (compared exactly with the
 * value the response would show, so what is returned is what was checked), and Cognito's
 * pagination token unchanged, whether or not this page had a user of the tenant.
 */
export function toTenantPage(
  users: readonly UserType[] | undefined,
  paginationToken: string | undefined,
  tenantId: string,
): UsersPage {
  const own = (users ?? []).map(toSafeUser).filter((user) => user.tenantId === tenantId);
  return paginationToken ? { users: own, nextToken: paginationToken } : { users: own };
}

/**
 * Whether a failed ListUsers call is the client's fault: Cognito answers InvalidParameterException
 * for a pagination token it did not issue (or one that expired). Without a token the parameters
 * are all ours, so the same exception is a server error.
 */
export function isRejectedPaginationToken(error: unknown, q: UsersQuery): boolean {
  return q.paginationToken !== undefined && error instanceof Error && error.name === 'InvalidParameterException';
}
