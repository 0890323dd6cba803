import { LEGACY_TABLE, OUTBOX_TABLE, PARTITION_KEY, S3_PREFIX, SORT_KEY } from '../../lambda/contract';
import { randomBytes, randomInt } from 'node:crypto';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  DeleteIdentitiesCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  type CognitoIdentityClient,
  type Credentials,
} from '@aws-sdk/client-cognito-identity';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  DescribeUserPoolClientCommand,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type AuthenticationResultType,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { keys } from '../../lambda/shared/data-keys';
import type { StageConfig } from '../../lib/config/schema';
import { readStageOutputs, requiredOutputs, requireOutput, STAGE_STACKS, type StageOutputs } from './outputs';
import { expectThat, SmokeFailure, type SmokeRun } from './runner';

/** The AWS clients and network access the smoke test uses; tests pass mocks. */
export interface SmokeDeps {
  readonly config: StageConfig;
  readonly region: string;
  readonly cloudFormation: Pick<CloudFormationClient, 'send'>;
  readonly cognitoIdp: Pick<CognitoIdentityProviderClient, 'send'>;
  readonly cognitoIdentity: Pick<CognitoIdentityClient, 'send'>;
  /** DynamoDB as the smoke test's own identity (outbox, legacy table, cleanup). */
  readonly dynamoDb: Pick<DynamoDBClient, 'send'>;
  /** S3 and DynamoDB as a test user, with identity-pool credentials. */
  readonly asIdentity: (credentials: Credentials) => {
    readonly s3: Pick<S3Client, 'send'>;
    readonly dynamoDb: Pick<DynamoDBClient, 'send'>;
  };
  readonly fetch: typeof fetch;
  /** Verifies a user-pool token (signature, issuer, expiry, token_use, client) and returns its claims. */
  readonly verifyToken: (
    token: string,
    expected: {
      readonly tokenUse: 'id' | 'access';
      readonly userPoolId: string;
      readonly clientIds: readonly string[];
    },
  ) => Promise<Record<string, unknown>>;
  /** Waits `ms` (tests resolve at once). */
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * Hashes the legacy test user's password as the legacy directory stores it (scrypt PHC). The
   * script uses the production cost (hashPassword's default, ~0.4 s); tests a cheaper one.
   */
  readonly hashPassword: (password: string) => Promise<string>;
}

/** A user the smoke test creates and deletes. */
interface TestUser {
  readonly label: string;
  readonly email: string;
  readonly tenant: string;
  readonly group: string;
  readonly password: string;
  tokens?: AuthenticationResultType;
  /** The app client that issued `tokens` (refreshes must name it). */
  clientId?: string;
  identityId?: string;
  credentials?: Credentials;
}

/**
 * Addresses of Amazon SES's mailbox simulator: SES accepts them even in the sandbox and without
 * verifying them, and a `+label` makes each user unique. Codes are read from the test outbox.
 * The dev deploy role may read and write outbox and legacy-table items of these addresses only
 * (SMOKE_TEST_ADDRESSES in lib/stacks/github-deploy-stack.ts; test/smoke.test.ts keeps them in step).
 */
function simulatorAddress(runId: string, label: string): string {
  return `success+${runId}-${label}@simulator.amazonses.com`;
}

/** A password that satisfies every password policy the config allows. */
export function strongPassword(): string {
  return `Sm0ke!${randomBytes(18).toString('base64url')}a1Z`;
}

/** The API scopes (resource-server scope names) the pre token trigger gives a member of `group`. */
function scopesOf(config: StageConfig, group: string): Set<string> {
  const own = config.groups.find((g) => g.name === group)?.scopes ?? [];
  return new Set([...config.triggers.preTokenGeneration.everyoneScopes, ...own]);
}

/** The scope (resource-server scope name) a route requires, from `api.routes`. */
function routeScope(config: StageConfig, route: string): string {
  const entry = config.api.routes[route];
  if (!entry) throw new SmokeFailure(`api.routes has no entry for "${route}", a route the smoke test calls`);
  return entry.scope;
}

/** The scopes of the routes alice calls (all but the admin route). */
const USER_ROUTES = [
  'GET /me',
  'GET /documents/{id}',
  'PUT /documents/{id}',
  'GET /tenants/{tenantId}/documents',
] as const;
const ADMIN_ROUTE = 'GET /admin/users';

/**
 * The test users' groups, chosen from the config. Both must write tenant data: alice her own
 * tenant's object (the allowed control), bob the object of his tenant that alice must not read.
 * Alice calls every user route (she has their scopes and the tenant routes admit her) but lacks
 * the admin route's scope, so the admin route must refuse her; bob has it, so it must let him in.
 */
export function pickTestGroups(config: StageConfig): { readonly alice: string; readonly bob: string } {
  const needed = USER_ROUTES.map((route) => routeScope(config, route));
  const admin = routeScope(config, ADMIN_ROUTE);
  const writers = config.groups.filter((g) => g.tenantAccess === 'write').map((g) => g.name);
  const alice = writers.find((name) => {
    const scopes = scopesOf(config, name);
    const group = config.groups.find((g) => g.name === name);
    return needed.every((scope) => scopes.has(scope)) && !scopes.has(admin) && group?.tenantRoutes === true;
  });
  const bob = writers.find((name) => name !== alice && scopesOf(config, name).has(admin));
  if (!alice || !bob) {
    throw new SmokeFailure(
      `the smoke test needs two groups with tenantAccess "write": one with the scopes of ${USER_ROUTES.join(', ')} (${[...new Set(needed)].map((n) => `"${n}"`).join(', ')}), without "${admin}", and tenantRoutes true; one with the "${admin}" scope; found ${alice ? `"${alice}"` : 'none'} and ${bob ? `"${bob}"` : 'none'}`,
    );
  }
  return { alice, bob };
}

/**
 * How the test users sign in: with an emailed code read from the test outbox; without one, with
 * their password when migration is on (it gives the web client USER_PASSWORD_AUTH); otherwise not
 * at all (SRP and managed login are not automated here).
 */
export function signInMethod(config: StageConfig): 'emailed code' | 'password' | undefined {
  const { enabled, testOutbox } = config.passwordless.customChallenge;
  if (enabled && testOutbox) return 'emailed code';
  return config.migration.enabled ? 'password' : undefined;
}

/**
 * The end-to-end check of a deployed stage. Each step is recorded; whatever it creates is
 * registered for cleanup first, so `run.cleanup()` undoes it even when a later step fails.
 * Only features the config turns off are skipped; a missing stack or output fails the run.
 */
export async function runSmoke(deps: SmokeDeps, run: SmokeRun): Promise<void> {
  const { config } = deps;
  const prefix = `${config.project}-${config.stage}`;
  const runId = `smoke${Date.now().toString(36)}${randomInt(1000, 9999)}`;

  const outputs = await run.step(
    'read stack outputs (CloudFormation DescribeStacks)',
    () => readStageOutputs(deps.cloudFormation, prefix, requiredOutputs(config)),
    (o) => `${Object.keys(o).length} outputs of ${STAGE_STACKS.map((s) => `${prefix}-${s}`).join(', ')}`,
  );
  if (!outputs) return;

  const poolId = requireOutput(outputs, 'UserPoolId');
  const users = await run.step(
    'create test users (AdminCreateUser, permanent password, group)',
    async () => {
      const groups = pickTestGroups(config);
      const alice = testUser(runId, 'alice', 'acme', groups.alice);
      const bob = testUser(runId, 'bob', 'globex', groups.bob);
      for (const user of [alice, bob]) await createUser(deps, run, poolId, user);
      return [alice, bob] as const;
    },
    (created) => created.map((u) => `${u.label}: tenant ${u.tenant}, ${u.group}`).join('; '),
  );
  if (!users) return;
  const [alice, bob] = users;

  await signIn(deps, run, outputs, users);
  await signInWithMigration(deps, run, outputs, poolId, runId);
  if (!alice.tokens && !bob.tokens) {
    // The sign-in steps above failed, so the run fails; nothing below can run without a token.
    run.skip('tokens, API, identity pool, row-level security', 'no test user signed in');
    return;
  }
  for (const user of users) await checkTokens(deps, run, outputs, poolId, user);
  await callApi(deps, run, outputs, alice, bob);
  await exchangeForCredentials(deps, run, outputs, poolId, users);
  await checkRowLevelSecurity(deps, run, outputs, runId, alice, bob);
  await callApiAsMachine(deps, run, outputs, poolId);
  // Last: it waits out the grace period.
  await checkRefreshTokenRotation(deps, run, alice.tokens ? alice : bob);
}

/** The tenant route the smoke test calls as a machine, when its api.routes entry accepts machines. */
const MACHINE_ROUTE = 'GET /tenants/{tenantId}/documents';

/**
 * A machine client end to end: its client-credentials token (token endpoint, secret read with
 * DescribeUserPoolClient) carries the configured tenant, which the pre token trigger (V3) put
 * there; the tenant route accepts it for that tenant and denies another tenant, and a route that
 * does not accept machines denies it.
 */
async function callApiAsMachine(deps: SmokeDeps, run: SmokeRun, outputs: StageOutputs, userPoolId: string) {
  const name = 'machine client: its token carries the configured tenant; the API treats it like that tenant';
  const entry = deps.config.machineClients.find((m) => m.enabled);
  const route = deps.config.api.routes[MACHINE_ROUTE];
  if (!entry) return run.skip(name, 'no enabled machine client in this stage');
  if (!route?.machines) return run.skip(name, `${MACHINE_ROUTE} does not accept machine callers in this stage`);
  const domain = outputs.LoginDomainUrl;
  if (!domain) return run.skip(name, 'no login domain (domain.remove): no token endpoint');
  await run.step(
    name,
    async () => {
      const ids = JSON.parse(requireOutput(outputs, 'MachineClientIds')) as Record<string, string>;
      const clientId = ids[entry.name];
      if (!clientId) throw new SmokeFailure(`MachineClientIds has no client "${entry.name}"`);
      const { UserPoolClient } = await deps.cognitoIdp.send(
        new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }),
      );
      const secret = UserPoolClient?.ClientSecret;
      if (!secret) throw new SmokeFailure(`machine client "${entry.name}" has no secret`);
      const scope = `${deps.config.resourceServer.identifier}/${route.scope}`;
      const tokenResponse = await deps.fetch(new URL('/oauth2/token', domain), {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
      });
      expectThat(tokenResponse.status === 200, `token endpoint answered HTTP ${tokenResponse.status}`);
      const token = ((await tokenResponse.json()) as { access_token?: string }).access_token ?? '';
      const claims = await deps.verifyToken(token, { tokenUse: 'access', userPoolId, clientIds: [clientId] });
      expectThat(
        claims.tenant_id === entry.tenant,
        `machine token tenant_id is ${JSON.stringify(claims.tenant_id)}, expected "${entry.tenant}"`,
      );
      const base = requireOutput(outputs, 'ApiUrl');
      const call = (path: string) =>
        deps
          .fetch(new URL(path, base.endsWith('/') ? base : `${base}/`), {
            method: 'GET',
            headers: { Authorization: `Bearer ${token}` },
          })
          .then((r) => r.status);
      const other = entry.tenant === 'acme' ? 'globex' : 'acme';
      const own = await call(`tenants/${entry.tenant}/documents`);
      expectThat(own === 200, `GET /tenants/${entry.tenant}/documents as the machine gave HTTP ${own}`);
      const foreign = await call(`tenants/${other}/documents`);
      expectThat(foreign === 403, `GET /tenants/${other}/documents as the machine gave HTTP ${foreign}`);
      if (!deps.config.api.routes['GET /me']?.machines) {
        const me = await call('me');
        expectThat(me === 403, `GET /me (no machines) as the machine gave HTTP ${me}`);
      }
      return entry;
    },
    (m) => `${m.name}: tenant ${m.tenant} in the token; own tenant 200, other tenant 403, user-only route 403`,
  );
}

/** Extra wait after the grace period before the replaced refresh token must be refused. */
export const ROTATION_CHECK_MARGIN_MS = 5000;

/**
 * Refresh-token rotation on the client the user signed in through: GetTokensFromRefreshToken
 * returns a new refresh token, the new one works, REFRESH_TOKEN_AUTH is refused on a rotating
 * client, and the replaced token is refused once the retry grace period is over.
 */
async function checkRefreshTokenRotation(deps: SmokeDeps, run: SmokeRun, user: TestUser): Promise<void> {
  const name =
    'refresh-token rotation: a refresh returns a new refresh token; the replaced one is refused after the grace period';
  const { enabled, retryGracePeriodSeconds } = deps.config.refreshTokenRotation;
  if (!enabled) {
    run.skip(name, 'refreshTokenRotation.enabled is false in this stage');
    return;
  }
  const original = user.tokens?.RefreshToken;
  const clientId = user.clientId;
  if (!original || !clientId) {
    run.skip(name, `${user.label} has no refresh token`);
    return;
  }
  const refresh = (token: string) =>
    deps.cognitoIdp.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: token }));
  // The error name, or 'accepted'; a client that throws synchronously counts the same.
  const outcome = (request: () => Promise<unknown>) =>
    Promise.resolve()
      .then(request)
      .then(
        () => 'accepted',
        (error: Error) => error.name,
      );
  await run.step(
    name,
    async () => {
      const first = await refresh(original);
      const replacement = first.AuthenticationResult?.RefreshToken;
      expectThat(first.AuthenticationResult?.AccessToken, 'GetTokensFromRefreshToken gave no access token');
      expectThat(
        replacement && replacement !== original,
        'GetTokensFromRefreshToken gave no new refresh token: rotation is not on for this client',
      );
      const second = await refresh(replacement);
      expectThat(second.AuthenticationResult?.AccessToken, 'the new refresh token was refused');
      const legacy = await outcome(() =>
        deps.cognitoIdp.send(
          new InitiateAuthCommand({
            ClientId: clientId,
            AuthFlow: 'REFRESH_TOKEN_AUTH',
            AuthParameters: { REFRESH_TOKEN: second.AuthenticationResult?.RefreshToken ?? replacement },
          }),
        ),
      );
      expectThat(legacy !== 'accepted', 'REFRESH_TOKEN_AUTH was accepted on a rotating client');
      await deps.sleep(retryGracePeriodSeconds * 1000 + ROTATION_CHECK_MARGIN_MS);
      const reuse = await outcome(() => refresh(original));
      expectThat(
        reuse === 'NotAuthorizedException',
        `the replaced refresh token gave ${reuse} ${retryGracePeriodSeconds} s after its replacement`,
      );
    },
    () =>
      `new refresh token works, REFRESH_TOKEN_AUTH refused, replaced token refused after ${retryGracePeriodSeconds} s + ${ROTATION_CHECK_MARGIN_MS / 1000} s`,
  );
}

function testUser(runId: string, label: string, tenant: string, group: string): TestUser {
  return { label, email: simulatorAddress(runId, label), tenant, group, password: strongPassword() };
}

async function createUser(deps: SmokeDeps, run: SmokeRun, poolId: string, user: TestUser): Promise<void> {
  await deps.cognitoIdp.send(
    new AdminCreateUserCommand({
      UserPoolId: poolId,
      Username: user.email,
      MessageAction: 'SUPPRESS',
      TemporaryPassword: strongPassword(),
      UserAttributes: [
        { Name: 'email', Value: user.email },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'custom:tenant_id', Value: user.tenant },
      ],
    }),
  );
  run.onCleanup(`delete user ${user.label}`, () =>
    deps.cognitoIdp.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: user.email })),
  );
  await deps.cognitoIdp.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: poolId,
      Username: user.email,
      Password: user.password,
      Permanent: true,
    }),
  );
  await deps.cognitoIdp.send(
    new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: user.email, GroupName: user.group }),
  );
}

/** The newest code the create-auth-challenge trigger stored for `email`, polled briefly. */
async function readOutboxCode(deps: SmokeDeps, table: string, email: string, after?: string): Promise<string> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const { Item } = await deps.dynamoDb.send(
      new GetItemCommand({
        TableName: table,
        Key: { [OUTBOX_TABLE.partitionKey]: { S: email.toLowerCase() } },
        ConsistentRead: true,
      }),
    );
    const code = Item?.[OUTBOX_TABLE.code]?.S;
    if (code && code !== after) return code;
    await deps.sleep(500);
  }
  throw new SmokeFailure('no sign-in code reached the test outbox');
}

async function signIn(deps: SmokeDeps, run: SmokeRun, outputs: StageOutputs, users: readonly TestUser[]) {
  const method = signInMethod(deps.config);
  if (method === undefined) {
    // Nothing after sign-in could be checked: fail instead of passing with almost every step skipped.
    await run.step('sign in the test users', () =>
      Promise.reject(
        new SmokeFailure(
          'no sign-in the smoke test can automate: passwordless.customChallenge with testOutbox and migration are both off',
        ),
      ),
    );
    return;
  }
  if (method === 'password') {
    run.skip(
      'sign in with an emailed code (custom auth)',
      'no passwordless test outbox in this stage; the test users sign in with their password',
    );
  }
  for (const user of users) {
    if (method === 'emailed code') await signInWithCode(deps, run, outputs, user);
    else await signInWithPassword(deps, run, outputs, user);
  }
}

async function signInWithCode(deps: SmokeDeps, run: SmokeRun, outputs: StageOutputs, user: TestUser): Promise<void> {
  const clientId = requireOutput(outputs, 'PasswordlessClientId');
  const outbox = requireOutput(outputs, 'TestOutboxTableName');
  await run.step(
    `sign in with an emailed code (custom auth): ${user.label}, one wrong answer first`,
    async () => {
      const start = await deps.cognitoIdp.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'CUSTOM_AUTH',
          AuthParameters: { USERNAME: user.email },
        }),
      );
      expectThat(start.ChallengeName === 'CUSTOM_CHALLENGE', `expected CUSTOM_CHALLENGE, got ${start.ChallengeName}`);
      const code = await readOutboxCode(deps, outbox, user.email);
      const wrong = await deps.cognitoIdp.send(
        new RespondToAuthChallengeCommand({
          ClientId: clientId,
          ChallengeName: 'CUSTOM_CHALLENGE',
          Session: start.Session,
          ChallengeResponses: { USERNAME: user.email, ANSWER: wrongCode(code) },
        }),
      );
      expectThat(!wrong.AuthenticationResult, 'a wrong code signed the user in');
      expectThat(wrong.ChallengeName === 'CUSTOM_CHALLENGE', 'a wrong code did not lead to another attempt');
      const done = await deps.cognitoIdp.send(
        new RespondToAuthChallengeCommand({
          ClientId: clientId,
          ChallengeName: 'CUSTOM_CHALLENGE',
          Session: wrong.Session,
          ChallengeResponses: { USERNAME: user.email, ANSWER: code },
        }),
      );
      expectThat(done.AuthenticationResult?.AccessToken, 'the right code gave no tokens');
      user.tokens = done.AuthenticationResult;
      user.clientId = clientId;
      return user;
    },
    () => 'wrong code refused, right code gave tokens',
  );
}

async function signInWithPassword(
  deps: SmokeDeps,
  run: SmokeRun,
  outputs: StageOutputs,
  user: TestUser,
): Promise<void> {
  const clientId = requireOutput(outputs, 'WebClientId');
  await run.step(`sign in with a password (USER_PASSWORD_AUTH, web client): ${user.label}`, async () => {
    const done = await deps.cognitoIdp.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: user.email, PASSWORD: user.password },
      }),
    );
    expectThat(done.AuthenticationResult?.AccessToken, `no tokens (challenge ${done.ChallengeName})`);
    user.tokens = done.AuthenticationResult;
    user.clientId = clientId;
  });
}

function wrongCode(code: string): string {
  const last = Number(code.at(-1));
  return `${code.slice(0, -1)}${(last + 1) % 10}`;
}

async function signInWithMigration(
  deps: SmokeDeps,
  run: SmokeRun,
  outputs: StageOutputs,
  poolId: string,
  runId: string,
): Promise<void> {
  if (!deps.config.migration.enabled) {
    run.skip('sign in with a password (user migration)', 'migration is off in this stage');
    return;
  }
  const table = requireOutput(outputs, 'LegacyUsersTableName');
  await run.step(
    'sign in with a password: a legacy user migrates on first sign-in (USER_PASSWORD_AUTH)',
    async () => {
      const email = simulatorAddress(runId, 'legacy');
      const password = strongPassword();
      await deps.dynamoDb.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            [LEGACY_TABLE.partitionKey]: { S: email },
            [LEGACY_TABLE.fields.email]: { S: email },
            [LEGACY_TABLE.fields.emailVerified]: { BOOL: true },
            [LEGACY_TABLE.fields.passwordHash]: { S: await deps.hashPassword(password) },
            [LEGACY_TABLE.fields.tenantId]: { S: 'acme' },
          },
        }),
      );
      run.onCleanup('delete the legacy user record', () =>
        deps.dynamoDb.send(
          new DeleteItemCommand({ TableName: table, Key: { [LEGACY_TABLE.partitionKey]: { S: email } } }),
        ),
      );
      run.onCleanup('delete the migrated user', () =>
        deps.cognitoIdp.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: email })),
      );
      const clientId = requireOutput(outputs, 'WebClientId');
      const wrong = await deps.cognitoIdp
        .send(
          new InitiateAuthCommand({
            ClientId: clientId,
            AuthFlow: 'USER_PASSWORD_AUTH',
            AuthParameters: { USERNAME: email, PASSWORD: `${password}x` },
          }),
        )
        .then(
          () => 'signed in',
          (error: Error) => error.name,
        );
      expectThat(wrong === 'NotAuthorizedException', `a wrong legacy password gave ${wrong}`);
      const done = await deps.cognitoIdp.send(
        new InitiateAuthCommand({
          ClientId: clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: email, PASSWORD: password },
        }),
      );
      expectThat(done.AuthenticationResult?.AccessToken, `migration gave no tokens (challenge ${done.ChallengeName})`);
    },
    () => 'wrong password refused, right password migrated the user',
  );
}

async function checkTokens(
  deps: SmokeDeps,
  run: SmokeRun,
  outputs: StageOutputs,
  userPoolId: string,
  user: TestUser,
): Promise<void> {
  const name = `token claims and scopes (verified with aws-jwt-verify): ${user.label}`;
  if (!user.tokens) {
    run.skip(name, `${user.label} did not sign in`);
    return;
  }
  const tokens = user.tokens;
  const clientIds = userClientIds(outputs);
  const identifier = deps.config.resourceServer.identifier;
  const admin = routeScope(deps.config, ADMIN_ROUTE);
  await run.step(
    name,
    async () => {
      const id = await deps.verifyToken(tokens.IdToken ?? '', { tokenUse: 'id', userPoolId, clientIds });
      const access = await deps.verifyToken(tokens.AccessToken ?? '', { tokenUse: 'access', userPoolId, clientIds });
      const groups = (id['cognito:groups'] as string[] | undefined) ?? [];
      expectThat(groups.includes(user.group), `ID token groups ${JSON.stringify(groups)} lack ${user.group}`);
      expectThat(id['custom:tenant_id'] === user.tenant, 'ID token lacks custom:tenant_id');
      expectThat(access.tenant_id === user.tenant, 'access token lacks the tenant_id claim (pre token generation)');
      const scopes = typeof access.scope === 'string' ? access.scope.split(' ') : [];
      const expected = scopesOf(deps.config, user.group);
      for (const scope of expected)
        expectThat(scopes.includes(`${identifier}/${scope}`), `access token lacks ${identifier}/${scope}`);
      expectThat(
        !scopes.includes(`${identifier}/${admin}`) || expected.has(admin),
        'access token carries an admin scope',
      );
      return scopes;
    },
    (scopes) => `scopes: ${scopes.join(' ')}`,
  );
}

function userClientIds(outputs: StageOutputs): string[] {
  return ['WebClientId', 'RulesClientId', 'PasswordlessClientId'].flatMap((key) =>
    outputs[key] ? [outputs[key]] : [],
  );
}

interface ApiCheck {
  readonly name: string;
  readonly user: TestUser;
  readonly method: 'GET' | 'PUT';
  readonly path: string;
  readonly token?: 'access' | 'id' | 'none';
  readonly body?: unknown;
  readonly expect: readonly number[];
  /** Checks the body of an expected answer. */
  readonly answer?: (body: unknown) => void;
}

async function callApi(
  deps: SmokeDeps,
  run: SmokeRun,
  outputs: StageOutputs,
  user: TestUser,
  admin: TestUser,
): Promise<void> {
  const base = requireOutput(outputs, 'ApiUrl');
  const docId = `smoke-${Date.now().toString(36)}`;
  const other = user.tenant === 'acme' ? 'globex' : 'acme';
  const checks: ApiCheck[] = [
    { name: 'GET /me without a token is refused', user, method: 'GET', path: 'me', token: 'none', expect: [401] },
    {
      name: 'GET /me with an ID token is refused (access token needed)',
      user,
      method: 'GET',
      path: 'me',
      token: 'id',
      expect: [401, 403],
    },
    {
      name: 'GET /me',
      user,
      method: 'GET',
      path: 'me',
      expect: [200],
      answer: (me) => {
        const tenantId = (me as { tenantId?: string }).tenantId;
        expectThat(tenantId === user.tenant, `GET /me says tenant ${tenantId}`);
      },
    },
    {
      name: 'PUT /documents/{id} (write scope)',
      user,
      method: 'PUT',
      path: `documents/${docId}`,
      body: { title: 'smoke', body: 'test' },
      expect: [200, 201],
    },
    { name: 'GET /documents/{id} reads it back', user, method: 'GET', path: `documents/${docId}`, expect: [200] },
    {
      name: `GET /tenants/${user.tenant}/documents (own tenant)`,
      user,
      method: 'GET',
      path: `tenants/${user.tenant}/documents`,
      expect: [200],
    },
    {
      name: `GET /tenants/${other}/documents (other tenant) is denied`,
      user,
      method: 'GET',
      path: `tenants/${other}/documents`,
      expect: [403],
    },
    {
      name: 'GET /admin/users without the admin scope is denied',
      user,
      method: 'GET',
      path: 'admin/users',
      expect: [401, 403],
    },
    {
      name: `GET /admin/users with the admin scope (${admin.label}, ${admin.group}) lists users`,
      user: admin,
      method: 'GET',
      path: 'admin/users',
      expect: [200],
      answer: (body) => expectThat(Array.isArray((body as { users?: unknown }).users), 'no users list in the answer'),
    },
  ];
  const sub = user.tokens?.AccessToken ? subjectOf(user.tokens.AccessToken) : undefined;
  if (sub) {
    // PUT /documents writes USER#<sub>; the API has no delete route, so the smoke test's own
    // credentials delete it (the dev deploy role may delete USER# items only).
    const dataTable = requireOutput(outputs, 'DataTableName');
    run.onCleanup('delete the API test document', () =>
      deps.dynamoDb.send(
        new DeleteItemCommand({
          TableName: dataTable,
          Key: { [PARTITION_KEY]: { S: keys.user(sub) }, [SORT_KEY]: { S: keys.document(docId) } },
        }),
      ),
    );
  }
  for (const check of checks) {
    const name = `API: ${check.name}`;
    const tokens = check.user.tokens;
    if (!tokens) {
      run.skip(name, `${check.user.label} did not sign in`);
      continue;
    }
    await run.step(
      name,
      async () => {
        const token = check.token === 'none' ? undefined : check.token === 'id' ? tokens.IdToken : tokens.AccessToken;
        const response = await deps.fetch(new URL(check.path, base.endsWith('/') ? base : `${base}/`), {
          method: check.method,
          headers: {
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
            ...(check.body ? { 'Content-Type': 'application/json' } : {}),
          },
          body: check.body ? JSON.stringify(check.body) : undefined,
        });
        expectThat(
          check.expect.includes(response.status),
          `HTTP ${response.status}, expected ${check.expect.join(' or ')}`,
        );
        if (check.answer) check.answer(await response.json());
        return response.status;
      },
      (status) => `HTTP ${status}`,
    );
  }
}

/** The `sub` claim of a JWT (already verified by an earlier step or by API Gateway). */
function subjectOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: unknown;
    };
    return typeof payload.sub === 'string' ? payload.sub : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes an identity GetId created; identities otherwise stay in the pool forever. */
async function deleteIdentity(deps: SmokeDeps, identityId: string): Promise<void> {
  const { UnprocessedIdentityIds = [] } = await deps.cognitoIdentity.send(
    new DeleteIdentitiesCommand({ IdentityIdsToDelete: [identityId] }),
  );
  const [unprocessed] = UnprocessedIdentityIds;
  expectThat(!unprocessed, `identity not deleted: ${unprocessed?.ErrorCode ?? ''}`);
}

async function exchangeForCredentials(
  deps: SmokeDeps,
  run: SmokeRun,
  outputs: StageOutputs,
  poolId: string,
  users: readonly TestUser[],
): Promise<void> {
  const identityPoolId = requireOutput(outputs, 'IdentityPoolId');
  const provider = `cognito-idp.${deps.region}.amazonaws.com/${poolId}`;
  const groupRoles = JSON.parse(requireOutput(outputs, 'GroupRoleArns')) as Record<string, string>;
  for (const user of users) {
    const name = `identity pool: ${user.label}'s ID token becomes credentials of the ${user.group} role (GetId, GetCredentialsForIdentity)`;
    if (!user.tokens?.IdToken) {
      run.skip(name, `${user.label} did not sign in`);
      continue;
    }
    const logins = { [provider]: user.tokens.IdToken };
    await run.step(
      name,
      async () => {
        const { IdentityId } = await deps.cognitoIdentity.send(
          new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins }),
        );
        expectThat(IdentityId, 'GetId returned no identity id');
        user.identityId = IdentityId;
        run.onCleanup(`delete the identity of ${user.label}`, () => deleteIdentity(deps, IdentityId));
        const { Credentials } = await deps.cognitoIdentity.send(
          new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }),
        );
        expectThat(Credentials?.AccessKeyId, 'no credentials');
        user.credentials = Credentials;
        return IdentityId;
      },
      (id) => `identity ${id}`,
    );
  }
  const user = users[0]!;
  const ownRole = groupRoles[user.group];
  const otherRole = Object.entries(groupRoles).find(([group]) => group !== user.group)?.[1];
  if (user.identityId && ownRole && otherRole) {
    await run.step('identity pool: CustomRoleArn of the own group is granted', async () => {
      const { Credentials } = await deps.cognitoIdentity.send(
        new GetCredentialsForIdentityCommand({
          IdentityId: user.identityId,
          Logins: { [provider]: user.tokens!.IdToken! },
          CustomRoleArn: ownRole,
        }),
      );
      expectThat(Credentials?.AccessKeyId, 'no credentials for the own group role');
    });
    await run.step(
      "identity pool: CustomRoleArn of another group's role is refused",
      async () => {
        const outcome = await deps.cognitoIdentity
          .send(
            new GetCredentialsForIdentityCommand({
              IdentityId: user.identityId,
              Logins: { [provider]: user.tokens!.IdToken! },
              CustomRoleArn: otherRole,
            }),
          )
          .then(
            () => 'granted',
            (error: Error) => error.name,
          );
        expectThat(outcome !== 'granted', 'a role the token does not carry was granted');
        return outcome;
      },
      (outcome) => `refused: ${outcome}`,
    );
  } else if (user.identityId) {
    run.recordFailure(
      'identity pool: CustomRoleArn checks',
      new SmokeFailure(`GroupRoleArns lacks the role of ${user.group} or of another group`),
    );
  }
}

async function checkRowLevelSecurity(
  deps: SmokeDeps,
  run: SmokeRun,
  outputs: StageOutputs,
  runId: string,
  user: TestUser,
  other: TestUser,
): Promise<void> {
  const bucket = requireOutput(outputs, 'DataBucketName');
  const table = requireOutput(outputs, 'DataTableName');
  if (!user.credentials || !user.identityId || !other.identityId) {
    run.skip(
      'row-level security with identity-pool credentials',
      `needs credentials of ${user.label} and the identity of ${other.label}`,
    );
    return;
  }
  const { s3, dynamoDb } = deps.asIdentity(user.credentials);
  const body = `smoke ${runId}`;
  const own = `${S3_PREFIX.private}${user.identityId}/${runId}.txt`;
  const tenantKey = `${S3_PREFIX.tenants}${user.tenant}/${runId}.txt`;
  const otherTenantKey = `${S3_PREFIX.tenants}${other.tenant}/${runId}.txt`;
  const allowed = (name: string, action: () => Promise<unknown>) =>
    run.step(`row-level security: ${name} is allowed`, action);
  const denied = (name: string, action: () => Promise<unknown>) =>
    run.step(
      `row-level security: ${name} is denied`,
      async () => {
        const outcome = await action().then(
          () => 'allowed',
          (error: Error) => error.name,
        );
        expectThat(outcome !== 'allowed', 'the request succeeded');
        expectThat(
          /AccessDenied|Forbidden|UnauthorizedOperation/i.test(outcome),
          `failed with ${outcome}, not access denied`,
        );
        return outcome;
      },
      (outcome) => outcome,
    );

  await allowed('S3 write to the own private/ prefix', async () => {
    run.onCleanup('delete the own S3 test object', () =>
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: own })),
    );
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: own, Body: body }));
  });
  await allowed('S3 read from the own private/ prefix', () =>
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: own })),
  );
  await denied("S3 write to another identity's private/ prefix", () =>
    s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${S3_PREFIX.private}${other.identityId}/${runId}.txt`, Body: body }),
    ),
  );
  await allowed(`S3 write to the own tenant (tenants/${user.tenant}/)`, async () => {
    run.onCleanup('delete the tenant S3 test object', () =>
      s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: tenantKey })),
    );
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: tenantKey, Body: body }));
  });
  // The control for the denial below: the same kind of read, on an object of the own tenant.
  await allowed(`S3 read of an object of the own tenant (tenants/${user.tenant}/)`, () =>
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: tenantKey })),
  );
  // S3 answers a read of a missing key with 403 when ListBucket is not granted there, whether or
  // not GetObject is: only a read of an object that exists can show a leak. The other user
  // writes it first, with his own credentials.
  const otherWrote = other.credentials
    ? await allowed(
        `S3 write and read-back by ${other.label} in the own tenant (tenants/${other.tenant}/)`,
        async () => {
          const theirs = deps.asIdentity(other.credentials!).s3;
          run.onCleanup(`delete ${other.label}'s tenant S3 test object`, () =>
            theirs.send(new DeleteObjectCommand({ Bucket: bucket, Key: otherTenantKey })),
          );
          await theirs.send(new PutObjectCommand({ Bucket: bucket, Key: otherTenantKey, Body: body }));
          await theirs.send(new GetObjectCommand({ Bucket: bucket, Key: otherTenantKey }));
          return true;
        },
      )
    : undefined;
  const crossTenant = `S3 read of ${other.label}'s existing tenant object (tenants/${other.tenant}/)`;
  if (otherWrote) {
    await denied(crossTenant, () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: otherTenantKey })));
  } else {
    run.skip(
      `row-level security: ${crossTenant} is denied`,
      `${other.label} could not write the object, and a denied read of a missing key proves nothing`,
    );
  }

  const ownItem = { [PARTITION_KEY]: { S: keys.identity(user.identityId) }, [SORT_KEY]: { S: runId } };
  await allowed('DynamoDB write to the own IDENTITY# partition', async () => {
    run.onCleanup('delete the own DynamoDB test item', () =>
      dynamoDb.send(new DeleteItemCommand({ TableName: table, Key: ownItem })),
    );
    await dynamoDb.send(new PutItemCommand({ TableName: table, Item: ownItem }));
  });
  await denied("DynamoDB read of another identity's partition", () =>
    dynamoDb.send(
      new GetItemCommand({
        TableName: table,
        Key: { [PARTITION_KEY]: { S: keys.identity(other.identityId!) }, [SORT_KEY]: { S: runId } },
      }),
    ),
  );
  await denied(`DynamoDB query of another tenant's partition (${other.tenant})`, () =>
    dynamoDb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY },
        ExpressionAttributeValues: { ':pk': { S: keys.tenant(other.tenant) } },
      }),
    ),
  );
}
