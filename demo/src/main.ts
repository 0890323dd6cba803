import type { User, UserManager } from 'oidc-client-ts';
import { callRoute, plannedCalls } from './api';
import { completePopupSignIn, createUserManager, decodePayload, refresh, signOut } from './auth';
import type { DemoConfig } from './config';
import { identityPoolCredentials } from './identity';
import { button, claimList, el, section, showError } from './view';

/** The claims the page shows: who the user is, their tenant, groups and scopes. */
const ID_CLAIMS = ['sub', 'email', 'cognito:username', 'cognito:groups', 'custom:tenant_id', 'token_use', 'aud', 'iss'];
const ACCESS_CLAIMS = ['sub', 'username', 'client_id', 'token_use', 'scope', 'cognito:groups', 'tenant_id', 'exp'];

async function loadConfig(): Promise<DemoConfig> {
  const response = await fetch('/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`/config.json: HTTP ${response.status}`);
  return (await response.json()) as DemoConfig;
}

function header(config: DemoConfig): HTMLElement {
  return el(
    'p',
    { 'data-testid': 'stage' },
    'Stage ',
    el('strong', {}, config.stage),
    ' in ',
    el('strong', {}, config.region),
    ` · login ${new URL(config.loginDomainUrl).host} · API ${new URL(config.apiUrl).host}`,
  );
}

function signedOut(main: HTMLElement, manager: UserManager): void {
  main.replaceChildren(
    section(
      'Signed out',
      'signed-out',
      el(
        'p',
        {},
        'Sign in through managed login (authorization code + PKCE, in a popup). Tokens stay in this page’s memory: a reload signs you out.',
      ),
      button('Sign in', 'sign-in', async () => {
        const user = await manager.signinPopup();
        signedIn(main, manager, user);
      }),
    ),
  );
}

function tokenSections(user: User): HTMLElement[] {
  return [
    section('ID token', 'id-token', claimList(decodePayload(user.id_token ?? ''), ID_CLAIMS, 'id-claims')),
    section(
      'Access token',
      'access-token',
      claimList(decodePayload(user.access_token), ACCESS_CLAIMS, 'access-claims'),
    ),
  ];
}

function signedIn(main: HTMLElement, manager: UserManager, signedInUser: User): void {
  const config = current.config;
  let user = signedInUser;
  const idClaims = decodePayload(user.id_token ?? '');
  const tenantClaim = decodePayload(user.access_token)[config.tenantClaim];
  const tenant = typeof tenantClaim === 'string' ? tenantClaim : undefined;
  const name =
    [idClaims['cognito:username'], idClaims.email, user.profile.sub].find((v) => typeof v === 'string') ?? '';

  const refreshOutput = el('p', { 'data-testid': 'refresh-result' });
  const tokens = el('div', {}, ...tokenSections(user));
  const apiRows = el('tbody');
  main.replaceChildren(
    section(
      'Signed in',
      'signed-in',
      el('p', {}, 'Signed in as ', el('strong', { 'data-testid': 'username' }, name)),
      el(
        'div',
        { class: 'actions' },
        button('Refresh tokens', 'refresh', async () => {
          const result = await refresh(manager, user);
          user = result.user;
          tokens.replaceChildren(...tokenSections(user));
          refreshOutput.textContent =
            `New access token: ${result.accessTokenChanged ? 'yes' : 'no'}. ` +
            `Refresh token ${result.refreshTokenRotated ? 'rotated (a new one replaced it)' : 'unchanged (no rotation)'}.`;
        }),
        button('Sign out', 'sign-out', () => signOut(manager, config, location.origin)),
      ),
      refreshOutput,
    ),
    tokens,
    ...(config.identityPoolId ? [identitySection(config, config.identityPoolId, () => user)] : []),
    section(
      'API',
      'api',
      el('p', {}, 'Each route called with the access token; the tenant routes also with another tenant in the path.'),
      button('Call every route', 'call-api', async () => {
        apiRows.replaceChildren();
        for (const call of plannedCalls(config, tenant)) {
          const row = el('tr', { 'data-route': call.route.route, 'data-expectation': call.expectation });
          apiRows.append(row);
          const answer = await callRoute(config, call, user.access_token);
          row.append(
            el('td', {}, `${call.method} ${call.path}`),
            el('td', {}, call.route.scope),
            el('td', { 'data-testid': 'status' }, String(answer.status)),
            el('td', { 'data-testid': 'verdict', class: answer.verdict }, answer.verdict),
            el('td', { class: 'body' }, answer.body),
          );
        }
      }),
      el(
        'table',
        {},
        el('thead', {}, el('tr', {}, ...['Request', 'Needs', 'Status', 'Answer', 'Body'].map((h) => el('th', {}, h)))),
        apiRows,
      ),
    ),
  );
}

function identitySection(config: DemoConfig, identityPoolId: string, currentUser: () => User): HTMLElement {
  const output = el('div', { 'data-testid': 'identity-result' });
  return section(
    'Identity pool',
    'identity',
    el('p', {}, `Exchange the ID token for temporary AWS credentials of identity pool ${identityPoolId}.`),
    button('Get AWS credentials', 'get-credentials', async () => {
      const credentials = await identityPoolCredentials(config, identityPoolId, currentUser().id_token ?? '');
      output.replaceChildren(
        claimList(
          {
            'identity id': credentials.identityId,
            'access key id': credentials.accessKeyId,
            expires: credentials.expiration,
            'role (cognito:preferred_role)': credentials.preferredRole,
            'cognito:roles': credentials.roles,
          },
          ['identity id', 'access key id', 'expires', 'role (cognito:preferred_role)', 'cognito:roles'],
          'identity-claims',
        ),
      );
    }),
    output,
  );
}

const current = { config: undefined as unknown as DemoConfig };

async function start(): Promise<void> {
  const config = await loadConfig();
  current.config = config;
  if (location.pathname === '/callback') {
    await completePopupSignIn(config, location.origin);
    return;
  }
  document.getElementById('stage')?.replaceWith(header(config));
  const main = document.getElementById('app');
  if (!main) return;
  signedOut(main, createUserManager(config, location.origin));
}

start().catch(showError);
