import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { ScopeRules } from '../../lambda/contract.js';
import { decideTokenClaims } from '../../lambda/triggers/pre-token-generation/claims.js';

/**
 * A local, standards-compliant OpenID provider (oidc-provider) that looks like a Cognito user
 * pool to the demo page and the API: Cognito's endpoint paths, its issuer format, and its claims.
 * ID tokens carry `cognito:username`, `cognito:groups`, `custom:<attribute>` and `token_use: id`;
 * access tokens are JWTs with `token_use: access`, `client_id`, `username`, `cognito:groups` (and an
 * `aud`, which oidc-provider insists on and Cognito does not set), and the scopes and claims the project's own pre token generation decision
 * (decideTokenClaims) gives the user's groups and attributes. Sign-in is oidc-provider's
 * development login form (the login is the user's sub, any password); consent is skipped, as managed login does for a pool's
 * own clients.
 */

export interface LocalUser {
  readonly username: string;
  readonly sub: string;
  readonly email: string;
  readonly groups: readonly string[];
  /** Custom attributes without the `custom:` prefix, e.g. `{ tenant_id: 'acme' }`. */
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ProviderOptions {
  /** The Cognito-format issuer the tokens carry: `https://cognito-idp.<region>.amazonaws.com/<pool id>`. */
  readonly issuer: string;
  readonly clientId: string;
  /** Origin of the page: its /callback and / are the registered redirect URIs; CORS allows it. */
  readonly pageOrigin: string;
  readonly users: readonly LocalUser[];
  readonly scopeRules: ScopeRules;
  readonly oidcScopes: readonly string[];
  /** As the app client's refresh-token rotation (config refreshTokenRotation.enabled). */
  readonly rotateRefreshTokens: boolean;
}

export interface LocalProvider {
  /** Where the endpoints are served (stands in for the managed login domain). */
  readonly url: string;
  /** The public signing key set, as Cognito publishes it at /.well-known/jwks.json. */
  readonly jwks: { keys: Record<string, unknown>[] };
  close(): Promise<void>;
}

/** The resource indicator of the API; Cognito has none, so it never appears in a token. */
const API_RESOURCE = 'urn:local:api';

export async function startOpenIdProvider(options: ProviderOptions): Promise<LocalProvider> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'local-signing-key';
  const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };
  const userBySub = (sub: string | undefined) => options.users.find((user) => user.sub === sub);
  const resourceScopes = Object.values(options.scopeRules.byGroup)
    .flat()
    .concat(options.scopeRules.everyone)
    .map((s) => `${options.scopeRules.resourceServer}/${s}`);

  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [`${options.pageOrigin}/callback`],
        post_logout_redirect_uris: [`${options.pageOrigin}/`],
      },
    ],
    jwks: { keys: [privateJwk] },
    routes: {
      authorization: '/oauth2/authorize',
      token: '/oauth2/token',
      userinfo: '/oauth2/userInfo',
      revocation: '/oauth2/revoke',
      end_session: '/logout',
      jwks: '/.well-known/jwks.json',
    },
    scopes: [...options.oidcScopes],
    claims: {
      openid: [
        'sub',
        'cognito:username',
        'cognito:groups',
        'token_use',
        ...options.scopeRules.claims.map((c) => `custom:${c}`),
      ],
      email: ['email', 'email_verified'],
      profile: [],
    },
    // Cognito puts the scope's claims in the ID token even when it also issues an access token.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: resourceScopes.join(' '),
          accessTokenFormat: 'jwt',
          // oidc-provider insists on an audience in JWT access tokens (Cognito's have none);
          // nothing here reads it.
          audience: API_RESOURCE,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    findAccount(_ctx, id) {
      const user = userBySub(id);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        claims: () => ({
          sub: user.sub,
          email: user.email,
          email_verified: true,
          'cognito:username': user.username,
          'cognito:groups': [...user.groups],
          token_use: 'id',
          ...Object.fromEntries(Object.entries(user.attributes).map(([k, v]) => [`custom:${k}`, v])),
        }),
      };
    },
    // Managed login asks no consent for the pool's own clients.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { provider, client, session, result } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId =
        (result?.consent as { grantId?: string } | undefined)?.grantId ?? session.grantIdFor(client.clientId);
      if (grantId) return provider.Grant.find(grantId);
      const grant = new provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(options.oidcScopes.join(' '));
      grant.addResourceScope(API_RESOURCE, resourceScopes.join(' '));
      await grant.save();
      return grant;
    },
    // Cognito issues a refresh token with every code exchange (no offline_access scope); on refresh
    // it returns a new one only when the app client rotates refresh tokens.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => options.rotateRefreshTokens,
    clientBasedCORS: (_ctx, origin) => origin === options.pageOrigin,
    formats: {
      customizers: {
        // The access token as Cognito shapes it after the pre token generation trigger.
        jwt(_ctx, token, jwt) {
          const user = 'accountId' in token ? userBySub(token.accountId) : undefined;
          if (!user) throw new Error('access token for an unknown user');
          const attributes = Object.fromEntries(Object.entries(user.attributes).map(([k, v]) => [`custom:${k}`, v]));
          // Cognito's access token lists the OpenID scopes the client asked for (the page asks for
          // all of oidcScopes) with the API scopes the trigger added.
          const requested = [...options.oidcScopes];
          const decision = decideTokenClaims(user.groups, attributes, requested, options.scopeRules);
          const payload = jwt.payload as Record<string, unknown>;
          Object.assign(payload, {
            token_use: 'access',
            username: user.username,
            'cognito:groups': [...user.groups],
            scope: [...requested, ...decision.scopesToAdd].join(' '),
            ...decision.accessTokenClaims,
          });
        },
      },
    },
    ttl: { AccessToken: 3600, IdToken: 3600, RefreshToken: 86400, Interaction: 600, Session: 3600, Grant: 86400 },
  };

  const provider = new Provider(options.issuer, configuration);
  // A 500 from the provider is a bug in this stand-in: show why.
  provider.on('server_error', (_ctx, error) => console.error('local OpenID provider:', error));
  const callback = provider.callback();
  const server: Server = createServer((request, response) => {
    void callback(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwks: { keys: [publicJwk] },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
