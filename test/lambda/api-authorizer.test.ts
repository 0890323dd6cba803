import { isTenantId } from '../../lambda/contract';
import { EventEmitter } from 'node:events';
import type * as HttpsModule from 'node:https';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type * as JwtHttpsModule from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import fc from 'fast-check';
import {
  authorize,
  bearerToken,
  createVerifier,
  JWKS_DOWNLOAD_MAX_MS,
  JWKS_FETCH_OPTIONS,
  Unauthorized,
  type TenantVerifier,
} from '../../lambda/api/authorizer/authorize';
import { decide, parseAuthorizerRules, toPolicy } from '../../lambda/api/authorizer/decide';
import type { AuthorizerRules } from '../../lambda/contract';
import {
  accessClaims,
  idClaims,
  ISSUER,
  jwksBody,
  OTHER_CLIENT_ID,
  POOL_ID,
  signJwt,
  SUB,
  testKey,
  WEB_CLIENT_ID,
} from '../helpers/jwt';
import { context, fixture, loadHandler, spyOnLogs, type AsyncHandler } from '../helpers/lambda';

type Event = APIGatewayRequestAuthorizerEvent;
type Handler = AsyncHandler<Event, APIGatewayAuthorizerResult>;

const TENANT_ROUTE = 'GET /tenants/{tenantId}/documents';
const RULES: AuthorizerRules = {
  scopesByRoute: { [TENANT_ROUTE]: ['api/read'] },
  allowedGroups: ['admins', 'editors', 'readers'],
  tenantParameter: 'tenantId',
  machineRoutes: [],
};
const MACHINE_CLIENT_ID = '3example45machine67client89';
/** The claims of a client-credentials token of a machine client, as Cognito issues it (sub = client id, no user). */
const machineClaims = (overrides: Record<string, unknown> = {}) =>
  accessClaims({
    sub: MACHINE_CLIENT_ID,
    client_id: MACHINE_CLIENT_ID,
    username: undefined,
    'cognito:groups': undefined,
    origin_jti: undefined,
    auth_time: undefined,
    scope: 'api/read',
    department: undefined,
    ...overrides,
  });
const MACHINE_RULES: AuthorizerRules = { ...RULES, machineRoutes: [TENANT_ROUTE] };
/** The request facts of the tenant route for `tenant`. */
const tenantRequest = (pathParameters: Record<string, string> | null) => ({ route: TENANT_ROUTE, pathParameters });
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/v1/GET/tenants/acme/documents';

const key = testKey();
const otherKey = testKey('test-key-1'); // same kid, different key: a forged signature

/**
 * A JWKS cache that never touches the network: a download either fails or is answered from
 * memory with the test key's JWKS.
 */
const offlineJwksCache = (download: 'fail' | 'answer' = 'fail') =>
  new SimpleJwksCache({
    fetcher: {
      fetch: () =>
        download === 'fail'
          ? Promise.reject(new Error('network is disabled in tests'))
          : Promise.resolve(jwksBody(key.jwks)),
    },
  });

function offlineVerifier(
  clientIds: readonly string[] = [WEB_CLIENT_ID],
  download: 'fail' | 'answer' = 'fail',
): TenantVerifier {
  const verifier = createVerifier({ userPoolId: POOL_ID, clientIds }, offlineJwksCache(download));
  verifier.cacheJwks(key.jwks);
  return verifier;
}

function request(authorization: string | undefined, tenant = 'acme'): Event {
  const event = fixture<Event>('api.tenant-authorizer');
  const headers = event.headers as Record<string, string>;
  const multi = event.multiValueHeaders as Record<string, string[]>;
  if (authorization === undefined) {
    delete headers.Authorization;
    delete multi.Authorization;
  } else {
    headers.Authorization = authorization;
    multi.Authorization = [authorization];
  }
  event.pathParameters = { tenantId: tenant };
  event.methodArn = METHOD_ARN.replace('/acme/', `/${tenant}/`);
  return event;
}

const bearer = (claims: Record<string, unknown>, k = key, header?: Record<string, unknown>) =>
  `Bearer ${signJwt(claims, k, header)}`;

const run = (event: Event, verifier = offlineVerifier(), rules = RULES) => authorize(verifier, event, rules);

async function expectUnauthorized(event: Event, reason: RegExp | string, verifier?: TenantVerifier) {
  const error: unknown = await run(event, verifier).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Unauthorized);
  expect((error as Unauthorized).message).toBe('Unauthorized');
  expect((error as Unauthorized).reason).toMatch(reason);
}

describe('tenant authorizer: token checks (aws-jwt-verify, offline JWKS)', () => {
  it('allows a valid access token of the web client for its own tenant, on this method ARN only', async () => {
    const { decision, policy } = await run(request(bearer(accessClaims())));
    expect(decision.effect).toBe('Allow');
    expect(policy).toEqual({
      principalId: SUB,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: METHOD_ARN }],
      },
      context: {
        caller: 'user',
        sub: SUB,
        username: SUB,
        clientId: WEB_CLIENT_ID,
        tenantId: 'acme',
        groups: 'readers',
        scope: 'openid email api/read',
      },
    });
  });

  it('accepts a bare token and a lower-case "bearer" scheme, like the Cognito authorizer', async () => {
    const token = signJwt(accessClaims(), key);
    for (const header of [token, `bearer ${token}`]) {
      expect((await run(request(header))).decision.effect).toBe('Allow');
    }
  });

  it('accepts every client on the list', async () => {
    const verifier = offlineVerifier([WEB_CLIENT_ID, OTHER_CLIENT_ID]);
    const { decision } = await run(request(bearer(accessClaims({ client_id: OTHER_CLIENT_ID }))), verifier);
    expect(decision.effect).toBe('Allow');
  });

  it.each([
    [
      'an expired token',
      () => bearer(accessClaims({ exp: Math.floor(Date.now() / 1000) - 5 })),
      /token rejected: expired/,
    ],
    [
      'a token from another user pool (wrong issuer)',
      () => bearer(accessClaims({ iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_OTHERPOOL' })),
      /token rejected: wrong issuer/,
    ],
    [
      'a token of a client not on the list',
      () => bearer(accessClaims({ client_id: OTHER_CLIENT_ID })),
      /token rejected: wrong client/,
    ],
    ['an ID token where an access token is needed', () => bearer(idClaims()), /token rejected: wrong token_use/],
    [
      'a token that is not valid yet',
      () => bearer(accessClaims({ nbf: Math.floor(Date.now() / 1000) + 600 })),
      /token rejected: not yet valid/,
    ],
    ['a token without exp', () => bearer(accessClaims({ exp: undefined })), /token rejected: no exp/],
  ])('refuses %s with 401', async (_name, header, reason) => {
    await expectUnauthorized(request(header()), reason);
  });

  it('refuses a token whose payload was changed after signing (tampered signature)', async () => {
    const [h, , s] = signJwt(accessClaims(), key).split('.');
    const forged = Buffer.from(JSON.stringify(accessClaims({ tenant_id: 'globex' }))).toString('base64url');
    await expectUnauthorized(request(`Bearer ${h}.${forged}.${s}`, 'globex'), /token rejected: bad signature/);
  });

  it('refuses a token signed by another key that claims the same kid', async () => {
    await expectUnauthorized(request(bearer(accessClaims(), otherKey)), /token rejected: bad signature/);
  });

  it('refuses a token signed with a key id the JWKS does not have, even after a fresh download', async () => {
    await expectUnauthorized(
      request(bearer(accessClaims(), key, { alg: 'RS256', kid: 'unknown-key' })),
      /token rejected: unknown kid/,
      offlineVerifier([WEB_CLIENT_ID], 'answer'),
    );
  });

  it('refuses a token with an unknown key id when the JWKS cannot be downloaded', async () => {
    await expectUnauthorized(
      request(bearer(accessClaims(), key, { alg: 'RS256', kid: 'unknown-key' })),
      /token rejected/,
    );
  });

  it('refuses an HMAC-signed token (alg confusion)', async () => {
    await expectUnauthorized(
      request(bearer(accessClaims(), key, { alg: 'HS256', kid: key.kid })),
      /token rejected: unsupported alg/,
    );
  });

  it.each([
    ['with an empty signature', (t: string) => t.replace(/[^.]+$/, '')],
    ['with a signature', (t: string) => t],
  ])('refuses an unsigned token (alg: none) %s', async (_name, shape) => {
    const token = shape(signJwt(accessClaims(), key, { alg: 'none', kid: key.kid }));
    await expectUnauthorized(request(`Bearer ${token}`), /not a bearer JWT|token rejected: unsupported alg/);
  });

  it('refuses alg none even when handed to the verifier directly', async () => {
    const token = signJwt(accessClaims(), key, { alg: 'none', kid: key.kid });
    await expect(offlineVerifier().verify(token)).rejects.toThrow();
  });

  it.each([
    ['no Authorization header', undefined, /no Authorization header/],
    ['an empty header', '', /no Authorization header/],
    ['another scheme', 'Basic YWxpY2U6c2VjcmV0', /not a bearer JWT/],
    ['"Bearer" without a token', 'Bearer', /not a bearer JWT/],
    ['two parts', 'Bearer abc.def', /not a bearer JWT/],
    ['a token followed by junk', `Bearer a.b.c extra`, /not a bearer JWT/],
    ['non-base64url characters', 'Bearer a.b$.c', /not a bearer JWT/],
    ['a huge header', `Bearer ${'a'.repeat(9000)}.b.c`, /too long/],
    ['base64url parts that are not JSON', 'Bearer aaaa.bbbb.cccc', /token rejected: malformed/],
  ])('refuses %s with 401 before any verification', async (_name, header, reason) => {
    await expectUnauthorized(request(header), reason);
  });

  it('refuses a request that carries two Authorization headers', async () => {
    const event = request(bearer(accessClaims()));
    (event.multiValueHeaders as Record<string, string[]>).Authorization = [bearer(accessClaims()), 'Bearer x.y.z'];
    await expectUnauthorized(event, /several Authorization headers/);
  });

  it('refuses an event whose methodArn is not an execute-api method ARN', async () => {
    const event = request(bearer(accessClaims()));
    event.methodArn = '*';
    await expectUnauthorized(event, /methodArn/);
  });

  it('builds no verifier without a client list (an empty list would disable the client check)', () => {
    expect(() => createVerifier({ userPoolId: POOL_ID, clientIds: [] })).toThrow(/at least one app client/);
  });
});

describe('tenant authorizer: decisions on valid tokens (403 Deny)', () => {
  it.each([
    ['a token without tenant_id (missing tenant)', accessClaims({ tenant_id: undefined }), 'acme', 'no tenant claim'],
    ['another tenant in the path', accessClaims(), 'globex', 'other tenant'],
    ['a tenant that differs only in case', accessClaims(), 'ACME', 'other tenant'],
    ['a malformed tenant claim', accessClaims({ tenant_id: 'acme/../globex' }), 'acme/../globex', 'no tenant claim'],
    [
      'a tenant claim with upper case (not a tenant id)',
      accessClaims({ tenant_id: 'Acme' }),
      'Acme',
      'no tenant claim',
    ],
    [
      'a tenant claim with a dot (not a tenant id)',
      accessClaims({ tenant_id: 'acme.sub' }),
      'acme.sub',
      'no tenant claim',
    ],
    [
      'a tenant claim with an underscore (not a tenant id)',
      accessClaims({ tenant_id: 'acme_sub' }),
      'acme_sub',
      'no tenant claim',
    ],
    ['a token without the read scope', accessClaims({ scope: 'openid email' }), 'acme', 'missing scope'],
    ['a user in no allowed group', accessClaims({ 'cognito:groups': ['guests'] }), 'acme', 'not in an allowed group'],
    ['a user in no group at all', accessClaims({ 'cognito:groups': undefined }), 'acme', 'not in an allowed group'],
    [
      'a client-credentials token (no user)',
      accessClaims({ username: undefined, 'cognito:groups': undefined }),
      'acme',
      'not a user token',
    ],
  ])('denies %s', async (_name, claims, tenant, reason) => {
    const { decision, policy } = await run(request(bearer(claims), tenant));
    expect(decision).toEqual({ effect: 'Deny', principalId: SUB, reason });
    expect(policy.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: METHOD_ARN.replace('/acme/', `/${tenant}/`) },
    ]);
    expect(policy.context).toBeUndefined();
  });

  it('admits nobody when no group is allowed (no group sets tenantRoutes)', () => {
    for (const groups of [undefined, [], ['readers']]) {
      const decision = decide(accessClaims({ 'cognito:groups': groups }), tenantRequest({ tenantId: 'acme' }), {
        ...RULES,
        allowedGroups: [],
      });
      expect(decision).toMatchObject({ effect: 'Deny', reason: 'not in an allowed group' });
    }
  });

  it("requires each route's own scopes and denies a route it does not know", () => {
    const rules: AuthorizerRules = {
      ...RULES,
      scopesByRoute: { ...RULES.scopesByRoute, 'GET /tenants/{tenantId}/audit': ['api/audit'] },
    };
    const claims = accessClaims({ scope: 'openid api/read' });
    const path = { tenantId: 'acme' };
    expect(decide(claims, tenantRequest(path), rules).effect).toBe('Allow');
    expect(decide(claims, { route: 'GET /tenants/{tenantId}/audit', pathParameters: path }, rules)).toMatchObject({
      effect: 'Deny',
      reason: 'missing scope',
    });
    for (const route of ['GET /tenants/{tenantId}/other', 'PUT /tenants/{tenantId}/documents', '__proto__']) {
      expect(decide(claims, { route, pathParameters: path }, rules)).toMatchObject({
        effect: 'Deny',
        reason: 'unknown route',
      });
    }
  });

  it('never allows a path without the tenant parameter', () => {
    expect(decide(accessClaims(), tenantRequest(null), RULES).effect).toBe('Deny');
    expect(decide(accessClaims(), tenantRequest({}), RULES).effect).toBe('Deny');
  });

  it('allows exactly when the path tenant equals a claim that is a tenant id (property)', () => {
    const tenant = fc.oneof(
      fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/),
      fc.stringMatching(/^[A-Za-z0-9._/-]{1,64}$/),
    );
    fc.assert(
      fc.property(tenant, fc.oneof(tenant, fc.string()), (claimTenant, pathTenant) => {
        const decision = decide(
          accessClaims({ tenant_id: claimTenant }),
          tenantRequest({ tenantId: pathTenant }),
          RULES,
        );
        expect(decision.effect).toBe(claimTenant === pathTenant && isTenantId(claimTenant) ? 'Allow' : 'Deny');
      }),
      { numRuns: 500 },
    );
  });

  it('scopes every policy, Allow or Deny, to the one method ARN it was asked about (property)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.stringMatching(/^[a-z0-9]{1,20}$/), (allow, tenant) => {
        const arn = `arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/v1/GET/tenants/${tenant}/documents`;
        const decision = decide(
          accessClaims({ tenant_id: tenant }),
          tenantRequest({ tenantId: allow ? tenant : `${tenant}x` }),
          RULES,
        );
        const policy = toPolicy(decision, arn);
        expect(policy.policyDocument.Statement).toEqual([
          { Action: 'execute-api:Invoke', Effect: allow ? 'Allow' : 'Deny', Resource: arn },
        ]);
        expect(JSON.stringify(policy)).not.toContain('*');
      }),
      { numRuns: 200 },
    );
  });
});

describe('tenant authorizer: machine callers (client-credentials tokens of configured machine clients)', () => {
  const machine = (claims: Record<string, unknown>, tenant = 'acme', rules = MACHINE_RULES) =>
    decide(claims, tenantRequest({ tenantId: tenant }), rules, [MACHINE_CLIENT_ID]);

  it("allows a machine token for its own tenant on a route that accepts machines, like a user's tenant", () => {
    expect(machine(machineClaims())).toEqual({
      effect: 'Allow',
      principalId: MACHINE_CLIENT_ID,
      context: {
        caller: 'machine',
        sub: MACHINE_CLIENT_ID,
        username: MACHINE_CLIENT_ID,
        clientId: MACHINE_CLIENT_ID,
        tenantId: 'acme',
        groups: '',
        scope: 'api/read',
      },
    });
  });

  it.each([
    [
      'on a route that does not accept machines',
      machineClaims(),
      'acme',
      RULES,
      'route does not accept machine callers',
    ],
    ['without a tenant claim', machineClaims({ tenant_id: undefined }), 'acme', MACHINE_RULES, 'no tenant claim'],
    [
      'with a tenant claim that is no tenant id',
      machineClaims({ tenant_id: 'Acme' }),
      'Acme',
      MACHINE_RULES,
      'no tenant claim',
    ],
    ['for another tenant', machineClaims(), 'globex', MACHINE_RULES, 'other tenant'],
    ['without the route scope', machineClaims({ scope: 'api/write' }), 'acme', MACHINE_RULES, 'missing scope'],
    [
      'of a client that is not a configured machine client',
      machineClaims({ client_id: OTHER_CLIENT_ID }),
      'acme',
      MACHINE_RULES,
      'not a user token',
    ],
  ])('denies a machine token %s', (_name, claims, tenant, rules, reason) => {
    expect(machine(claims, tenant, rules)).toMatchObject({ effect: 'Deny', reason });
  });

  it('never treats a user token as a machine, nor lets a user skip the group check on a machine route', () => {
    const decision = decide(
      accessClaims({ 'cognito:groups': ['guests'] }),
      tenantRequest({ tenantId: 'acme' }),
      MACHINE_RULES,
      [MACHINE_CLIENT_ID],
    );
    expect(decision).toMatchObject({ effect: 'Deny', reason: 'not in an allowed group' });
  });

  // Property: a machine token is allowed exactly on machine routes, for the tenant in its token.
  it('allows a machine exactly on a machine route and its own tenant (property)', () => {
    const tenant = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}$/);
    fc.assert(
      fc.property(tenant, tenant, fc.boolean(), (claimTenant, pathTenant, accepted) => {
        const decision = machine(
          machineClaims({ tenant_id: claimTenant }),
          pathTenant,
          accepted ? MACHINE_RULES : RULES,
        );
        expect(decision.effect).toBe(accepted && claimTenant === pathTenant ? 'Allow' : 'Deny');
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseAuthorizerRules', () => {
  it.each([
    [null],
    [{}],
    [{ scopesByRoute: { 'GET /t/{tenantId}': [] }, allowedGroups: [], tenantParameter: 'tenantId' }],
    [{ scopesByRoute: ['api/read'], allowedGroups: [], tenantParameter: 'tenantId' }],
    [{ requiredScopes: ['api/read'], allowedGroups: [], tenantParameter: 'tenantId' }],
    [{ scopesByRoute: { 'GET /t/{tenantId}': ['api/read'] }, allowedGroups: 'admins', tenantParameter: 'tenantId' }],
    [{ scopesByRoute: { 'GET /t/{tenantId}': ['api/read'] }, allowedGroups: [], tenantParameter: '' }],
    [{ scopesByRoute: { 'GET /t/{tenantId}': ['api/read'] }, allowedGroups: [], tenantParameter: 'tenantId' }],
  ])('refuses %j', (value) => {
    expect(() => parseAuthorizerRules(value)).toThrow('AUTHORIZER_RULES');
  });
});

describe('bearerToken', () => {
  it('finds the header whatever its case', () => {
    const token = signJwt(accessClaims(), key);
    expect(bearerToken({ headers: { authorization: `Bearer ${token}` }, multiValueHeaders: null })).toBe(token);
  });
});

describe('tenant authorizer handler (Lambda entry point)', () => {
  const ENV = {
    USER_POOL_ID: POOL_ID,
    CLIENT_IDS: WEB_CLIENT_ID,
    AUTHORIZER_RULES: JSON.stringify(RULES),
  };
  type JwtHttps = typeof JwtHttpsModule;

  /** Loads the handler with the JWKS download answered from memory (or failing). */
  function load(download: 'ok' | 'fail' = 'ok', env: Record<string, string> = ENV) {
    const { handler, prepared } = loadHandler<Handler, jest.SpyInstance>('api/authorizer/handler', env, (req) => {
      const https = req('aws-jwt-verify/https') as JwtHttps;
      return jest
        .spyOn(https, 'fetch')
        .mockImplementation(() =>
          download === 'ok' ? Promise.resolve(jwksBody(key.jwks)) : Promise.reject(new Error('connect ETIMEDOUT')),
        );
    });
    return { handler, fetch: prepared };
  }

  let logs: ReturnType<typeof spyOnLogs>;
  beforeEach(() => {
    logs = spyOnLogs();
  });
  afterEach(() => logs.restore());

  it('downloads the JWKS of the pool at cold start (hydrate), before the first request', () => {
    const { fetch } = load();
    expect(fetch).toHaveBeenCalledWith(`${ISSUER}/.well-known/jwks.json`, expect.anything(), undefined);
  });

  it('returns an Allow policy for a valid token and its tenant', async () => {
    const { handler } = load();
    const policy = await handler(request(bearer(accessClaims())), context, () => undefined);
    expect(policy.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow', Resource: METHOD_ARN });
  });

  it('accepts a signed token of a machine client in MACHINE_CLIENT_IDS on a machine route, and no other', async () => {
    const env = { ...ENV, MACHINE_CLIENT_IDS: MACHINE_CLIENT_ID, AUTHORIZER_RULES: JSON.stringify(MACHINE_RULES) };
    const { handler } = load('ok', env);
    const allowed = await handler(request(bearer(machineClaims())), context, () => undefined);
    expect(allowed.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
    expect(allowed.context).toMatchObject({ caller: 'machine', tenantId: 'acme' });
    // Without MACHINE_CLIENT_IDS the machine client is not even an accepted client: 401.
    const { handler: usersOnly } = load('ok', { ...ENV, AUTHORIZER_RULES: JSON.stringify(MACHINE_RULES) });
    await expect(usersOnly(request(bearer(machineClaims())), context, () => undefined)).rejects.toThrow('Unauthorized');
  });

  it('returns a Deny policy for another tenant', async () => {
    const { handler } = load();
    const policy = await handler(request(bearer(accessClaims()), 'globex'), context, () => undefined);
    expect(policy.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect(logs.text()).toContain('other tenant');
  });

  it.each([
    ['an invalid token', () => request(bearer(accessClaims(), otherKey))],
    ['no token', () => request(undefined)],
    ['a malformed event', () => ({}) as Event],
    ['no event at all', () => null as unknown as Event],
  ])('fails closed with exactly "Unauthorized" on %s', async (_name, event) => {
    const { handler } = load();
    await expect(handler(event(), context, () => undefined)).rejects.toThrow(new Error('Unauthorized'));
  });

  it('fails closed when the JWKS cannot be downloaded, and logs why without the token', async () => {
    const { handler, fetch } = load('fail');
    const header = bearer(accessClaims());
    await expect(handler(request(header), context, () => undefined)).rejects.toThrow(new Error('Unauthorized'));
    expect(fetch).toHaveBeenCalled();
    expect(logs.text()).toContain('authorizer.jwksPrefetchFailed');
    expect(logs.text()).not.toContain('ETIMEDOUT');
    expect(logs.text()).not.toContain(header.slice(7));
  });

  it('does not download again in the request that waited for the cold-start download (unknown kid)', async () => {
    const { handler, fetch } = load();
    const unknownKid = () => request(bearer(accessClaims(), key, { alg: 'RS256', kid: 'rotated-key' }));
    const coldStartCalls = fetch.mock.calls.length;
    expect(coldStartCalls).toBe(2); // the regional and the global issuer URL, in parallel
    await expect(handler(unknownKid(), context, () => undefined)).rejects.toThrow(new Error('Unauthorized'));
    expect(fetch).toHaveBeenCalledTimes(coldStartCalls);
    expect(logs.text()).toContain('JWKS not downloaded again in this request');
    // A later request may download once (a key rotation shows up this way).
    await expect(handler(unknownKid(), context, () => undefined)).rejects.toThrow(new Error('Unauthorized'));
    expect(fetch).toHaveBeenCalledTimes(coldStartCalls + 1);
  });

  it('never logs the token, its signature or the event', async () => {
    const { handler } = load();
    const token = signJwt(accessClaims(), key);
    const event = request(`Bearer ${token}`);
    await handler(event, context, () => undefined);
    await handler(request(`Bearer ${token}`, 'globex'), context, () => undefined);
    await handler(request(bearer(accessClaims(), otherKey)), context, () => undefined).catch(() => undefined);
    const text = logs.text();
    expect(text).not.toContain(token.split('.')[2]);
    expect(text).not.toContain(token.split('.')[1]);
    expect(text).not.toContain(JSON.stringify(event));
    expect(text).not.toContain('alice@example.com');
  });

  it.each([
    ['USER_POOL_ID', { ...ENV, USER_POOL_ID: '' }, 'Missing environment variable USER_POOL_ID'],
    ['CLIENT_IDS', { ...ENV, CLIENT_IDS: '' }, 'at least one app client'],
    ['AUTHORIZER_RULES', { ...ENV, AUTHORIZER_RULES: '{"scopesByRoute":{}}' }, 'AUTHORIZER_RULES'],
  ])('refuses to start without a valid %s', (_name, env, message) => {
    expect(() => load('ok', env)).toThrow(message);
  });
});

describe('tenant authorizer handler: JWKS endpoint unreachable (fake timers)', () => {
  const ENV = { USER_POOL_ID: POOL_ID, CLIENT_IDS: WEB_CLIENT_ID, AUTHORIZER_RULES: JSON.stringify(RULES) };
  /** The function timeout of the authorizer (ReferenceFunction default; test/api-stack.test.ts checks it). */
  const FUNCTION_TIMEOUT_MS = 5000;

  let logs: ReturnType<typeof spyOnLogs>;
  let requests: jest.SpyInstance | undefined;
  beforeEach(() => {
    logs = spyOnLogs();
    jest.useFakeTimers();
  });
  afterEach(() => {
    requests?.mockRestore();
    jest.useRealTimers();
    logs.restore();
  });

  /**
   * Loads the handler with every HTTPS request left hanging (no answer, no error: a black-holed
   * endpoint), so only aws-jwt-verify's own response timeout and retry end a download. Counts the
   * HTTPS attempts.
   */
  function loadUnreachable() {
    const { handler, prepared } = loadHandler<Handler, jest.SpyInstance>('api/authorizer/handler', ENV, (req) => {
      const https = req('https') as typeof HttpsModule;
      return jest.spyOn(https, 'request').mockImplementation(() => {
        const hanging = Object.assign(new EventEmitter(), { end: () => undefined, destroy: () => undefined });
        return hanging as unknown as ReturnType<typeof HttpsModule.request>;
      });
    });
    requests = prepared;
    return { handler, requests: prepared };
  }

  /** Runs one request on fake time; resolves with how long it took and how it ended. */
  async function timed(handler: Handler) {
    const start = Date.now();
    let outcome: unknown;
    let end: number | undefined;
    void handler(request(bearer(accessClaims())), context, () => undefined).then(
      (policy) => ((outcome = policy), (end = Date.now())),
      (error: unknown) => ((outcome = error), (end = Date.now())),
    );
    while (end === undefined && Date.now() - start < 3 * FUNCTION_TIMEOUT_MS) await jest.advanceTimersByTimeAsync(10);
    return { ms: (end ?? Infinity) - start, outcome };
  }

  it('limits every JWKS attempt to 1 s, so one download (two attempts) takes at most 2 s', () => {
    expect(JWKS_FETCH_OPTIONS.responseTimeout).toBeLessThanOrEqual(1000);
    expect(JWKS_DOWNLOAD_MAX_MS).toBe(2 * JWKS_FETCH_OPTIONS.responseTimeout);
    expect(JWKS_DOWNLOAD_MAX_MS).toBeLessThanOrEqual(FUNCTION_TIMEOUT_MS / 2);
  });

  it('answers 401 on a cold start within one download time, with no download after the failed prefetch', async () => {
    const { handler, requests } = loadUnreachable();
    // The cold start starts both issuer URLs at once.
    expect(requests).toHaveBeenCalledTimes(2);
    const { ms, outcome } = await timed(handler);
    expect(outcome).toEqual(new Error('Unauthorized'));
    expect(ms).toBeLessThanOrEqual(JWKS_DOWNLOAD_MAX_MS);
    // Two URLs x (attempt + one retry), all during the prefetch; none after it.
    expect(requests).toHaveBeenCalledTimes(4);
    expect(logs.text()).toContain('authorizer.jwksPrefetchFailed');
    expect(logs.text()).toContain('JWKS not downloaded again in this request');
  });

  it('answers 401 on the next request within one download time too (one on-demand download)', async () => {
    const { handler, requests } = loadUnreachable();
    await timed(handler);
    const before = requests.mock.calls.length;
    const { ms, outcome } = await timed(handler);
    expect(outcome).toEqual(new Error('Unauthorized'));
    expect(ms).toBeLessThanOrEqual(JWKS_DOWNLOAD_MAX_MS);
    expect(requests.mock.calls.length - before).toBe(2); // the token's issuer URL: attempt + retry
    expect(logs.text()).toContain('token rejected: JWKS unavailable');
  });
});
