/**
 * What the demo page needs to know about the stage it talks to. scripts/demo.ts builds it from the
 * deployed stack outputs (the browser test from its local stand-ins) and serves it as
 * /config.json. Nothing in it is secret: every value is a public identifier or URL.
 */
export interface DemoConfig {
  readonly stage: string;
  readonly region: string;
  /** OIDC issuer of the user pool's tokens (stack output IssuerUrl). */
  readonly issuer: string;
  /** Base URL of managed login and the OAuth endpoints (stack output LoginDomainUrl). */
  readonly loginDomainUrl: string;
  /** Public web client (code + PKCE, no secret). */
  readonly webClientId: string;
  /** OpenID scopes the web client asks for; API scopes come from group membership. */
  readonly scopes: string;
  /** Base URL of the API stage, ending in `/`. */
  readonly apiUrl: string;
  /** Every route of the API with the full scope it requires and the authorizer in front of it. */
  readonly routes: readonly DemoRoute[];
  /** Path parameter that the tenant authorizer compares with the token's tenant. */
  readonly tenantParameter: string;
  /** Access-token claim that carries the tenant. */
  readonly tenantClaim: string;
  /** Identity pool that turns the ID token into AWS credentials; absent in the offline test. */
  readonly identityPoolId?: string;
  /** The protected data bucket (read and written with the identity-pool credentials). */
  readonly bucketName?: string;
  /** App client of the email-code custom challenge, when the stage enables it. */
  readonly passwordlessClientId?: string;
}

export interface DemoRoute {
  /** `<METHOD> <path>`, e.g. `GET /tenants/{tenantId}/documents`. */
  readonly route: string;
  readonly scope: string;
  readonly authorizer: 'cognito' | 'tenant';
}

/** The page's own URLs, registered as the web client's callback and sign-out URLs. */
export function pageUrls(origin: string): { redirectUri: string; postLogoutRedirectUri: string } {
  return { redirectUri: `${origin}/callback`, postLogoutRedirectUri: `${origin}/` };
}
