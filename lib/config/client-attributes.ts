/**
 * User attributes (as ID-token claim names) that an app client lets a signed-in user change.
 *
 * One source of truth for two readers: the app clients (lib/constructs/app-clients.ts) grant
 * exactly these WriteAttributes, and the config schema refuses any identity-pool role rule or
 * principal tag built on one of them, because a user could then pick their own IAM role or tag.
 * test/auth-stack.test.ts ("clients write exactly the attributes of ...") proves that the
 * synthesized clients write nothing else.
 */

/** Standard attributes a user may change through the public web clients. */
export const WEB_CLIENT_WRITABLE_ATTRIBUTES = ['email', 'given_name', 'family_name', 'name', 'locale'] as const;

/** Standard attributes the machine client may write (no user signs in through it). */
export const MACHINE_CLIENT_WRITABLE_ATTRIBUTES = ['email'] as const;

/**
 * Writable by the web clients only when a federated identity provider maps it: Cognito then needs
 * the client to hold write access. Refused for authorization either way, since turning on
 * federation must not silently make a role rule user-controlled.
 */
export const IDP_MAPPED_WRITABLE_ATTRIBUTES = ['email_verified'] as const;

export type ClientWritableAttribute =
  | (typeof WEB_CLIENT_WRITABLE_ATTRIBUTES)[number]
  | (typeof MACHINE_CLIENT_WRITABLE_ATTRIBUTES)[number]
  | (typeof IDP_MAPPED_WRITABLE_ATTRIBUTES)[number];

/** Every attribute any app client can write, in any configuration. */
export const CLIENT_WRITABLE_ATTRIBUTES: ReadonlySet<string> = new Set<ClientWritableAttribute>([
  ...WEB_CLIENT_WRITABLE_ATTRIBUTES,
  ...MACHINE_CLIENT_WRITABLE_ATTRIBUTES,
  ...IDP_MAPPED_WRITABLE_ATTRIBUTES,
]);
