import { isTenantId, type AuthorizerRules } from '../../contract';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';

/**
 * The pure decision of the tenant authorizer, over claims that aws-jwt-verify has already
 * verified (signature, issuer, expiry, token_use, client id). No I/O, no clock: the bench and the
 * tests call it directly.
 */

/** The claims the decision reads (a subset of a Cognito access token's payload). */
export interface AccessTokenClaims {
  readonly sub?: unknown;
  readonly username?: unknown;
  readonly client_id?: unknown;
  readonly token_use?: unknown;
  readonly scope?: unknown;
  readonly 'cognito:groups'?: unknown;
  readonly tenant_id?: unknown;
}

/** What the authorizer passes to the integration on Allow (`requestContext.authorizer`). */
export interface AllowContext {
  /** `machine` for a client-credentials token of a machine client (sub and username = client id). */
  readonly caller: 'user' | 'machine';
  readonly sub: string;
  readonly username: string;
  readonly clientId: string;
  readonly tenantId: string;
  /** Comma-separated group names. */
  readonly groups: string;
  /** Space-separated scopes. */
  readonly scope: string;
}

export type Decision =
  | { readonly effect: 'Allow'; readonly principalId: string; readonly context: AllowContext }
  | { readonly effect: 'Deny'; readonly principalId: string; readonly reason: string };

const stringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];

/** The request facts the decision reads (from the authorizer event). */
export interface RequestFacts {
  /** `<METHOD> <resource path>`, e.g. `GET /tenants/{tenantId}/documents`. */
  readonly route: string;
  readonly pathParameters: Readonly<Record<string, string | undefined>> | null | undefined;
}

/**
 * Allow only when the token is an access token with every scope its route requires and its
 * `tenant_id` equals the tenant in the path (exact, case-sensitive), and either a user's in an
 * allowed group, or a machine client's (`client_id` in `machineClientIds`) on a route that accepts
 * machine callers. A machine client's tenant comes from the config, put into its token by the pre
 * token trigger; it has no group.
 */
export function decide(
  claims: AccessTokenClaims,
  request: RequestFacts,
  rules: AuthorizerRules,
  machineClientIds: readonly string[] = [],
): Decision {
  const sub = typeof claims.sub === 'string' && claims.sub.length > 0 ? claims.sub : undefined;
  const deny = (reason: string): Decision => ({ effect: 'Deny', principalId: sub ?? 'unknown', reason });

  if (!sub || claims.token_use !== 'access') return deny('not an access token');
  if (typeof claims.client_id !== 'string') return deny('no client id');
  const clientId = claims.client_id;
  const machine = machineClientIds.includes(clientId);
  if (!machine && typeof claims.username !== 'string') return deny('not a user token');

  // Own-property lookup: a route key such as "__proto__" maps to nothing.
  const required = Object.hasOwn(rules.scopesByRoute, request.route) ? rules.scopesByRoute[request.route] : undefined;
  if (!required) return deny('unknown route');
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  if (!required.every((scope) => scopes.includes(scope))) return deny('missing scope');

  const groups = machine ? [] : stringList(claims['cognito:groups']);
  if (machine) {
    if (!rules.machineRoutes.includes(request.route)) return deny('route does not accept machine callers');
  } else if (!groups.some((group) => rules.allowedGroups.includes(group))) {
    return deny('not in an allowed group');
  }

  const tenant = claims.tenant_id;
  if (!isTenantId(tenant)) return deny('no tenant claim');
  const requested = request.pathParameters?.[rules.tenantParameter];
  if (requested !== tenant) return deny('other tenant');

  return {
    effect: 'Allow',
    principalId: sub,
    context: {
      caller: machine ? 'machine' : 'user',
      sub,
      username: machine ? clientId : (claims.username as string),
      clientId,
      tenantId: tenant,
      groups: groups.join(','),
      scope: scopes.join(' '),
    },
  };
}

/**
 * The IAM policy API Gateway caches for this token and path: one statement on the exact method
 * ARN of this request (`.../GET/tenants/acme/documents`), never a wildcard, so a cached Allow
 * cannot open another tenant's path or another method.
 */
export function toPolicy(decision: Decision, methodArn: string): APIGatewayAuthorizerResult {
  return {
    principalId: decision.principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: decision.effect, Resource: methodArn }],
    },
    ...(decision.effect === 'Allow' ? { context: { ...decision.context } } : {}),
  };
}

/** Validates the AUTHORIZER_RULES environment variable. */
export function parseAuthorizerRules(value: unknown): AuthorizerRules {
  const v = value as Partial<Record<keyof AuthorizerRules, unknown>> | null;
  const isList = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string' && s !== '');
  const routes = typeof v === 'object' && v !== null ? v.scopesByRoute : undefined;
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof routes !== 'object' ||
    routes === null ||
    Array.isArray(routes) ||
    !Object.values(routes).every((scopes) => isList(scopes) && scopes.length > 0) ||
    !isList(v.allowedGroups) ||
    typeof v.tenantParameter !== 'string' ||
    v.tenantParameter === '' ||
    !isList(v.machineRoutes)
  ) {
    throw new Error(
      'AUTHORIZER_RULES is not { scopesByRoute (each route with scopes), allowedGroups, tenantParameter, machineRoutes }',
    );
  }
  return {
    scopesByRoute: routes as Record<string, string[]>,
    allowedGroups: v.allowedGroups,
    tenantParameter: v.tenantParameter,
    machineRoutes: v.machineRoutes,
  };
}
