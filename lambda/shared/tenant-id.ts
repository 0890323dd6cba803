/**
 * The one rule for tenant ids, shared by the config schema, the pre sign-up and pre token
 * triggers, the migrate-user trigger and the API. Imports nothing: lib/ and lambda/ both load it.
 *
 * Why a closed alphabet: the tenant id becomes the `tenant` principal tag, and IAM policies put
 * it into paths and keys (`tenants/${aws:PrincipalTag/tenant}/*`, `TENANT#<tenant>`). A tenant
 * named `acme/sub` would live inside `acme`'s prefix (`tenants/acme/*` matches
 * `tenants/acme/sub/x`), and characters such as `*`, `?`, `$`, `#` or upper case invite other
 * confusions in ARNs, keys and comparisons. Lower-case letters, digits and hyphens cannot.
 */

/** The pattern as a string, for JSON schemas and messages. */
export const TENANT_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';

/** What the rule allows, in words: for config errors and docs. */
export const TENANT_ID_RULE = '1-63 lower-case letters, digits or hyphens, starting with a letter or digit';

const TENANT_ID = new RegExp(TENANT_ID_PATTERN);

/** Whether `value` is a tenant id this deployment accepts. */
export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID.test(value);
}
