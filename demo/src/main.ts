import type { UserManager } from 'oidc-client-ts';
import { callRoute, otherTenant, plannedCalls } from './api';
import { completePopupSignIn, createUserManager, decodePayload, managedLoginSession } from './auth';
import type { DemoConfig } from './config';
import type { EmailCodeSignIn } from './email-code';
import type { Session } from './session';
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

function signedOut(main: HTMLElement, config: DemoConfig, manager: UserManager): void {
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
        signedIn(main, config, managedLoginSession(manager, config, location.origin, user), () =>
          signedOut(main, config, manager),
        );
      }),
    ),
    ...(config.passwordlessClientId
      ? [emailCodeSection(main, config, config.passwordlessClientId, () => signedOut(main, config, manager))]
      : []),
  );
}

/** The custom-challenge sign-in: email, then the code from the email. */
function emailCodeSection(main: HTMLElement, config: DemoConfig, clientId: string, onSignOut: () => void): HTMLElement {
  // The AWS SDK parts load on first use (esbuild splits them off), so signing in loads less.
  let started: EmailCodeSignIn | undefined;
  const flow = async () => (started ??= new (await import('./email-code')).EmailCodeSignIn(config.region, clientId));
  const email = el('input', { type: 'email', placeholder: 'email', autocomplete: 'email', 'data-testid': 'email' });
  const code = el('input', { inputmode: 'numeric', placeholder: 'code', autocomplete: 'one-time-code' });
  const status = el('p', { 'data-testid': 'email-code-status' });
  return section(
    'Email code (custom challenge)',
    'email-code',
    el(
      'p',
      {},
      'The project’s define / create / verify triggers, driven through the SDK with the passwordless client.',
    ),
    el(
      'div',
      { class: 'actions' },
      email,
      button('Email me a code', 'send-code', async () => {
        await (await flow()).start(email.value.trim());
        status.textContent = 'If that address can sign in, a code is on its way.';
      }),
      code,
      button('Sign in with the code', 'answer-code', async () => {
        const session = await (await flow()).answer(code.value.trim());
        if (session) signedIn(main, config, session, onSignOut);
        else status.textContent = 'Wrong code; try again (attempts are limited).';
      }),
    ),
    status,
  );
}

function tokenSections(session: Session): HTMLElement[] {
  return [
    section('ID token', 'id-token', claimList(decodePayload(session.idToken), ID_CLAIMS, 'id-claims')),
    section(
      'Access token',
      'access-token',
      claimList(decodePayload(session.accessToken), ACCESS_CLAIMS, 'access-claims'),
    ),
  ];
}

function signedIn(main: HTMLElement, config: DemoConfig, signedInSession: Session, onSignOut: () => void): void {
  let session = signedInSession;
  const idClaims = decodePayload(session.idToken);
  const tenantClaim = decodePayload(session.accessToken)[config.tenantClaim];
  const tenant = typeof tenantClaim === 'string' ? tenantClaim : undefined;
  const name = [idClaims['cognito:username'], idClaims.email, idClaims.sub].find((v) => typeof v === 'string') ?? '';

  const refreshOutput = el('p', { 'data-testid': 'refresh-result' });
  const tokens = el('div', {}, ...tokenSections(session));
  const apiRows = el('tbody');
  main.replaceChildren(
    section(
      'Signed in',
      'signed-in',
      el('p', {}, 'Signed in as ', el('strong', { 'data-testid': 'username' }, name), ` with ${session.method}`),
      el(
        'div',
        { class: 'actions' },
        button('Refresh tokens', 'refresh', async () => {
          const result = await session.refresh();
          session = result.session;
          tokens.replaceChildren(...tokenSections(session));
          refreshOutput.textContent =
            `New access token: ${result.accessTokenChanged ? 'yes' : 'no'}. ` +
            `Refresh token ${result.refreshTokenRotated ? 'rotated (a new one replaced it)' : 'unchanged (no rotation)'}.`;
        }),
        button('Sign out', 'sign-out', async () => {
          await session.signOut();
          onSignOut();
        }),
        ...(session.signOutEverywhere
          ? [
              button('Sign out everywhere', 'global-sign-out', async () => {
                await session.signOutEverywhere?.();
                onSignOut();
              }),
            ]
          : []),
      ),
      refreshOutput,
    ),
    tokens,
    ...(config.identityPoolId ? [identitySection(config, config.identityPoolId, () => session)] : []),
    section(
      'API',
      'api',
      el('p', {}, 'Each route called with the access token; the tenant routes also with another tenant in the path.'),
      button('Call every route', 'call-api', async () => {
        apiRows.replaceChildren();
        for (const call of plannedCalls(config, tenant)) {
          const row = el('tr', { 'data-route': call.route.route, 'data-expectation': call.expectation });
          apiRows.append(row);
          const answer = await callRoute(config, call, session.accessToken);
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

function identitySection(config: DemoConfig, identityPoolId: string, current: () => Session): HTMLElement {
  const output = el('div', { 'data-testid': 'identity-result' });
  const storage = el('tbody');
  const names = ['identity id', 'access key id', 'expires', 'role (cognito:preferred_role)', 'cognito:roles'];
  return section(
    'Identity pool',
    'identity',
    el(
      'p',
      {},
      `Exchange the ID token for temporary AWS credentials of identity pool ${identityPoolId}` +
        (config.bucketName ? `, then read and write the data bucket with them.` : '.'),
    ),
    button('Get AWS credentials', 'get-credentials', async () => {
      const idToken = current().idToken;
      const { identityPoolCredentials } = await import('./identity');
      const result = await identityPoolCredentials(config, identityPoolId, idToken);
      const values = [result.identityId, result.accessKeyId, result.expiration, result.preferredRole, result.roles];
      output.replaceChildren(
        claimList(Object.fromEntries(names.map((n, i) => [n, values[i]])), names, 'identity-claims'),
      );
      if (!config.bucketName) return;
      const tenantClaim = decodePayload(idToken)['custom:tenant_id'];
      const tenant = typeof tenantClaim === 'string' ? tenantClaim : undefined;
      const { checkStorage } = await import('./storage');
      const checks = await checkStorage(
        config.region,
        config.bucketName,
        result.credentials,
        result.identityId,
        tenant,
        otherTenant(tenant),
      );
      storage.replaceChildren(
        ...checks.map((check) =>
          el(
            'tr',
            {},
            el('td', {}, `${check.action} ${check.key}`),
            el('td', {}, check.expectation),
            el('td', { class: check.outcome }, check.outcome),
            el('td', { class: 'body' }, check.detail),
          ),
        ),
      );
    }),
    output,
    ...(config.bucketName
      ? [
          el(
            'table',
            {},
            el('thead', {}, el('tr', {}, ...['S3 request', 'Whose', 'Answer', 'Detail'].map((h) => el('th', {}, h)))),
            storage,
          ),
        ]
      : []),
  );
}

async function start(): Promise<void> {
  const config = await loadConfig();
  if (location.pathname === '/callback') {
    // The sign-in popup's landing page: oidc-client-ts hands the response to the page that opened
    // it (postMessage, or a BroadcastChannel when a cross-origin page cut the opener link).
    await completePopupSignIn(config, location.origin);
    return;
  }
  document.getElementById('stage')?.replaceWith(header(config));
  const main = document.getElementById('app');
  if (main) signedOut(main, config, createUserManager(config, location.origin));
}

start().catch(showError);
