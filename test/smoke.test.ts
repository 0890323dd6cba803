import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type InitiateAuthCommandInput,
  type RespondToAuthChallengeCommandInput,
} from '@aws-sdk/client-cognito-identity-provider';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { parseStageConfig } from '../lib/config/load';
import { readStageOutputs, requireOutput } from '../scripts/smoke/outputs';
import { describeError, SmokeFailure, SmokeRun } from '../scripts/smoke/runner';
import { runSmoke, strongPassword, type SmokeDeps } from '../scripts/smoke/scenario';
import { stageInput } from './helpers/app';

// The smoke test's logic against a simulated deployed stage: every AWS client is mocked, the API
// is a fake fetch and IAM decisions are imitated by the fake identity clients. What only a real
// account can show (that Cognito, IAM and API Gateway behave like these fakes) is the smoke
// test's job when it runs against a deployed stage.

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
  failSetPasswordFor?: string;
  stacks: string[];
}

function setup(fakes: Partial<Fakes> = {}, configPatch = {}) {
  const f: Fakes = { apiLeaksOtherTenant: false, s3LeaksPrivate: false, stacks: Object.keys(OUTPUTS), ...fakes };
  const config = parseStageConfig(stageInput('dev', configPatch), 'test');
  const cfn = mockClient(CloudFormationClient);
  const idp = mockClient(CognitoIdentityProviderClient);
  const identity = mockClient(CognitoIdentityClient);
  const dynamo = mockClient(DynamoDBClient);
  mocks.push(cfn, idp, identity, dynamo);
  const users = new Map<string, { tenant?: string; group?: string }>();

  cfn.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => {
    if (!f.stacks.includes(input.StackName)) {
      throw Object.assign(new Error(`Stack with id ${input.StackName} does not exist`), { name: 'ValidationError' });
    }
    const outputs = OUTPUTS[input.StackName] ?? {};
    return {
      Stacks: [{ Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
    };
  });
  idp
    .on(AdminCreateUserCommand)
    .callsFake((input: { Username: string; UserAttributes: { Name: string; Value: string }[] }) => {
      users.set(input.Username, { tenant: input.UserAttributes.find((a) => a.Name === 'custom:tenant_id')?.Value });
      return {};
    });
  idp.on(AdminSetUserPasswordCommand).callsFake((input: { Username: string }) => {
    if (f.failSetPasswordFor && input.Username.includes(f.failSetPasswordFor)) {
      throw Object.assign(new Error('Password does not conform to policy'), { name: 'InvalidPasswordException' });
    }
    return {};
  });
  idp.on(AdminAddUserToGroupCommand).callsFake((input: { Username: string; GroupName: string }) => {
    users.get(input.Username)!.group = input.GroupName;
    return {};
  });
  idp.on(AdminDeleteUserCommand).resolves({});
  const tokensFor = (username: string) => {
    const user = users.get(username) ?? { tenant: 'acme' };
    const groups = user.group ? [user.group] : [];
    const scopes = ['api/read', ...(user.group === 'editors' ? ['api/write'] : [])];
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
        token_use: 'access',
        tenant_id: user.tenant,
        scope: scopes.join(' '),
        'cognito:groups': groups,
      }),
      RefreshToken: 'refresh',
    };
  };
  idp.on(InitiateAuthCommand).callsFake((input: InitiateAuthCommandInput) => {
    const username = input.AuthParameters!.USERNAME!;
    if (input.AuthFlow === 'CUSTOM_AUTH') return { ChallengeName: 'CUSTOM_CHALLENGE', Session: `s1:${username}` };
    if (input.AuthParameters!.PASSWORD!.endsWith('x')) {
      throw Object.assign(new Error('Incorrect username or password.'), { name: 'NotAuthorizedException' });
    }
    users.set(username, { tenant: 'acme' });
    return { AuthenticationResult: tokensFor(username) };
  });
  idp.on(RespondToAuthChallengeCommand).callsFake((input: RespondToAuthChallengeCommandInput) => {
    const username = input.ChallengeResponses!.USERNAME!;
    if (input.ChallengeResponses!.ANSWER !== CODE)
      return { ChallengeName: 'CUSTOM_CHALLENGE', Session: `s2:${username}` };
    return { AuthenticationResult: tokensFor(username) };
  });
  dynamo
    .on(GetItemCommand)
    .callsFake((input: { TableName: string }) =>
      input.TableName === 'outbox' ? { Item: { email: { S: 'x' }, code: { S: CODE } } } : {},
    );
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(DeleteItemCommand).resolves({});
  identity.on(GetIdCommand).callsFake((input: { Logins: Record<string, string> }) => {
    const token = Object.values(input.Logins)[0]!;
    return { IdentityId: `${REGION}:${String(decode(token).sub)}` };
  });
  identity.on(GetCredentialsForIdentityCommand).callsFake((input: { IdentityId: string; CustomRoleArn?: string }) => {
    if (input.CustomRoleArn && input.CustomRoleArn !== 'arn:role/editors') {
      throw Object.assign(new Error('Invalid identity pool configuration'), {
        name: 'InvalidIdentityPoolConfigurationException',
      });
    }
    return { Credentials: { AccessKeyId: `AKID-${input.IdentityId}`, SecretKey: 's', SessionToken: 't' } };
  });

  // Identity-pool credentials: imitate the role policies (own prefix, own tenant).
  const s3Calls: string[] = [];
  const userDynamoCalls: string[] = [];
  const denied = () => Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
  const asIdentity: SmokeDeps['asIdentity'] = (credentials) => {
    const identityId = credentials.AccessKeyId!.replace('AKID-', '');
    const tenant = 'acme';
    return {
      s3: {
        send: (command: { constructor: { name: string }; input: { Key: string } }) => {
          const { Key } = command.input;
          s3Calls.push(`${command.constructor.name} ${Key}`);
          const own = Key.startsWith(`private/${identityId}/`) || Key.startsWith(`tenants/${tenant}/`);
          return own || f.s3LeaksPrivate ? Promise.resolve({}) : Promise.reject(denied());
        },
      } as never,
      dynamoDb: {
        send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
          const text = JSON.stringify(command.input);
          userDynamoCalls.push(`${command.constructor.name} ${text}`);
          return text.includes(`IDENTITY#${identityId}`)
            ? Promise.resolve({})
            : Promise.reject(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
        },
      } as never,
    };
  };

  const apiCalls: string[] = [];
  const fetchFake = ((url: URL, init: RequestInit) => {
    const path = url.pathname.replace('/v1/', '');
    const auth = (init.headers as Record<string, string>).Authorization;
    apiCalls.push(`${String(init.method)} ${path}`);
    const respond = (status: number, body: unknown = {}) =>
      Promise.resolve(new Response(JSON.stringify(body), { status }));
    if (!auth) return respond(401);
    const claims = decode(auth.replace('Bearer ', ''));
    if (claims.token_use !== 'access') return respond(401);
    if (path === 'me') return respond(200, { tenantId: claims.tenant_id });
    if (path.startsWith('documents/')) return respond(200, {});
    if (path.startsWith('tenants/')) {
      const tenant = path.split('/')[1];
      return respond(tenant === claims.tenant_id || f.apiLeaksOtherTenant ? 200 : 403);
    }
    if (path === 'admin/users') return respond(String(claims.scope).includes('api/admin') ? 200 : 403);
    return respond(404);
  }) as unknown as typeof fetch;

  const deps: SmokeDeps = {
    config,
    region: REGION,
    cloudFormation: new CloudFormationClient({ region: REGION }),
    cognitoIdp: new CognitoIdentityProviderClient({ region: REGION }),
    cognitoIdentity: new CognitoIdentityClient({ region: REGION }),
    dynamoDb: new DynamoDBClient({ region: REGION }),
    asIdentity,
    fetch: fetchFake,
    verifyToken: (token, expected) => {
      const claims = decode(token);
      if (claims.token_use !== expected.tokenUse) return Promise.reject(new Error('wrong token_use'));
      return Promise.resolve(claims);
    },
    sleep: () => Promise.resolve(),
  };
  return { deps, idp, dynamo, identity, cfn, s3Calls, userDynamoCalls, apiCalls };
}

const mocks: { restore(): void }[] = [];
afterEach(() => {
  for (const mock of mocks.splice(0)) mock.restore();
});

async function smoke(fakes: Partial<Fakes> = {}, configPatch = {}) {
  const env = setup(fakes, configPatch);
  const run = new SmokeRun(() => 0);
  await runSmoke(env.deps, run);
  await run.cleanup();
  return { ...env, run };
}

const names = (run: SmokeRun, status: 'pass' | 'fail' | 'skip') =>
  run.results.filter((r) => r.status === status).map((r) => r.name);

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
      'token claims and scopes',
      'API: GET /me without a token is refused',
      'API: GET /tenants/globex/documents (other tenant) is denied',
      'API: GET /admin/users without the admin scope is denied',
      "identity pool: alice's ID token becomes credentials",
      'CustomRoleArn of the own group is granted',
      "CustomRoleArn of another group's role is refused",
      "S3 write to another identity's private/ prefix is denied",
      'S3 read from another tenant (tenants/globex/) is denied',
      "DynamoDB read of another identity's partition is denied",
    ]) {
      expect(passed).toContain(step);
    }
    expect(run.failed).toBe(false);
  });

  it('deletes everything it created, in reverse order', async () => {
    const { run, idp, dynamo, s3Calls, userDynamoCalls } = await smoke();
    const deletedUsers = idp.commandCalls(AdminDeleteUserCommand).map((c) => c.args[0].input.Username);
    expect(deletedUsers).toHaveLength(3); // alice, bob, the migrated legacy user
    expect(deletedUsers.slice(-2).every((u) => /alice|bob/.test(u!))).toBe(true);
    const deletions = dynamo.commandCalls(DeleteItemCommand).map((c) => c.args[0].input.TableName);
    expect(deletions.sort()).toEqual(['data-table', 'legacy']);
    expect(s3Calls.filter((c) => c.startsWith('DeleteObjectCommand'))).toHaveLength(2);
    expect(userDynamoCalls.filter((c) => c.startsWith('DeleteItemCommand'))).toHaveLength(1);
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
      expect(input.UserAttributes).toEqual(expect.arrayContaining([{ Name: 'email_verified', Value: 'true' }]));
    }
  });
});

describe('smoke test against a broken stage (simulated)', () => {
  it('fails the step whose protection is missing, goes on, cleans up and reports failure', async () => {
    const { run, idp } = await smoke({ apiLeaksOtherTenant: true, s3LeaksPrivate: true });
    expect(names(run, 'fail')).toEqual([
      'API: GET /tenants/globex/documents (other tenant) is denied',
      "row-level security: S3 write to another identity's private/ prefix is denied",
      'row-level security: S3 read from another tenant (tenants/globex/) is denied',
    ]);
    expect(run.failed).toBe(true);
    expect(idp.commandCalls(AdminDeleteUserCommand)).toHaveLength(3);
    expect(run.table()).toContain('**FAIL**');
  });

  it('deletes users that were created before a later creation step failed', async () => {
    const { run, idp } = await smoke({ failSetPasswordFor: 'bob' });
    expect(names(run, 'fail')[0]).toMatch(/^create test users/);
    expect(run.results.find((r) => r.status === 'fail')!.detail).toContain('InvalidPasswordException');
    const deleted = idp.commandCalls(AdminDeleteUserCommand).map((c) => c.args[0].input.Username);
    expect(deleted.some((u) => u!.includes('alice')) && deleted.some((u) => u!.includes('bob'))).toBe(true);
    expect(idp.commandCalls(InitiateAuthCommand)).toHaveLength(0);
  });

  it('stops at once when the stage is not deployed, with nothing to clean up', async () => {
    const { run, idp } = await smoke({ stacks: [] });
    expect(run.results).toHaveLength(1);
    expect(run.results[0]!.status).toBe('fail');
    expect(run.results[0]!.detail).toBe('stack cognito-ref-dev-Auth not found: deploy the stage first');
    expect(idp.calls()).toHaveLength(0);
  });
});

describe('smoke test with optional features off', () => {
  it('skips what the stage does not deploy and says why', async () => {
    const { run } = await smoke({ stacks: ['cognito-ref-dev-Auth'] }, {});
    expect(names(run, 'skip')).toEqual(
      expect.arrayContaining(['API routes', 'row-level security with identity-pool credentials']),
    );
  });
});

describe('smoke helpers', () => {
  it('reads outputs across stacks and names what exists when one is missing', async () => {
    const { deps } = setup();
    const { outputs, stacks } = await readStageOutputs(deps.cloudFormation, 'cognito-ref-dev', [
      'Data',
      'Nope',
      'Auth',
    ]);
    expect(stacks).toEqual(['cognito-ref-dev-Data', 'cognito-ref-dev-Auth']);
    expect(requireOutput(outputs, 'UserPoolId')).toBe(POOL);
    expect(() => requireOutput(outputs, 'ApiUrl')).toThrow(/stack output ApiUrl not found \(have: DataBucketName, /);
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
    const root = join(__dirname, '..');
    let stderr = '';
    let status = 0;
    try {
      execFileSync(
        process.execPath,
        [join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/smoke.ts', '--stage', 'prod'],
        {
          cwd: root,
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
