import { InMemoryWebStorage, UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { pageUrls, type DemoConfig } from './config';
import type { Session } from './session';

/**
 * Sign-in with managed login: authorization code + PKCE through oidc-client-ts. Tokens and the
 * sign-in state (PKCE verifier, nonce) live in memory only, never in localStorage or
 * sessionStorage, so a script injected into another tab or a later page load cannot read them.
 * The price: a reload signs the user out. Because a redirect would unload the page and its memory,
 * sign-in runs in a popup; the popup lands on /callback and hands the code back to this page,
 * which exchanges it.
 */
export function createUserManager(config: DemoConfig, origin: string): UserManager {
  const domain = config.loginDomainUrl.replace(/\/+$/, '');
  const { redirectUri, postLogoutRedirectUri } = pageUrls(origin);
  return new UserManager({
    authority: config.issuer,
    client_id: config.webClientId,
    redirect_uri: redirectUri,
    popup_redirect_uri: redirectUri,
    post_logout_redirect_uri: postLogoutRedirectUri,
    response_type: 'code',
    scope: config.scopes,
    // Cognito's endpoints, given here so the page needs no discovery request (and the CSP lists
    // only the login domain). Cognito's /logout is not an OIDC end-session endpoint: it wants
    // client_id and logout_uri, which signOut() adds.
    metadata: {
      issuer: config.issuer,
      authorization_endpoint: `${domain}/oauth2/authorize`,
      token_endpoint: `${domain}/oauth2/token`,
      userinfo_endpoint: `${domain}/oauth2/userInfo`,
      revocation_endpoint: `${domain}/oauth2/revoke`,
      end_session_endpoint: `${domain}/logout`,
    },
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    loadUserInfo: false,
    automaticSilentRenew: false,
    monitorSession: false,
    filterProtocolClaims: false,
  });
}

/** On /callback in the sign-in popup: hands the response to the page that opened it. */
export async function completePopupSignIn(config: DemoConfig, origin: string): Promise<void> {
  await createUserManager(config, origin).signinPopupCallback();
}

/** The managed-login sign-in as a page session: refresh with the refresh token, sign-out. */
export function managedLoginSession(manager: UserManager, config: DemoConfig, origin: string, user: User): Session {
  return {
    method: 'managed login (authorization code + PKCE)',
    idToken: user.id_token ?? '',
    accessToken: user.access_token,
    // grant_type=refresh_token at the token endpoint (oidc-client-ts uses the refresh token when it has one).
    refresh: async () => {
      const renewed = await manager.signinSilent();
      if (!renewed) throw new Error('the token endpoint returned no tokens');
      return {
        session: managedLoginSession(manager, config, origin, renewed),
        refreshTokenRotated: renewed.refresh_token !== user.refresh_token,
        accessTokenChanged: renewed.access_token !== user.access_token,
      };
    },
    signOut: () => signOut(manager, config, origin),
  };
}

/**
 * Sign-out: revokes the refresh token at /oauth2/revoke (Cognito then also refuses the access and
 * ID tokens issued from it), forgets the tokens, and ends the managed-login session at /logout.
 */
export async function signOut(manager: UserManager, config: DemoConfig, origin: string): Promise<void> {
  const user = await manager.getUser();
  if (user?.refresh_token) await revokeRefreshToken(config, user.refresh_token);
  await manager.removeUser();
  // Without an id_token_hint, oidc-client-ts sends client_id and post_logout_redirect_uri (what an
  // OpenID provider reads); Cognito reads client_id and logout_uri.
  await manager.signoutRedirect({ extraQueryParams: { logout_uri: pageUrls(origin).postLogoutRedirectUri } });
}

/**
 * RFC 7009 revocation by a public client. Written out rather than oidc-client-ts's revokeTokens,
 * which refuses a success answer whose (empty) body is not labelled JSON.
 */
export async function revokeRefreshToken(config: DemoConfig, refreshToken: string): Promise<void> {
  const response = await fetch(`${config.loginDomainUrl.replace(/\/+$/, '')}/oauth2/revoke`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token', client_id: config.webClientId }),
  });
  if (!response.ok) throw new Error(`revoking the refresh token failed: HTTP ${response.status}`);
}

/** The payload of a JWT, for display only: the API verifies tokens, the page never trusts them. */
export function decodePayload(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1];
  if (!part) return {};
  const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const json = new TextDecoder().decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
  const payload: unknown = JSON.parse(json);
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
}
