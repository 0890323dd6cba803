import { randomBytes, randomInt } from 'node:crypto';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
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
import { LEGACY_TABLE, OUTBOX_TABLE } from '../../lambda/shared/auth-tables';
import { keys, PARTITION_KEY, S3_PREFIX, SORT_KEY } from '../../lambda/shared/data-keys';
import { hashPassword } from '../../lambda/shared/password-hash';
import type { StageConfig } from '../../lib/config/schema';
import { readStageOutputs, requireOutput, type StageOutputs } from './outputs';
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
}

/** A user the smoke test creates and deletes. */
interface TestUser {
  readonly label: string;
  readonly email: string;
  readonly tenant: string;
  readonly group: string;
  tokens?: AuthenticationResultType;
  identityId?: string;
  credentials?: Credentials;
}

const STACKS = ['Data', 'Auth', 'Api'];

/**
 * Addresses of Amazon SES's mailbox simulator: SES accepts them even in the sandbox and without
 * verifying them, and a `+label` makes each user unique. Codes are read from the test outbox.
 */
function simulatorAddress(runId: string, label: string): string {
  return `success+${runId}-${label}@simulator.amazonses.com`;
}

/** A password that satisfies every password policy the config allows. */
export function strongPassword(): string {
  return `Sm0ke!${randomBytes(18).toString('base64url')}a1Z`;
}

/**
 * The end-to-end check of a deployed stage. Each step is recorded; whatever it creates is
 * registered for cleanup first, so `run.cleanup()` undoes it even when a later step fails.
 */
export async function runSmoke(deps: SmokeDeps, run: SmokeRun): Promise<void> {
  const { config } = deps;
  const prefix = `${config.project}-${config.stage}`;
  const runId = `smoke${Date.now().toString(36)}${randomInt(1000, 9999)}`;

  const outputs = await run.step(
    'read stack outputs (CloudFormation DescribeStacks)',
    async () => {
      const { outputs: found, stacks } = await readStageOutputs(deps.cloudFormation, prefix, STACKS);
      expectThat(stacks.includes(`${prefix}-Auth`), `stack ${prefix}-Auth not found: deploy the stage first`);
      return found;
    },
    (o) => `${Object.keys(o).length} outputs`,
  );
  if (!outputs) return;

  const poolId = requireOutput(outputs, 'UserPoolId');
  const alice: TestUser = { label: 'alice', email: simulatorAddress(runId, 'alice'), tenant: 'acme', group: 'editors' };
  const bob: TestUser = { label: 'bob', email: simulatorAddress(runId, 'bob'), tenant: 'globex', group: 'editors' };
  const groupNames = new Set(config.groups.map((g) => g.name));
  for (const user of [alice, bob]) {
    if (!groupNames.has(user.group)) {
      run.skip('create test users', `the smoke test needs a group named "${user.group}" in config.groups`);
      return;
    }
  }

  const created = await run.step(
    'create test users (AdminCreateUser, permanent password, group)',
    async () => {
      for (const user of [alice, bob]) await createUser(deps, run, poolId, user);
      return [alice, bob];
    },
    (users) => users.map((u) => `${u.label}: tenant ${u.tenant}, ${u.group}`).join('; '),
  );
  if (!created) return;

  await signInPasswordless(deps, run, outputs, [alice, bob]);
  await signInWithMigration(deps, run, outputs, poolId);
  await checkTokens(deps, run, outputs, poolId, alice);
  await callApi(deps, run, outputs, alice);
  await exchangeForCredentials(deps, run, outputs, poolId, [alice, bob]);
  await checkRowLevelSecurity(deps, run, outputs, runId, alice, bob);
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
      Password: strongPassword(),
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

async function signInPasswordless(
  deps: SmokeDeps,
  run: SmokeRun,
  outputs: StageOutputs,
  users: TestUser[],
): Promise<void> {
  const clientId = outputs.PasswordlessClientId;
  const outbox = outputs.TestOutboxTableName;
  if (!clientId || !outbox) {
    run.skip(
      'sign in with an emailed code (custom auth)',
      'passwordless codes with the test outbox are off in this stage',
    );
    return;
  }
  for (const user of users) {
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
        return user;
      },
      () => 'wrong code refused, right code gave tokens',
    );
  }
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
): Promise<void> {
  const table = outputs.LegacyUsersTableName;
  if (!table) {
    run.skip(
      'sign in with a password (user migration)',
      'migration is off in this stage; SRP sign-in needs an SRP client and is not part of the smoke test',
    );
    return;
  }
  await run.step(
    'sign in with a password: a legacy user migrates on first sign-in (USER_PASSWORD_AUTH)',
    async () => {
      const email = `legacy-${Date.now().toString(36)}@simulator.amazonses.com`;
      const password = strongPassword();
      await deps.dynamoDb.send(
        new PutItemCommand({
          TableName: table,
          Item: {
            [LEGACY_TABLE.partitionKey]: { S: email },
            [LEGACY_TABLE.fields.email]: { S: email },
            [LEGACY_TABLE.fields.emailVerified]: { BOOL: true },
            [LEGACY_TABLE.fields.passwordHash]: { S: await hashPassword(password) },
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
  if (!user.tokens) {
    run.skip('token claims and scopes', 'no signed-in user');
    return;
  }
  const tokens = user.tokens;
  const clientIds = userClientIds(outputs);
  const identifier = deps.config.resourceServer.identifier;
  await run.step(
    'token claims and scopes (verified with aws-jwt-verify)',
    async () => {
      const id = await deps.verifyToken(tokens.IdToken ?? '', { tokenUse: 'id', userPoolId, clientIds });
      const access = await deps.verifyToken(tokens.AccessToken ?? '', { tokenUse: 'access', userPoolId, clientIds });
      const groups = (id['cognito:groups'] as string[] | undefined) ?? [];
      expectThat(groups.includes(user.group), `ID token groups ${JSON.stringify(groups)} lack ${user.group}`);
      expectThat(id['custom:tenant_id'] === user.tenant, 'ID token lacks custom:tenant_id');
      expectThat(access.tenant_id === user.tenant, 'access token lacks the tenant_id claim (pre token generation)');
      const scopes = typeof access.scope === 'string' ? access.scope.split(' ') : [];
      const expected = new Set([
        ...deps.config.triggers.preTokenGeneration.everyoneScopes,
        ...(deps.config.triggers.preTokenGeneration.scopesByGroup[user.group] ?? []),
      ]);
      for (const scope of expected)
        expectThat(scopes.includes(`${identifier}/${scope}`), `access token lacks ${identifier}/${scope}`);
      expectThat(
        !scopes.includes(`${identifier}/admin`) || expected.has('admin'),
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
  readonly method: 'GET' | 'PUT';
  readonly path: string;
  readonly token?: 'access' | 'id' | 'none';
  readonly body?: unknown;
  readonly expect: readonly number[];
}

async function callApi(deps: SmokeDeps, run: SmokeRun, outputs: StageOutputs, user: TestUser): Promise<void> {
  const base = outputs.ApiUrl;
  if (!base || !user.tokens) {
    run.skip('API routes', base ? 'no signed-in user' : 'the Api stack is not deployed');
    return;
  }
  const tokens = user.tokens;
  const docId = `smoke-${Date.now().toString(36)}`;
  const other = user.tenant === 'acme' ? 'globex' : 'acme';
  const checks: ApiCheck[] = [
    { name: 'GET /me without a token is refused', method: 'GET', path: 'me', token: 'none', expect: [401] },
    {
      name: 'GET /me with an ID token is refused (access token needed)',
      method: 'GET',
      path: 'me',
      token: 'id',
      expect: [401, 403],
    },
    { name: 'GET /me', method: 'GET', path: 'me', expect: [200] },
    {
      name: 'PUT /documents/{id} (write scope)',
      method: 'PUT',
      path: `documents/${docId}`,
      body: { title: 'smoke', body: 'test' },
      expect: [200, 201],
    },
    { name: 'GET /documents/{id} reads it back', method: 'GET', path: `documents/${docId}`, expect: [200] },
    {
      name: `GET /tenants/${user.tenant}/documents (own tenant)`,
      method: 'GET',
      path: `tenants/${user.tenant}/documents`,
      expect: [200],
    },
    {
      name: `GET /tenants/${other}/documents (other tenant) is denied`,
      method: 'GET',
      path: `tenants/${other}/documents`,
      expect: [403],
    },
    {
      name: 'GET /admin/users without the admin scope is denied',
      method: 'GET',
      path: 'admin/users',
      expect: [401, 403],
    },
  ];
  const dataTable = outputs.DataTableName;
  const sub = tokens.AccessToken ? subjectOf(tokens.AccessToken) : undefined;
  if (dataTable && sub) {
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
    await run.step(
      `API: ${check.name}`,
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
        if (check.path === 'me' && response.status === 200) {
          const me = (await response.json()) as { tenantId?: string };
          expectThat(me.tenantId === user.tenant, `GET /me says tenant ${me.tenantId}`);
        }
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

async function exchangeForCredentials(
  deps: SmokeDeps,
  run: SmokeRun,
  outputs: StageOutputs,
  poolId: string,
  users: TestUser[],
): Promise<void> {
  const identityPoolId = outputs.IdentityPoolId;
  if (!identityPoolId) {
    run.skip('identity pool credentials', 'no identity pool in this stage');
    return;
  }
  const provider = `cognito-idp.${deps.region}.amazonaws.com/${poolId}`;
  const groupRoles = JSON.parse(outputs.GroupRoleArns ?? '{}') as Record<string, string>;
  for (const user of users) {
    if (!user.tokens?.IdToken) continue;
    const logins = { [provider]: user.tokens.IdToken };
    await run.step(
      `identity pool: ${user.label}'s ID token becomes credentials of the ${user.group} role (GetId, GetCredentialsForIdentity)`,
      async () => {
        const { IdentityId } = await deps.cognitoIdentity.send(
          new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins }),
        );
        expectThat(IdentityId, 'GetId returned no identity id');
        user.identityId = IdentityId;
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
  const bucket = outputs.DataBucketName;
  const table = outputs.DataTableName;
  if (!bucket || !table || !user.credentials || !user.identityId || !other.identityId) {
    run.skip('row-level security with identity-pool credentials', 'needs the data stack and two identities');
    return;
  }
  const { s3, dynamoDb } = deps.asIdentity(user.credentials);
  const body = `smoke ${runId}`;
  const own = `${S3_PREFIX.private}${user.identityId}/${runId}.txt`;
  const tenantKey = `${S3_PREFIX.tenants}${user.tenant}/${runId}.txt`;
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
  if (deps.config.identityPool.tenantWriterGroups.includes(user.group)) {
    await allowed(`S3 write to the own tenant (tenants/${user.tenant}/)`, async () => {
      run.onCleanup('delete the tenant S3 test object', () =>
        s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: tenantKey })),
      );
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: tenantKey, Body: body }));
    });
  }
  await denied(`S3 read from another tenant (tenants/${other.tenant}/)`, () =>
    s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${S3_PREFIX.tenants}${other.tenant}/${runId}.txt` })),
  );

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
