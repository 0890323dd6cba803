import { CLAIM_VALUE_PATTERN, GROUP_NAME_PATTERN, isTenantId, KEY_PART_PATTERN, TENANT_ID_PATTERN } from '../contract';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { forbidden } from '../shared/http';

/**
 * Who is calling, read from what API Gateway verified before the function ran: the claims of the
 * Cognito authorizer (`requestContext.authorizer.claims`) or the context of our Lambda authorizer
 * (`requestContext.authorizer`). Never from headers, the path or the body. Anything missing or
 * malformed is a 403: the method was not protected the way this code expects, so fail closed.
 */
export interface Caller {
  /**
   * `machine`: a client-credentials token of a machine client (`sub` and `username` are its client
   * id, no groups, the tenant from the config). Only routes that accept machine callers see one.
   */
  readonly kind: 'user' | 'machine';
  /** User pool `sub`: the stable user id, used in table keys (a machine client's id). */
  readonly sub: string;
  readonly username: string;
  readonly clientId: string;
  readonly groups: readonly string[];
  /** OAuth scopes of the access token. */
  readonly scopes: readonly string[];
  /** `tenant_id` claim, when the user has one. */
  readonly tenantId?: string;
  readonly department?: string;
}

const CLAIM_VALUE = new RegExp(CLAIM_VALUE_PATTERN);
const USER_ID = new RegExp(KEY_PART_PATTERN);
const GROUP_NAME = new RegExp(GROUP_NAME_PATTERN);
const SCOPE = /^[\x21-\x7e]{1,256}$/;

const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

/**
 * Claims of a user-pool access token as the REST API Cognito authorizer passes them (all strings).
 * A client-credentials (machine) token has no `username`.
 */
const cognitoClaims = z.object({
  sub: z.string().check(z.regex(USER_ID)),
  username: z.optional(text(128)),
  client_id: text(128),
  token_use: z.literal('access'),
  scope: z.optional(z.string().check(z.maxLength(4096))),
  'cognito:groups': z.optional(z.union([z.string().check(z.maxLength(8192)), z.array(z.string())])),
  tenant_id: z.optional(z.string()),
  department: z.optional(z.string()),
});

/** The context our Lambda authorizer returns on Allow (see authorizer/decide.ts). */
const lambdaAuthorizerContext = z.object({
  caller: z.enum(['user', 'machine']),
  sub: z.string().check(z.regex(USER_ID)),
  username: text(128),
  clientId: text(128),
  scope: z.string().check(z.maxLength(4096)),
  groups: z.string().check(z.maxLength(8192)),
  tenantId: z.string().check(z.regex(new RegExp(TENANT_ID_PATTERN))),
});

/**
 * A list claim as API Gateway may render it: a JSON array, `a,b`, or `[a b]`. Only well-formed
 * names are kept.
 */
export function parseListClaim(value: string | readonly string[] | undefined, pattern: RegExp): string[] {
  if (value === undefined) return [];
  const items = typeof value === 'string' ? value.replace(/^\[|\]$/g, '').split(/[\s,]+/) : value;
  return [...new Set(items.filter((item) => pattern.test(item)))];
}

const optionalClaim = (value: string | undefined) =>
  value !== undefined && CLAIM_VALUE.test(value) ? value : undefined;

/**
 * The caller of a method protected by the Cognito user pools authorizer (access token). A machine
 * client's token (no `username`) passes only when the route accepts machine callers
 * (`acceptsMachines`, from MACHINE_CALLERS) and carries a valid tenant; it never has groups.
 */
export function callerFromCognito(event: APIGatewayProxyEvent, acceptsMachines = false): Caller {
  const claims = cognitoClaims.safeParse((event.requestContext?.authorizer as { claims?: unknown } | null)?.claims);
  if (!claims.success) throw forbidden('no verified access-token claims');
  const c = claims.data;
  if (c.username === undefined) {
    if (!acceptsMachines) throw forbidden('route does not accept machine callers');
    if (!isTenantId(c.tenant_id)) throw forbidden('machine token without a tenant');
    return {
      kind: 'machine',
      sub: c.sub,
      username: c.client_id,
      clientId: c.client_id,
      groups: [],
      scopes: parseListClaim(c.scope, SCOPE),
      tenantId: c.tenant_id,
    };
  }
  return {
    kind: 'user',
    sub: c.sub,
    username: c.username,
    clientId: c.client_id,
    groups: parseListClaim(c['cognito:groups'], GROUP_NAME),
    scopes: parseListClaim(c.scope, SCOPE),
    tenantId: isTenantId(c.tenant_id) ? c.tenant_id : undefined,
    department: optionalClaim(c.department),
  };
}

/** The caller of a method protected by our Lambda (tenant) authorizer. */
export function callerFromTenantAuthorizer(event: APIGatewayProxyEvent): Caller & { tenantId: string } {
  const context = lambdaAuthorizerContext.safeParse(event.requestContext?.authorizer);
  if (!context.success) throw forbidden('no tenant authorizer context');
  const c = context.data;
  return {
    kind: c.caller,
    sub: c.sub,
    username: c.username,
    clientId: c.clientId,
    groups: c.caller === 'machine' ? [] : parseListClaim(c.groups, GROUP_NAME),
    scopes: parseListClaim(c.scope, SCOPE),
    tenantId: c.tenantId,
  };
}

/**
 * Defense in depth: the gateway already required this scope (method `authorizationScopes` or the
 * Lambda authorizer), but a handler wired to the wrong method must still refuse.
 */
export function requireScope(caller: Caller, scope: string): void {
  if (!caller.scopes.includes(scope)) throw forbidden('missing scope');
}
