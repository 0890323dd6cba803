/**
 * Pure decisions of the pre token generation (V3) trigger: which claims and OAuth scopes an
 * access token carries. For a user, inputs are only what users cannot write: group membership as
 * Cognito computed it, and the immutable, admin-set custom attributes. For a machine client
 * (client credentials), only the config's entry for the authenticated client id.
 */

import { CLAIM_VALUE_PATTERN, isTenantId, type MachineClientRule, type ScopeRules } from '../../contract';

/** Claim values are short identifiers; anything else is left out rather than trusted. */
const CLAIM_VALUE = new RegExp(CLAIM_VALUE_PATTERN);

/** The attribute that becomes the `tenant` principal tag and `tenants/<id>/` paths: see isTenantId in lambda/contract.ts. */
const TENANT_CLAIM = 'tenant_id';

export interface TokenDecision {
  readonly accessTokenClaims: Record<string, string>;
  /**
   * ID-token claims to drop: `custom:tenant_id` when it is not a valid tenant id (a user created
   * before the rule, or around pre sign-up), so the identity pool never makes it a principal tag.
   */
  readonly idTokenClaimsToSuppress: string[];
  readonly scopesToAdd: string[];
  readonly scopesToSuppress: string[];
}

/**
 * @param groups          `groupConfiguration.groupsToOverride` (the user's groups, from Cognito)
 * @param attributes      `request.userAttributes`
 * @param requestedScopes `request.scopes` (what the client asked for and Cognito allowed)
 */
export function decideTokenClaims(
  groups: readonly string[],
  attributes: Readonly<Record<string, string | undefined>>,
  requestedScopes: readonly string[],
  rules: ScopeRules,
): TokenDecision {
  const prefix = `${rules.resourceServer}/`;
  const entitled = new Set(rules.everyone.map((s) => prefix + s));
  for (const group of groups) {
    // Own-property lookup: a group named "__proto__" or "constructor" maps to nothing.
    const scopes = Object.prototype.hasOwnProperty.call(rules.byGroup, group) ? rules.byGroup[group] : undefined;
    for (const scope of scopes ?? []) entitled.add(prefix + scope);
  }

  const accessTokenClaims: Record<string, string> = {};
  const idTokenClaimsToSuppress: string[] = [];
  for (const claim of rules.claims) {
    const value = attributes[`custom:${claim}`];
    if (value === undefined) continue;
    const valid = claim === TENANT_CLAIM ? isTenantId(value) : CLAIM_VALUE.test(value);
    if (valid) accessTokenClaims[claim] = value;
    else if (claim === TENANT_CLAIM) idTokenClaimsToSuppress.push(`custom:${claim}`);
  }

  const already = new Set(requestedScopes);
  return {
    accessTokenClaims,
    idTokenClaimsToSuppress,
    scopesToAdd: [...entitled].filter((s) => !already.has(s)).sort(),
    // Defense in depth: an API scope the user is not entitled to never survives, even if a
    // client were misconfigured to allow requesting it.
    scopesToSuppress: requestedScopes.filter((s) => s.startsWith(prefix) && !entitled.has(s)).sort(),
  };
}

/** The machine client's tenant and allowed scopes could not be found: no token is issued. */
export class UnknownMachineClient extends Error {
  readonly reason = 'unknown machine client';
}

export interface MachineTokenDecision {
  /** The entry's name, for logs. */
  readonly client: string;
  readonly accessTokenClaims: Record<string, string>;
  readonly scopesToSuppress: string[];
}

/**
 * A client-credentials token: the tenant of the client's config entry, and none of the requested
 * scopes beyond what the entry allows. Nothing is added, and nothing the caller sends (client
 * metadata, requested scopes) chooses the tenant.
 *
 * @param clientId        `callerContext.clientId`: the client that authenticated with its secret
 * @param requestedScopes `request.scopes` (what Cognito is about to grant)
 */
export function decideMachineClaims(
  clientId: string,
  requestedScopes: readonly string[],
  machines: readonly MachineClientRule[],
): MachineTokenDecision {
  const entry = machines.find((m) => m.clientId === clientId);
  if (!entry) throw new UnknownMachineClient('no MACHINE_CLIENTS entry for this client');
  const allowed = new Set(entry.scopes);
  return {
    client: entry.name,
    accessTokenClaims: { [TENANT_CLAIM]: entry.tenant },
    scopesToSuppress: requestedScopes.filter((scope) => !allowed.has(scope)).sort(),
  };
}

/** Validates the MACHINE_CLIENTS environment variable. */
export function parseMachineClients(value: unknown): MachineClientRule[] {
  const isText = (x: unknown): x is string => typeof x === 'string' && x.length > 0;
  if (!Array.isArray(value)) throw new Error('MACHINE_CLIENTS is not a list');
  return value.map((item: unknown) => {
    const v = item as Partial<Record<keyof MachineClientRule, unknown>> | null;
    if (
      typeof v !== 'object' ||
      v === null ||
      !isText(v.clientId) ||
      !isText(v.name) ||
      !isTenantId(v.tenant) ||
      !Array.isArray(v.scopes) ||
      !v.scopes.every(isText)
    ) {
      throw new Error('MACHINE_CLIENTS has an entry that is not { clientId, name, tenant (a tenant id), scopes }');
    }
    return { clientId: v.clientId, name: v.name, tenant: v.tenant, scopes: v.scopes };
  });
}

/** Validates the SCOPE_RULES environment variable. */
export function parseScopeRules(value: unknown): ScopeRules {
  const v = value as Partial<ScopeRules> | null;
  const isList = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof v.resourceServer !== 'string' ||
    !isList(v.everyone) ||
    typeof v.byGroup !== 'object' ||
    v.byGroup === null ||
    !Object.values(v.byGroup).every(isList) ||
    !isList(v.claims)
  ) {
    throw new Error('SCOPE_RULES is not { resourceServer, byGroup, everyone, claims }');
  }
  return { resourceServer: v.resourceServer, byGroup: v.byGroup, everyone: v.everyone, claims: v.claims };
}
