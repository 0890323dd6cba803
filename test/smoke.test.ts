import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CognitoIdentityClient,
  DeleteIdentitiesCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type InitiateAuthCommandInput,
  type RespondToAuthChallengeCommandInput,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { stages } from '../config';
import { addressMatcher } from '../lambda/triggers/create-auth-challenge/challenge';
import { parseStageConfig } from '../lib/config/load';
import { scopesByGroup, type StageConfig } from '../lib/config/schema';
import { SMOKE_TEST_ACCESS } from '../lib/stacks/github-deploy-stack';
import { readStageOutputs, requiredOutputs, requireOutput, STAGE_STACKS } from '../scripts/smoke/outputs';
import { DEFAULT_SCRYPT, hashPassword, SCRYPT_LIMITS } from '../lambda/shared/password-hash';
import { describeError, SmokeFailure, SmokeRun } from '../scripts/smoke/runner';
import { pickTestGroups, runSmoke, strongPassword, type SmokeDeps } from '../scripts/smoke/scenario';
import { smokeSession } from '../scripts/smoke/session';
import { stageInput, synthStage, type DeepPartial } from './helpers/app';
import type { StageConfigInput } from '../lib/config/schema';

// The smoke test's logic against a simulated deployed stage: every AWS client is mocked, the API
// is a fake fetch and IAM decisions are imitated by the fake identity clients, including how S3
// answers a missing key. What only a real account can show (that Cognito, IAM and API Gateway
// behave like these fakes) is the smoke test's job when it runs against a deployed stage.

const ROOT = join(__dirname, '..');
const REGION = 'eu-west-1';
const POOL = 'eu-west-1_Smoke1';
const CODE = '482913';
const OUTPUTS: Record<string, Record<string, string>> = {
  'cognito-ref-dev-Data': { DataBucketName: 'data-bucket', DataTableName: 'data-table' },
  'cognito-ref-dev-Auth': {
    UserPoolId: POOL,
    WebClientId: 'web-client',
    RulesClientId: 'rules-client',
    PasswordlessClientId: 'pwl-client',
    TestOutboxTableName: 'outbox',
    LegacyUsersTableName: 'legacy',
    MachineClientIds: JSON.stringify({ default: 'machine-default' }),
    LoginDomainUrl: 'https://login.example.com',
    IdentityPoolId: 'eu-west-1:pool',
    GroupRoleArns: JSON.stringify({
      editors: 'arn:role/editors',
      admins: 'arn:role/admins',
      readers: 'arn:role/readers',
    }),
  },
  'cognito-ref-dev-Api': { ApiUrl: 'https://api.example.com/v1/' },
};

/** A fake JWT: the smoke test only decodes payloads; verification is the injected verifyToken. */
function jwt(payload: Record<string, unknown>): string {
  return `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
}
const decode = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

interface Fakes {
  /** Whether the fake API wrongly lets a caller read another tenant. */
  apiLeaksOtherTenant: boolean;
  /** Whether the fake S3 wrongly lets a caller write another identity's prefix. */
  s3LeaksPrivate: boolean;
  /** Whether the fake S3 wrongly lets a caller read another tenant's objects (GetObject, not ListBucket). */
  s3LeaksTenantReads: boolean;
  failSetPasswordFor?: string;
  /** Stacks that exist. */
  stacks: string[];
  /** Outputs the deployed stacks lack. */
  dropOutputs: string[];
  /** Whether Cognito wrongly keeps accepting a replaced refresh token after the grace period. */
  replacedRefreshTokenStaysValid: boolean;
  /** Whether machine tokens come without the configured tenant (pre token trigger not V3). */
  machineTokenWithoutTenant: boolean;
}

interface FakeUser {
  tenant?: string;
  group?: string;
  password?: string;
}

const accessDenied = () =>
  Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });

function setup(fakes: Partial<Fakes> = {}, configPatch: DeepPartial<StageConfigInput> = {}) {
  const f: Fakes = {
    apiLeaksOtherTenant: false,
    s3LeaksPrivate: false,
    s3LeaksTenantReads: false,
    stacks: Object.keys(OUTPUTS),
    dropOutputs: [],
    replacedRefreshTokenStaysValid: false,
    machineTokenWithoutTenant: false,
    ...fakes,
  };
  const config = parseStageConfig(stageInput('dev', configPatch), 'test');
  const clients = {
    cloudformation: new CloudFormationClient({ region: REGION }),
    'cognito-idp': new CognitoIdentityProviderClient({ region: REGION }),
    'cognito-identity': new CognitoIdentityClient({ region: REGION }),
    dynamodb: new DynamoDBClient({ region: REGION }),
  };
  const cfn = mockClient(clients.cloudformation);
  const idp = mockClient(clients['cognito-idp']);
  const identity = mockClient(clients['cognito-identity']);
  const dynamo = mockClient(clients.dynamodb);
  mocks.push(cfn, idp, identity, dynamo);
  const users = new Map<string, FakeUser>();
  const identities = new Map<string, string>(); // identity id -> username
  /** S3 objects and the smoke identity's DynamoDB items that exist, by key. */
  const objects = new Map<string, string>();
  const items = new Set<string>();

  cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    if (!f.stacks.includes(input.StackName)) {
      throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), { name: 'ValidationError' });
    }
    const outputs = Object.entries(OUTPUTS[input.StackName] ?? {}).filter(([key]) => !f.dropOutputs.includes(key));
    return { Stacks: [{ Outputs: outputs.map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] };
  });
  idp
    .on(AdminCreateUserCommand)
    .callsFake((input: { Username: string; UserAttributes: { Name: string; Value: string }[] }) => {
      users.set(input.Username, { tenant: input.UserAttributes.find((a) => a.Name === 'custom:tenant_id')?.Value });
      return {};
    });
  idp.on(AdminSetUserPasswordCommand).callsFake((input: { Username: string; Password: string }) => {
    if (f.failSetPasswordFor && input.Username.includes(f.failSetPasswordFor)) {
      throw Object.assign(new Error('Password does not conform to policy'), { name: 'InvalidPasswordException' });
    }
    users.get(input.Username)!.password = input.Password;
    return {};
  });
  idp.on(AdminAddUserToGroupCommand).callsFake((input: { Username: string; GroupName: string }) => {
    users.get(input.Username)!.group = input.GroupName;
    return {};
  });
  idp.on(AdminDeleteUserCommand).callsFake((input: { Username: string }) => {
    users.delete(input.Username);
    return {};
  });
  // Refresh tokens as a rotating client keeps them: each refresh replaces the token it was given,
  // which works on for the grace period of simulated time (deps.sleep advances the clock).
  let clock = 0;
  const refreshTokens = new Map<string, { username: string; validUntil: number }>();
  const issueRefreshToken = (username: string) => {
    const token = `refresh-${refreshTokens.size}-${username}`;
    refreshTokens.set(token, { username, validUntil: Infinity });
    return token;
  };
  // Scopes as the pre token trigger adds them: every user's plus the group's.
  const { everyoneScopes } = config.triggers.preTokenGeneration;
  const groupScopes = scopesByGroup(config);
  const tokensFor = (username: string) => {
    const user = users.get(username)!;
    const groups = user.group ? [user.group] : [];
    const scopes = [...everyoneScopes, ...(user.group ? (groupScopes[user.group] ?? []) : [])].map((s) => `api/${s}`);
    const sub = `sub-${username.split('@')[0]}`.replace(/[^A-Za-z0-9-]/g, '');
    return {
      IdToken: jwt({
        sub,
        token_use: 'id',
        'cognito:groups': groups,
        'custom:tenant_id': user.tenant,
        email: username,
      }),
      AccessToken: jwt({
        sub,
        username: sub,
        token_use: 'access',
        tenant_id: user.tenant,
        scope: scopes.join(' '),
        'cognito:groups': groups,
      }),
      RefreshToken: issueRefreshToken(username),
    };
  };
  const notAuthorized = () =>
    Object.assign(new Error('Incorrect username or password.'), { name: 'NotAuthorizedException' });
  idp
    .on(DescribeUserPoolClientCommand)
    .callsFake((input: { ClientId: string }) => ({ UserPoolClient: { ClientSecret: `secret-${input.ClientId}` } }));
  idp.on(GetTokensFromRefreshTokenCommand).callsFake((input: { RefreshToken: string }) => {
    const entry = refreshTokens.get(input.RefreshToken);
    if (!entry || entry.validUntil < clock) {
      throw Object.assign(new Error('Invalid Refresh Token.'), { name: 'NotAuthorizedException' });
    }
    if (!f.replacedRefreshTokenStaysValid) {
      entry.validUntil = Math.min(entry.validUntil, clock + config.refreshTokenRotation.retryGracePeriodSeconds * 1000);
    }
    return { AuthenticationResult: tokensFor(entry.username) };
  });
  idp.on(InitiateAuthCommand).callsFake((input: InitiateAuthCommandInput) => {
    if (input.AuthFlow === 'REFRESH_TOKEN_AUTH') {
      throw Object.assign(new Error('Refresh token rotation is enabled'), { name: 'NotAuthorizedException' });
    }
    const username = input.AuthParameters!.USERNAME!;
    if (input.AuthFlow === 'CUSTOM_AUTH') return { ChallengeName: 'CUSTOM_CHALLENGE', Session: `s1:${username}` };
    const password = input.AuthParameters!.PASSWORD!;
    const user = users.get(username);
    if (user) {
      if (user.password !== password) throw notAuthorized();
      return { AuthenticationResult: tokensFor(username) };
    }
    // Not in the pool: the migrate-user trigger checks the legacy record.
    if (!items.has(`legacy ${username}`) || password.endsWith('x')) throw notAuthorized();
    users.set(username, { tenant: 'acme' });
    return { AuthenticationResult: tokensFor(username) };
  });
  idp.on(RespondToAuthChallengeCommand).callsFake((input: RespondToAuthChallengeCommandInput) => {
    const username = input.ChallengeResponses!.USERNAME!;
    if (input.ChallengeResponses!.ANSWER !== CODE)
      return { ChallengeName: 'CUSTOM_CHALLENGE', Session: `s2:${username}` };
    return { AuthenticationResult: tokensFor(username) };
  });
  const keyOf = (table: string, key: Record<string, AttributeValue>) =>
    `${table} ${Object.values(key)
      .map((v) => v.S)
      .join(' ')}`;
  dynamo
    .on(GetItemCommand)
    .callsFake((input: { TableName: string }) =>
      input.TableName === 'outbox' ? { Item: { email: { S: 'x' }, code: { S: CODE } } } : {},
    );
  dynamo.on(PutItemCommand).callsFake((input: { TableName: string; Item: Record<string, AttributeValue> }) => {
    items.add(`${input.TableName} ${input.Item.username!.S}`);
    return {};
  });
  dynamo.on(DeleteItemCommand).callsFake((input: { TableName: string; Key: Record<string, AttributeValue> }) => {
    items.delete(keyOf(input.TableName, input.Key));
    return {};
  });
  identity.on(GetIdCommand).callsFake((input: { Logins: Record<string, string> }) => {
    const claims = decode(Object.values(input.Logins)[0]!);
    const identityId = `${REGION}:${String(claims.sub)}`;
    identities.set(identityId, String(claims.email));
    return { IdentityId: identityId };
  });
  identity.on(GetCredentialsForIdentityCommand).callsFake((input: { IdentityId: string; CustomRoleArn?: string }) => {
    const user = users.get(identities.get(input.IdentityId)!)!;
    if (input.CustomRoleArn && input.CustomRoleArn !== `arn:role/${user.group}`) {
      throw Object.assign(new Error('Invalid identity pool configuration'), {
        name: 'InvalidIdentityPoolConfigurationException',
      });
    }
    return { Credentials: { AccessKeyId: `AKID-${input.IdentityId}`, SecretKey: 's', SessionToken: 't' } };
  });
  identity.on(DeleteIdentitiesCommand).callsFake((input: { IdentityIdsToDelete: string[] }) => {
    for (const id of input.IdentityIdsToDelete) identities.delete(id);
    return { UnprocessedIdentityIds: [] };
  });

  // Identity-pool credentials: imitate the role policies (own prefix; own tenant, written only
  // by tenant writer groups). S3 answers a missing key with 404 only where the caller may also
  // list (ListBucket on the prefix); elsewhere with 403, whether or not GetObject is allowed.
  const s3Calls: string[] = [];
  const userDynamoCalls: string[] = [];
  const writers = new Set(config.groups.filter((g) => g.tenantAccess === 'write').map((g) => g.name));
  const asIdentity: SmokeDeps['asIdentity'] = (credentials) => {
    const identityId = credentials.AccessKeyId!.replace('AKID-', '');
    const user = users.get(identities.get(identityId)!)!;
    const ownPrivate = (key: string) => key.startsWith(`private/${identityId}/`);
    const ownTenant = (key: string) => key.startsWith(`tenants/${user.tenant}/`);
    const may = (action: 'get' | 'put' | 'delete', key: string) =>
      ownPrivate(key) ||
      (ownTenant(key) && (action === 'get' || writers.has(user.group!))) ||
      (f.s3LeaksPrivate && action === 'put' && key.startsWith('private/')) ||
      (f.s3LeaksTenantReads && action === 'get' && key.startsWith('tenants/'));
    return {
      s3: {
        send: (command: { constructor: { name: string }; input: { Key: string; Body?: string } }) => {
          const { Key, Body } = command.input;
          s3Calls.push(`${user.tenant === 'acme' ? 'alice' : 'bob'}: ${command.constructor.name} ${Key}`);
          const action = ({ GetObjectCommand: 'get', PutObjectCommand: 'put', DeleteObjectCommand: 'delete' } as const)[
            command.constructor.name
          ]!;
          if (!may(action, Key)) return Promise.reject(accessDenied());
          if (action === 'put') objects.set(Key, Body ?? '');
          if (action === 'delete') objects.delete(Key);
          if (action === 'get' && !objects.has(Key)) {
            const mayList = ownPrivate(Key) || ownTenant(Key);
            return Promise.reject(
              mayList
                ? Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' })
                : accessDenied(),
            );
          }
          return Promise.resolve(action === 'get' ? { Body: objects.get(Key) } : {});
        },
      } as never,
      dynamoDb: {
        send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
          const text = JSON.stringify(command.input);
          userDynamoCalls.push(`${command.constructor.name} ${text}`);
          if (!text.includes(`IDENTITY#${identityId}`)) {
            return Promise.reject(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
          }
          if (command.constructor.name === 'PutItemCommand') items.add(`user ${identityId}`);
          if (command.constructor.name === 'DeleteItemCommand') items.delete(`user ${identityId}`);
          return Promise.resolve({});
        },
      } as never,
    };
  };

  const apiCalls: string[] = [];
  // Machine clients by id, as the pre token trigger's MACHINE_CLIENTS has them.
  const machineIds = JSON.parse(OUTPUTS['cognito-ref-dev-Auth']!.MachineClientIds!) as Record<string, string>;
  const tokenEndpoint = (init: RequestInit) => {
    const [clientId, secret] = Buffer.from(
      (init.headers as Record<string, string>).Authorization!.replace('Basic ', ''),
      'base64',
    )
      .toString()
      .split(':');
    const entry = config.machineClients.find((m) => machineIds[m.name] === clientId);
    if (!entry || secret !== `secret-${clientId}`) return Promise.resolve(new Response('{}', { status: 400 }));
    const body = new URLSearchParams(init.body as string);
    const token = jwt({
      sub: clientId,
      client_id: clientId,
      token_use: 'access',
      scope: body.get('scope'),
      ...(f.machineTokenWithoutTenant ? {} : { tenant_id: entry.tenant }),
    });
    return Promise.resolve(new Response(JSON.stringify({ access_token: token }), { status: 200 }));
  };
  const fetchFake = ((url: URL, init: RequestInit) => {
    if (url.hostname === 'login.example.com' && url.pathname === '/oauth2/token') return tokenEndpoint(init);
    const path = url.pathname.replace('/v1/', '');
    const auth = (init.headers as Record<string, string>).Authorization;
    apiCalls.push(`${String(init.method)} ${path}`);
    const respond = (status: number, body: unknown = {}) =>
      Promise.resolve(new Response(JSON.stringify(body), { status }));
    if (!auth) return respond(401);
    const claims = decode(auth.replace('Bearer ', ''));
    if (claims.token_use !== 'access') return respond(401);
    // A machine token (no username) passes only the tenant route, which accepts machines.
    if (claims.username === undefined && !path.startsWith('tenants/')) return respond(403);
    if (path === 'me') return respond(200, { tenantId: claims.tenant_id });
    if (path.startsWith('documents/')) {
      if (init.method === 'PUT') items.add(`data-table USER#${String(claims.sub)} DOC#${path.split('/')[1]}`);
      return respond(200, {});
    }
    if (path.startsWith('tenants/')) {
      const tenant = path.split('/')[1];
      return respond(tenant === claims.tenant_id || f.apiLeaksOtherTenant ? 200 : 403);
    }
    if (path === 'admin/users') {
      return String(claims.scope).split(' ').includes('api/admin') ? respond(200, { users: [] }) : respond(403);
    }
    return respond(404);
  }) as unknown as typeof fetch;

  const deps: SmokeDeps = {
    config,
    region: REGION,
    cloudFormation: clients.cloudformation,
    cognitoIdp: clients['cognito-idp'],
    cognitoIdentity: clients['cognito-identity'],
    dynamoDb: clients.dynamodb,
    asIdentity,
    fetch: fetchFake,
    verifyToken: (token, expected) => {
      const claims = decode(token);
      if (claims.token_use !== expected.tokenUse) return Promise.reject(new Error('wrong token_use'));
      return Promise.resolve(claims);
    },
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
    // The lowest cost the migrate trigger accepts: the hash's format is what matters here, and the
    // production cost would spend ~0.4 s of scrypt on every run.
    hashPassword: (password) => hashPassword(password, { ...DEFAULT_SCRYPT, ln: SCRYPT_LIMITS.ln[0] }),
  };
  const what = { users, identities, objects, items };
  return { deps, clients, idp, dynamo, identity, cfn, s3Calls, userDynamoCalls, apiCalls, ...what };
}

const mocks: { restore(): void }[] = [];
afterEach(() => {
  for (const mock of mocks.splice(0)) mock.restore();
});

async function smoke(fakes: Partial<Fakes> = {}, configPatch: DeepPartial<StageConfigInput> = {}) {
  const env = setup(fakes, configPatch);
  const run = new SmokeRun(() => 0);
  await runSmoke(env.deps, run);
  await run.cleanup();
  return { ...env, run };
}

const names = (run: SmokeRun, status: 'pass' | 'fail' | 'skip') =>
  run.results.filter((r) => r.status === status).map((r) => r.name);

const MACHINE = 'machine client: its token carries the configured tenant; the API treats it like that tenant';
const ROTATION =
  'refresh-token rotation: a refresh returns a new refresh token; the replaced one is refused after the grace period';
const CROSS_TENANT_READ = "row-level security: S3 read of bob's existing tenant object (tenants/globex/) is denied";

describe('smoke test against a correctly deployed stage (simulated)', () => {
  it('passes every step, checking allow and deny on every layer', async () => {
    const { run } = await smoke();
    expect(names(run, 'fail')).toEqual([]);
    expect(names(run, 'skip')).toEqual([]);
    const passed = names(run, 'pass').join('\n');
    for (const step of [
      'read stack outputs',
      'create test users',
      'sign in with an emailed code (custom auth): alice',
      'sign in with an emailed code (custom auth): bob',
      'legacy user migrates on first sign-in',
      'token claims and scopes (verified with aws-jwt-verify): alice',
      'token claims and scopes (verified with aws-jwt-verify): bob',
      'API: GET /me without a token is refused',
      'API: GET /tenants/globex/documents (other tenant) is denied',
      'API: GET /admin/users without the admin scope is denied',
      'API: GET /admin/users with the admin scope (bob, admins) lists users',
      "identity pool: alice's ID token becomes credentials",
      "identity pool: bob's ID token becomes credentials of the admins role",
      'CustomRoleArn of the own group is granted',
      "CustomRoleArn of another group's role is refused",
      "S3 write to another identity's private/ prefix is denied",
      'S3 read of an object of the own tenant (tenants/acme/) is allowed',
      'S3 write and read-back by bob in the own tenant (tenants/globex/) is allowed',
      CROSS_TENANT_READ,
      "DynamoDB read of another identity's partition is denied",
      ROTATION,
      MACHINE,
    ]) {
      expect(passed).toContain(step);
    }
    expect(run.failed).toBe(false);
    expect(run.exitCode).toBe(0);
  });

  it('makes the cross-tenant read on an object that exists, written by bob with his own credentials', async () => {
    const { s3Calls } = await smoke();
    const bobsPut = s3Calls.findIndex((c) => /^bob: PutObjectCommand tenants\/globex\/smoke/.test(c));
    expect(bobsPut).toBeGreaterThanOrEqual(0);
    const key = s3Calls[bobsPut]!.split(' ')[2];
    // alice reads exactly that key after bob wrote it and before his cleanup deleted it
    const read = s3Calls.indexOf(`alice: GetObjectCommand ${key}`);
    const deleted = s3Calls.indexOf(`bob: DeleteObjectCommand ${key}`);
    expect(read).toBeGreaterThan(bobsPut);
    expect(deleted).toBeGreaterThan(read);
  });

  it('deletes everything it created, in reverse order: users, identities, objects, items', async () => {
    const { run, idp, identity, users, identities, objects, items } = await smoke();
    expect(idp.commandCalls(AdminDeleteUserCommand)).toHaveLength(3); // alice, bob, the migrated legacy user
    expect(identity.commandCalls(DeleteIdentitiesCommand).map((c) => c.args[0].input.IdentityIdsToDelete)).toEqual([
      [expect.stringMatching(/bob$/)],
      [expect.stringMatching(/alice$/)],
    ]);
    expect({ users: [...users.keys()], identities: [...identities.keys()] }).toEqual({ users: [], identities: [] });
    expect({ objects: [...objects.keys()], items: [...items] }).toEqual({ objects: [], items: [] });
    const cleanup = run.results.filter((r) => r.name.startsWith('cleanup:'));
    expect(cleanup.every((r) => r.status === 'pass')).toBe(true);
    expect(cleanup.at(-1)!.name).toBe('cleanup: delete user alice');
  });

  it('answers the custom challenge wrongly once before the right code', async () => {
    const { idp } = await smoke();
    const answers = idp
      .commandCalls(RespondToAuthChallengeCommand)
      .map((c) => c.args[0].input.ChallengeResponses!.ANSWER);
    expect(answers).toEqual(['482914', CODE, '482914', CODE]);
  });

  it('creates users through the admin API only, with a verified email in a tenant and a group', async () => {
    const { idp } = await smoke();
    const created = idp.commandCalls(AdminCreateUserCommand).map((c) => c.args[0].input);
    expect(created).toHaveLength(2);
    for (const input of created) {
      expect(input.MessageAction).toBe('SUPPRESS');
      expect(input.Username).toMatch(/^success\+smoke[a-z0-9]+-(alice|bob)@simulator\.amazonses\.com$/);
      // Only such addresses get their codes in the test outbox (the dev config's pattern).
      const outboxAddresses = parseStageConfig(stages.dev!, 'config/dev.ts').passwordless.customChallenge;
      expect(addressMatcher(outboxAddresses.testOutboxAddresses)(input.Username!)).toBe(true);
      expect(input.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'email_verified', Value: 'true' }]));
    }
    expect(idp.commandCalls(AdminAddUserToGroupCommand).map((c) => c.args[0].input.GroupName)).toEqual([
      'editors',
      'admins',
    ]);
  });

  it('calls with its own credentials exactly what the dev deploy role grants (SMOKE_TEST_ACCESS), on the keys it grants', async () => {
    const { clients, cfn, idp, identity, dynamo } = await smoke();
    const byService = { cloudformation: cfn, 'cognito-idp': idp, 'cognito-identity': identity, dynamodb: dynamo };
    const signed: { action: string; input: Record<string, unknown> }[] = [];
    for (const [service, mock] of Object.entries(byService) as [keyof typeof clients, typeof cfn][]) {
      for (const call of mock.calls()) {
        const command = call.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> };
        const operation = command.constructor.name.replace(/Command$/, '');
        // Operations the SDK sends unsigned never reach IAM (public Cognito APIs).
        const [scheme] = clients[service].config.httpAuthSchemeProvider({ operation, region: REGION });
        if (scheme?.schemeId === 'smithy.api#noAuth') continue;
        expect({ operation, scheme: scheme?.schemeId }).toEqual({ operation, scheme: 'aws.auth#sigv4' });
        signed.push({ action: `${service}:${operation}`, input: command.input });
      }
    }
    const used = (filter: (s: (typeof signed)[number]) => boolean) =>
      [...new Set(signed.filter(filter).map((s) => s.action))].sort();
    const granted = (actions: readonly string[]) => [...actions].sort();
    expect(used((s) => s.action.startsWith('cloudformation:'))).toEqual(granted(SMOKE_TEST_ACCESS.stacks.actions));
    expect(new Set(signed.flatMap((s) => (s.action.startsWith('cloudformation:') ? [s.input.StackName] : [])))).toEqual(
      new Set(SMOKE_TEST_ACCESS.stacks.names.map((name) => `cognito-ref-dev-${name}`)),
    );
    expect(used((s) => s.action.startsWith('cognito-idp:'))).toEqual(granted(SMOKE_TEST_ACCESS.userPool.actions));
    expect(used((s) => s.action.startsWith('cognito-identity:'))).toEqual(
      granted(SMOKE_TEST_ACCESS.identityPool.actions),
    );
    // DynamoDB: per table, the actions and the partition keys the statement allows.
    const tables = { outbox: 'testOutbox', legacy: 'legacyUsers', 'data-table': 'data' } as const;
    const dynamoCalls = signed.filter((s) => s.action.startsWith('dynamodb:'));
    expect(new Set(dynamoCalls.map((s) => s.input.TableName))).toEqual(new Set(Object.keys(tables)));
    for (const [tableName, kind] of Object.entries(tables)) {
      const grant = SMOKE_TEST_ACCESS.tables[kind];
      expect(used((s) => s.action.startsWith('dynamodb:') && s.input.TableName === tableName)).toEqual(
        granted(grant.actions),
      );
      const pattern = new RegExp(`^${grant.leadingKeys.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
      for (const call of dynamoCalls.filter((s) => s.input.TableName === tableName)) {
        const item = (call.input.Key ?? call.input.Item) as Record<string, AttributeValue>;
        const partitionKey = Object.values(item)[0]!.S!;
        expect({ tableName, partitionKey, granted: pattern.test(partitionKey) }).toEqual({
          tableName,
          partitionKey,
          granted: true,
        });
      }
    }
  });
});

describe('smoke test against a broken stage (simulated)', () => {
  it('fails the step whose protection is missing, goes on, cleans up and reports failure', async () => {
    const { run, idp } = await smoke({ apiLeaksOtherTenant: true, s3LeaksPrivate: true });
    expect(names(run, 'fail')).toEqual([
      'API: GET /tenants/globex/documents (other tenant) is denied',
      "row-level security: S3 write to another identity's private/ prefix is denied",
      MACHINE,
    ]);
    expect(run.failed).toBe(true);
    expect(run.exitCode).toBe(1);
    expect(idp.commandCalls(AdminDeleteUserCommand)).toHaveLength(3);
    expect(run.table()).toContain('**FAIL**');
  });

  it('fails the machine step when machine tokens come without the configured tenant', async () => {
    const { run } = await smoke({ machineTokenWithoutTenant: true });
    expect(names(run, 'fail')).toEqual([MACHINE]);
    expect(run.results.find((r) => r.name === MACHINE)!.detail).toBe(
      'machine token tenant_id is undefined, expected "acme"',
    );
  });

  it('fails the machine step when the API lets a machine read another tenant', async () => {
    const { run } = await smoke({ apiLeaksOtherTenant: true });
    expect(names(run, 'fail')).toContain(MACHINE);
    expect(run.results.find((r) => r.name === MACHINE)!.detail).toBe(
      'GET /tenants/globex/documents as the machine gave HTTP 200',
    );
  });

  it('fails the rotation step when a replaced refresh token still works after the grace period', async () => {
    const { run } = await smoke({ replacedRefreshTokenStaysValid: true });
    expect(names(run, 'fail')).toEqual([ROTATION]);
    expect(run.results.find((r) => r.name === ROTATION)!.detail).toBe(
      'the replaced refresh token gave accepted 10 s after its replacement',
    );
  });

  it('refreshes on the client that issued the tokens, waits out the grace period, then reuses the replaced token', async () => {
    const { idp } = await smoke();
    const refreshes = idp.commandCalls(GetTokensFromRefreshTokenCommand).map((c) => c.args[0].input);
    expect(refreshes).toHaveLength(3);
    expect(new Set(refreshes.map((r) => r.ClientId))).toEqual(new Set(['pwl-client']));
    // original, its replacement, then the original again (refused)
    expect(refreshes[2]!.RefreshToken).toBe(refreshes[0]!.RefreshToken);
    expect(refreshes[1]!.RefreshToken).not.toBe(refreshes[0]!.RefreshToken);
  });

  it("fails the cross-tenant read when alice can read bob's tenant object (leaky GetObject)", async () => {
    const { run, objects } = await smoke({ s3LeaksTenantReads: true });
    expect(names(run, 'fail')).toEqual([CROSS_TENANT_READ]);
    expect(run.results.find((r) => r.name === CROSS_TENANT_READ)!.detail).toBe('the request succeeded');
    expect(run.exitCode).toBe(1);
    expect([...objects.keys()]).toEqual([]);
  });

  it('a leaky stage still answers a read of a missing key with 403: only an existing object shows the leak', async () => {
    const { deps, users, identities } = setup({ s3LeaksTenantReads: true });
    users.set('alice@example.com', { tenant: 'acme', group: 'editors' });
    identities.set(`${REGION}:alice`, 'alice@example.com');
    const { s3 } = deps.asIdentity({ AccessKeyId: `AKID-${REGION}:alice`, Expiration: undefined });
    await expect(s3.send(new GetObjectCommand({ Bucket: 'b', Key: 'tenants/globex/missing.txt' }))).rejects.toThrow(
      'Access Denied',
    );
  });

  it('deletes users that were created before a later creation step failed', async () => {
    const { run, idp } = await smoke({ failSetPasswordFor: 'bob' });
    expect(names(run, 'fail')[0]).toMatch(/^create test users/);
    expect(run.results.find((r) => r.status === 'fail')!.detail).toContain('InvalidPasswordException');
    const deleted = idp.commandCalls(AdminDeleteUserCommand).map((c) => c.args[0].input.Username);
    expect(deleted.some((u) => u!.includes('alice')) && deleted.some((u) => u!.includes('bob'))).toBe(true);
    expect(idp.commandCalls(InitiateAuthCommand)).toHaveLength(0);
  });

  it('stops at once when the stage is not deployed, naming every missing stack, with nothing to clean up', async () => {
    const { run, idp } = await smoke({ stacks: [] });
    expect(run.results).toHaveLength(1);
    expect(run.results[0]!.status).toBe('fail');
    expect(run.results[0]!.detail).toBe(
      'stacks cognito-ref-dev-Data, cognito-ref-dev-Auth, cognito-ref-dev-Api not found: deploy the stage first',
    );
    expect(idp.calls()).toHaveLength(0);
  });

  const missing: [string, Partial<Fakes>, string][] = [
    [
      'the Api stack is missing',
      { stacks: ['cognito-ref-dev-Data', 'cognito-ref-dev-Auth'] },
      'stack cognito-ref-dev-Api not found',
    ],
    [
      'the Data stack is missing',
      { stacks: ['cognito-ref-dev-Auth', 'cognito-ref-dev-Api'] },
      'stack cognito-ref-dev-Data not found',
    ],
    [
      'an output every stage has is missing',
      { dropOutputs: ['IdentityPoolId'] },
      'outputs missing (cognito-ref-dev-Auth: IdentityPoolId)',
    ],
    [
      'an output the config turns on is missing (stage deployed from another config)',
      { dropOutputs: ['LegacyUsersTableName'] },
      'outputs missing (cognito-ref-dev-Auth: LegacyUsersTableName)',
    ],
  ];
  it.each(missing)('fails and creates nothing when %s', async (_, fakes, detail) => {
    const { run, idp } = await smoke(fakes);
    expect(run.results.map((r) => r.status)).toEqual(['fail']);
    expect(run.results[0]!.detail).toContain(detail);
    expect(run.exitCode).toBe(1);
    expect(idp.calls()).toHaveLength(0);
  });
});

describe('smoke test with optional features off', () => {
  it('without the passwordless test outbox, signs the test users in with their password and checks everything else', async () => {
    const { run } = await smoke({}, { passwordless: { customChallenge: { enabled: true, testOutbox: false } } });
    expect(names(run, 'fail')).toEqual([]);
    expect(names(run, 'skip')).toEqual(['sign in with an emailed code (custom auth)']);
    expect(names(run, 'pass')).toEqual(
      expect.arrayContaining([
        'sign in with a password (USER_PASSWORD_AUTH, web client): alice',
        'sign in with a password (USER_PASSWORD_AUTH, web client): bob',
        CROSS_TENANT_READ,
      ]),
    );
  });

  it('skips only the machine step when no route accepts machine callers', async () => {
    const { run, idp } = await smoke(
      {},
      { api: { routes: { 'GET /tenants/{tenantId}/documents': { scope: 'read', machines: false } } } },
    );
    expect(names(run, 'fail')).toEqual([]);
    expect(names(run, 'skip')).toEqual([MACHINE]);
    expect(idp.commandCalls(DescribeUserPoolClientCommand)).toHaveLength(0);
  });

  it('skips only the rotation step when refresh-token rotation is off', async () => {
    const { run, idp } = await smoke({}, { refreshTokenRotation: { enabled: false } });
    expect(names(run, 'fail')).toEqual([]);
    expect(names(run, 'skip')).toEqual([ROTATION]);
    expect(idp.commandCalls(GetTokensFromRefreshTokenCommand)).toHaveLength(0);
  });

  it('skips only the migration step when migration is off', async () => {
    const { run } = await smoke({}, { migration: { enabled: false } });
    expect(names(run, 'fail')).toEqual([]);
    expect(names(run, 'skip')).toEqual(['sign in with a password (user migration)']);
  });

  it('fails when no test user can sign in (no test outbox, no migration), instead of passing with everything skipped', async () => {
    const { run, idp } = await smoke(
      {},
      { migration: { enabled: false }, passwordless: { customChallenge: { enabled: false, testOutbox: false } } },
    );
    expect(names(run, 'fail')).toEqual(['sign in the test users']);
    expect(names(run, 'skip')).toEqual([
      'sign in with a password (user migration)',
      'tokens, API, identity pool, row-level security',
    ]);
    expect(run.exitCode).toBe(1);
    expect(idp.commandCalls(AdminDeleteUserCommand)).toHaveLength(2);
  });

  it('fails when the config has no groups the test users can use', async () => {
    const { run, idp } = await smoke({}, { groups: onlyWriters(['editors']) });
    expect(names(run, 'fail')).toEqual(['create test users (AdminCreateUser, permanent password, group)']);
    expect(run.results[1]!.detail).toContain('found "editors" and none');
    expect(idp.calls()).toHaveLength(0);
  });
});

/** The dev groups, with tenant write access only for `writers` (the others read). */
function onlyWriters(writers: readonly string[]): StageConfigInput['groups'] {
  return stageInput('dev').groups.map((g) => ({ ...g, tenantAccess: writers.includes(g.name) ? 'write' : 'read' }));
}

describe('smoke session (what scripts/smoke.ts runs)', () => {
  function recorder() {
    const printed: string[] = [];
    return { printed, print: (text: string) => printed.push(text) };
  }

  it('prints the table and exits 1 when an error is thrown outside a step, after running the cleanups', async () => {
    const run = new SmokeRun(() => 0);
    const { printed, print } = recorder();
    const code = await smokeSession(run, print).run(async () => {
      await run.step('create something', () => {
        run.onCleanup('delete it', () => Promise.resolve());
        return Promise.resolve();
      });
      throw new TypeError('outputs.ApiUrl is undefined');
    });
    expect(code).toBe(1);
    expect(run.results.map((r) => [r.name, r.status])).toEqual([
      ['create something', 'pass'],
      ['smoke test stopped outside a step', 'fail'],
      ['cleanup: delete it', 'pass'],
    ]);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(
      '| smoke test stopped outside a step | **FAIL** | 0 ms | TypeError: outputs.ApiUrl is undefined |',
    );
  });

  it('on SIGINT starts no further step, lets the step in flight register its cleanup, cleans up, prints once, exits 130', async () => {
    const run = new SmokeRun(() => 0);
    const { printed, print } = recorder();
    const session = smokeSession(run, print, { graceMs: 60_000, wait: () => new Promise(() => {}) });
    let finishCreate!: () => void;
    const created = new Promise<void>((resolve) => (finishCreate = resolve));
    const deleted: string[] = [];
    const scenario = session.run(async () => {
      await run.step('create a user', async () => {
        await created;
        run.onCleanup('delete the user', () => Promise.resolve(deleted.push('user')));
      });
      await run.step('create an identity', () => {
        run.onCleanup('delete the identity', () => Promise.resolve(deleted.push('identity')));
        return Promise.resolve();
      });
    });
    const cancelled = session.cancel('SIGINT');
    finishCreate();
    expect(await cancelled).toBe(130);
    expect(await scenario).toBe(130);
    expect(deleted).toEqual(['user']);
    expect(run.results[0]).toMatchObject({ name: 'cancelled by SIGINT', status: 'fail' });
    expect(run.results.map((r) => [r.name, r.status]).sort()).toEqual([
      ['cancelled by SIGINT', 'fail'],
      ['cleanup: delete the user', 'pass'],
      ['create a user', 'pass'],
      ['create an identity', 'skip'],
    ]);
    expect(printed).toHaveLength(1);
  });

  it('on SIGTERM with a step that never ends, cleans up what exists after the grace period and exits 143', async () => {
    const run = new SmokeRun(() => 0);
    const { printed, print } = recorder();
    const waited: number[] = [];
    const session = smokeSession(run, print, {
      graceMs: 3000,
      wait: (ms) => Promise.resolve(void waited.push(ms)),
    });
    const deleted: string[] = [];
    void session.run(async () => {
      run.onCleanup('delete the user', () => Promise.resolve(deleted.push('user')));
      await run.step('hang', () => new Promise(() => {}));
    });
    expect(await session.cancel('SIGTERM')).toBe(143);
    expect(waited).toEqual([3000]);
    expect(deleted).toEqual(['user']);
    expect(printed[0]).toContain('cancelled by SIGTERM');
  });

  it('scripts/smoke.ts prints the table and exits 130 on SIGINT while a request hangs', async () => {
    // A loopback "AWS endpoint" that never answers, so DescribeStacks is in flight when SIGINT comes.
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const child = spawn(
        process.execPath,
        [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/smoke.ts', '--stage', 'dev'],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH,
            AWS_REGION: REGION,
            AWS_ACCESS_KEY_ID: 'AKIDSMOKETEST',
            AWS_SECRET_ACCESS_KEY: 'secret',
            AWS_ENDPOINT_URL: endpoint,
            AWS_CONFIG_FILE: '/dev/null',
            AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
            AWS_EC2_METADATA_DISABLED: 'true',
          },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
      const started = new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += String(chunk);
          if (stdout.includes('Smoke test of')) resolve();
        }),
      );
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const requested = new Promise<void>((resolve) => server.once('request', () => resolve()));
      await started;
      await requested;
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toContain('SIGINT: stopping; cleaning up what the smoke test created');
      expect(stdout).toContain('| 1 | cancelled by SIGINT | **FAIL** |');
      expect(stdout).toContain('1 fail');
    } finally {
      server.closeAllConnections();
      server.close();
    }
    // A tsx process that loads the SDK and the config: a few seconds alone, more beside the other
    // test workers on two cores.
  }, 120_000);
});

describe('smoke helpers', () => {
  it('reads outputs across stacks and names a missing stack or output', async () => {
    const { deps } = setup({ stacks: ['cognito-ref-dev-Data', 'cognito-ref-dev-Auth'], dropOutputs: ['ApiUrl'] });
    const outputs = await readStageOutputs(deps.cloudFormation, 'cognito-ref-dev', {
      Data: ['DataTableName'],
      Auth: ['UserPoolId'],
    });
    expect(requireOutput(outputs, 'UserPoolId')).toBe(POOL);
    expect(() => requireOutput(outputs, 'ApiUrl')).toThrow(/stack output ApiUrl not found \(have: DataBucketName, /);
    await expect(readStageOutputs(deps.cloudFormation, 'cognito-ref-dev', { Api: ['ApiUrl'] })).rejects.toThrow(
      'stack cognito-ref-dev-Api not found: deploy the stage first',
    );
    await expect(
      readStageOutputs(deps.cloudFormation, 'cognito-ref-dev', { Auth: ['UserPoolId', 'Nope', 'AlsoNope'] }),
    ).rejects.toThrow('outputs missing (cognito-ref-dev-Auth: Nope, AlsoNope)');
  });

  it('requires exactly the outputs the synthesized stage has: always-present ones, conditional ones only when on', () => {
    const off: DeepPartial<StageConfigInput> = {
      migration: { enabled: false },
      passwordless: { customChallenge: { enabled: false, testOutbox: false } },
      identityPool: { rules: [] },
    };
    const readByTheSmokeTest = new Set(
      STAGE_STACKS.flatMap((s) => requiredOutputs(parseStageConfig(stageInput('dev'), 'dev'))[s]),
    );
    for (const patch of [{}, off]) {
      const { config, stacks, templates } = synthStage('dev', patch);
      const required = requiredOutputs(config);
      expect([stacks.data, stacks.auth, stacks.api].map((s) => s.stackName)).toEqual(
        STAGE_STACKS.map((name) => `cognito-ref-dev-${name}`),
      );
      for (const [stack, key] of [
        ['Data', 'data'],
        ['Auth', 'auth'],
        ['Api', 'api'],
      ] as const) {
        const synthesized = Object.keys(templates[key].toJSON().Outputs as object).filter((k) =>
          readByTheSmokeTest.has(k),
        );
        expect({ stack, outputs: synthesized.sort() }).toEqual({ stack, outputs: [...required[stack]].sort() });
      }
    }
  });

  it('picks test groups from the config: a tenant writer without and one with the admin scope', () => {
    const config = (patch: DeepPartial<StageConfigInput>): StageConfig =>
      parseStageConfig(stageInput('dev', patch), 'test');
    expect(pickTestGroups(config({}))).toEqual({ alice: 'editors', bob: 'admins' });
    expect(() => pickTestGroups(config({ groups: onlyWriters(['admins']) }))).toThrow('found none and "admins"');
    const withoutAdminScope = stageInput('dev').groups.map((g) => ({
      ...g,
      scopes: (g.scopes ?? []).filter((scope) => scope !== 'admin'),
    }));
    expect(() => pickTestGroups(config({ groups: withoutAdminScope }))).toThrow('found "admins" and none');
  });

  it('records pass, fail and skip with details, and describes AWS errors without secrets', async () => {
    const run = new SmokeRun(() => 0);
    await run.step(
      'ok',
      () => Promise.resolve(1),
      (v) => `value ${v}`,
    );
    await run.step('bad', () => Promise.reject(new SmokeFailure('expected 403')));
    run.skip('later', 'not deployed');
    expect(run.results.map((r) => [r.name, r.status, r.detail])).toEqual([
      ['ok', 'pass', 'value 1'],
      ['bad', 'fail', 'expected 403'],
      ['later', 'skip', 'not deployed'],
    ]);
    const awsError = Object.assign(new Error('User does not exist.\nstack...'), {
      name: 'UserNotFoundException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(describeError(awsError)).toBe('UserNotFoundException (HTTP 400): User does not exist.');
  });

  it('makes passwords every allowed password policy accepts', () => {
    for (let i = 0; i < 50; i++) {
      const password = strongPassword();
      expect(password.length).toBeGreaterThanOrEqual(20);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/\d/);
      expect(password).toMatch(/[^A-Za-z0-9]/);
    }
  });

  it('refuses to run against a production stage', () => {
    let stderr = '';
    let status = 0;
    try {
      execFileSync(
        process.execPath,
        [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/smoke.ts', '--stage', 'prod'],
        {
          cwd: ROOT,
          stdio: 'pipe',
        },
      );
    } catch (error) {
      stderr = String((error as { stderr: Buffer }).stderr);
      status = (error as { status: number }).status;
    }
    expect(status).toBe(2);
    expect(stderr).toContain('Refusing to run the smoke test against a production stage (prod)');
  });
});
