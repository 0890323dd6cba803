/**
 * `npm run test:browser`: the demo page (demo/) in Debian's Chromium, driven by playwright-core,
 * against a local OpenID provider shaped like the dev stage's user pool (openid-provider.mts) and
 * the project's own API handlers and tenant authorizer behind a local gateway (local-api.mts),
 * with DynamoDB from dynalite. Offline: nothing leaves loopback. Takes the README's screenshot
 * (docs/demo-client.png).
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TENANT_PATH_PARAMETER, type AuthorizerRules, type ScopeRules } from '../../lambda/contract.js';
import { parseStageConfig } from '../../lib/config/load.js';
import { scopesByGroup, tenantRouteGroups } from '../../lib/config/sections/groups.js';
import { ROUTES, routeScopes, tenantAuthorizerRoutes } from '../../lib/constructs/api-routes.js';
import type { DemoConfig } from '../../demo/src/config.js';
import { buildClient, bundleSize, serveDemo, type DemoServer } from '../../scripts/demo/server.js';
import { demoRoutes } from '../../scripts/demo/stage-config.js';
import { fixtureStages } from '../fixtures/config/index.js';
import { startLocalDynamoDb, type LocalDynamoDb } from '../helpers/dynalite.js';
import { startLocalApi, type LocalApi } from './local-api.mjs';
import { startOpenIdProvider, type LocalProvider, type LocalUser } from './openid-provider.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Keeps Chromium off the network: without these it calls Google services at every start. */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ROOT = join(import.meta.dirname, '..', '..');
// The README's screenshot is rewritten only when asked (`npm run test:browser -- --update-screenshot`),
// so an ordinary run leaves the working tree clean.
const SCREENSHOT = process.argv.includes('--update-screenshot')
  ? join(ROOT, 'docs', 'demo-client.png')
  : join(tmpdir(), 'demo-client.png');

// The frozen fixture copy of the shipped dev config: the test signs in an `editors` member of
// tenant acme and expects fixed answers, which a fork's renamed groups or scopes must not break.
const config = parseStageConfig(fixtureStages.dev!, 'test/fixtures/config/dev.ts');
const REGION = 'eu-west-1';
const USER_POOL_ID = `${REGION}_LocalDemo`;
const ISSUER = `https://cognito-idp.${REGION}.amazonaws.com/${USER_POOL_ID}`;
const CLIENT_ID = 'localdemowebclient0123456';
const TABLE = 'local-protected-data';

/** An editor of tenant acme: may read and write, may not administer, may not see another tenant. */
const EDITOR: LocalUser = {
  username: 'ada',
  sub: '0a1b2c3d-0000-4000-8000-00000000ada1',
  email: 'ada@example.com',
  groups: ['editors'],
  attributes: { tenant_id: 'acme' },
};

let db: LocalDynamoDb;
let provider: LocalProvider;
let api: LocalApi;
let demo: DemoServer;
let browser: Browser;
let page: Page;
const cspViolations: string[] = [];
const tokenResponses: Record<string, unknown>[] = [];

/** The next answer of the token endpoint to the page (code exchange or refresh), kept in tokenResponses. */
async function nextTokenResponse(): Promise<Record<string, unknown>> {
  const response = await page.waitForResponse(
    (r) => r.url() === `${provider.url}/oauth2/token` && r.request().method() === 'POST',
  );
  const body = (await response.json()) as Record<string, unknown>;
  tokenResponses.push(body);
  return body;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, 'localhost', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

before(async () => {
  const started = Date.now();
  const scopeRules: ScopeRules = {
    resourceServer: config.resourceServer.identifier,
    byGroup: scopesByGroup(config),
    everyone: config.triggers.preTokenGeneration.everyoneScopes,
    claims: config.userPool.authorizationAttributes,
  };
  const tenantRules: AuthorizerRules = {
    ...tenantAuthorizerRoutes(ROUTES, config),
    allowedGroups: tenantRouteGroups(config),
    tenantParameter: TENANT_PATH_PARAMETER,
  };

  db = await startLocalDynamoDb();
  await db.createTable(TABLE, 'pk', 'sk');
  const pageOrigin = `http://localhost:${await freePort()}`;
  provider = await startOpenIdProvider({
    issuer: ISSUER,
    clientId: CLIENT_ID,
    pageOrigin,
    users: [EDITOR],
    scopeRules,
    oidcScopes: config.webClient.oidcScopes,
    rotateRefreshTokens: config.refreshTokenRotation.enabled,
  });
  api = await startLocalApi({
    userPoolId: USER_POOL_ID,
    clientIds: [CLIENT_ID],
    jwks: provider.jwks,
    routes: ROUTES,
    scopes: routeScopes(ROUTES, config),
    tenantRules,
    allowedOrigins: [pageOrigin],
    env: { ...db.env, TABLE_NAME: TABLE },
  });
  const pageConfig: DemoConfig = {
    stage: config.stage,
    region: REGION,
    issuer: ISSUER,
    loginDomainUrl: provider.url,
    webClientId: CLIENT_ID,
    scopes: config.webClient.oidcScopes.join(' '),
    apiUrl: api.url,
    routes: demoRoutes(config),
    tenantParameter: TENANT_PATH_PARAMETER,
    tenantClaim: 'tenant_id',
  };
  const bundle = await buildClient(join(ROOT, 'demo'));
  const size = bundleSize(bundle);
  console.log(
    `# script up front: ${size.initial.raw} bytes (${size.initial.gzip} gzip); all: ${size.all.raw} (${size.all.gzip})`,
  );
  demo = await serveDemo(pageConfig, bundle, { host: 'localhost', port: Number(new URL(pageOrigin).port) });

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, chromiumSandbox: false });
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  context.setDefaultTimeout(15_000);
  // Offline, and fast: anything but loopback fails at once (oidc-provider's development pages
  // import a web font, which would otherwise wait on the closed network).
  await context.route(
    (url) => url.hostname !== 'localhost',
    (route) => route.abort('internetdisconnected'),
  );
  page = await context.newPage();
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  console.log(`# set-up: ${Date.now() - started} ms`);
});

after(async () => {
  await browser?.close();
  await demo?.close();
  await api?.close();
  await provider?.close();
  await db?.stop();
});

const claim = (list: string, name: string) =>
  page.locator(`[data-testid="${list}"] [data-claim="${name}"]`).textContent();

void test('the page names its stage and region and is served with a strict CSP', async () => {
  const response = await page.goto(`${demo.origin}/`);
  const csp = response?.headers()['content-security-policy'] ?? '';
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.match(csp, new RegExp(`connect-src 'self' ${provider.url} ${new URL(api.url).origin}(;|$)`));
  await page.getByTestId('stage').waitFor();
  assert.match((await page.getByTestId('stage').textContent()) ?? '', new RegExp(`Stage ${config.stage} in ${REGION}`));
});

void test('sign-in with code + PKCE in a popup; tokens only in memory; claims shown', async () => {
  const exchanged = nextTokenResponse();
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('sign-in').click()]);
  // oidc-provider's development login form: the login is the account id (the user's sub).
  await popup.locator('input[name="login"]').fill(EDITOR.sub);
  await popup.locator('input[name="password"]').fill('any password');
  await popup.locator('button[type="submit"]').click();
  await page.getByTestId('signed-in').waitFor();

  assert.ok((await exchanged).refresh_token, 'the code exchange returned a refresh token');
  assert.equal(await claim('id-claims', 'token_use'), 'id');
  assert.equal(await claim('id-claims', 'cognito:groups'), 'editors');
  assert.equal(await claim('id-claims', 'custom:tenant_id'), 'acme');
  assert.equal(await claim('access-claims', 'token_use'), 'access');
  assert.equal(await claim('access-claims', 'tenant_id'), 'acme');
  assert.equal(await claim('access-claims', 'client_id'), CLIENT_ID);
  const scope = ((await claim('access-claims', 'scope')) ?? '').split(' ');
  assert.ok(scope.includes('api/read') && scope.includes('api/write'), `editor scopes: ${scope.join(' ')}`);
  assert.ok(!scope.includes('api/admin'), 'an editor gets no admin scope');

  // Strings run in the page (this file is compiled without the DOM types).
  const stored = await page.evaluate(
    '({ local: localStorage.length, session: sessionStorage.length, cookies: document.cookie })',
  );
  assert.deepEqual(stored, { local: 0, session: 0, cookies: '' }, 'nothing kept in web storage or cookies');
});

void test('each API route answers: allowed for the own data, denied for admin and another tenant', async () => {
  await page.getByTestId('call-api').click();
  const rows = page.locator('[data-testid="api"] tbody tr');
  const expected = ROUTES.length + ROUTES.filter((r) => r.route.includes(`{${TENANT_PATH_PARAMETER}}`)).length;
  // The rows fill in one by one; wait for the last answer.
  await page
    .locator('[data-testid="api"] tbody td[data-testid="verdict"]')
    .nth(expected - 1)
    .waitFor();
  const answers: Record<string, [string, string]> = {};
  const bodies: Record<string, string> = {};
  for (const row of await rows.all()) {
    const key = `${await row.getAttribute('data-route')} (${await row.getAttribute('data-expectation')})`;
    answers[key] = [
      (await row.getByTestId('status').textContent())!,
      (await row.getByTestId('verdict').textContent())!,
    ];
    bodies[key] = (await row.locator('td.body').textContent())!;
  }
  assert.deepEqual(answers, {
    'PUT /documents/{id} (own)': ['200', 'allowed'],
    'GET /me (own)': ['200', 'allowed'],
    'GET /documents/{id} (own)': ['200', 'allowed'],
    'GET /tenants/{tenantId}/documents (own)': ['200', 'allowed'],
    'GET /tenants/{tenantId}/documents (other tenant)': ['403', 'denied'],
    'GET /admin/users (own)': ['401', 'denied'],
  });
  // The tenant authorizer's Deny (the handler would refuse too, with its own message).
  assert.match(bodies['GET /tenants/{tenantId}/documents (other tenant)']!, /explicit deny/);
  assert.match(bodies['GET /me (own)']!, /"tenantId":"acme"/);
});

void test('refresh uses the refresh token and says whether it rotated', async () => {
  const before = await claim('access-claims', 'exp');
  const refreshedResponse = nextTokenResponse();
  await page.getByTestId('refresh').click();
  await page.getByTestId('refresh-result').filter({ hasText: 'New access token' }).waitFor();
  const text = (await page.getByTestId('refresh-result').textContent()) ?? '';
  const refreshed = await refreshedResponse;
  const rotated =
    typeof refreshed.refresh_token === 'string' && refreshed.refresh_token !== tokenResponses[0]!.refresh_token;
  assert.match(text, /New access token: yes/);
  // The shipped web client rotates refresh tokens when the stage says so; the page must say so too.
  assert.equal(rotated, config.refreshTokenRotation.enabled, 'the refresh token rotated as the config says');
  assert.match(text, rotated ? /rotated/ : /unchanged/);
  assert.ok((await claim('access-claims', 'exp')) !== undefined && before !== null);
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});

void test('sign-out revokes the refresh token, then ends the managed-login session', async () => {
  const refreshToken = String(tokenResponses.at(-1)!.refresh_token ?? tokenResponses[0]!.refresh_token);
  await page.getByTestId('sign-out').click();
  await page.waitForURL(`${provider.url}/logout**`, { waitUntil: 'commit' });
  // Checked before the provider's logout, which would end the grant (and its tokens) by itself.
  const reuse = await fetch(`${provider.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID }),
  });
  assert.equal(reuse.status, 400, 'the revoked refresh token no longer works');
  assert.equal(((await reuse.json()) as { error?: string }).error, 'invalid_grant');

  const logout = new URL(page.url());
  assert.equal(logout.searchParams.get('client_id'), CLIENT_ID);
  assert.equal(logout.searchParams.get('logout_uri'), `${demo.origin}/`, "Cognito's parameter");
  assert.equal(logout.searchParams.get('post_logout_redirect_uri'), `${demo.origin}/`, "OpenID's parameter");
  await page.locator('button[name="logout"]').click();
  await page.waitForURL(`${demo.origin}/**`);
  await page.getByTestId('signed-out').waitFor();
});

void test('no Content-Security-Policy violation on the way', () => {
  assert.deepEqual(cspViolations, []);
});
