import { LEGACY_TABLE, OUTBOX_TABLE } from '../lambda/contract';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { hashPassword } from '../lambda/shared/password-hash';
import { ReferenceFunction } from '../lib/constructs/lambda-function';
import { synthStage } from './helpers/app';
import { fixture } from './helpers/lambda';

const run = promisify(execFile);

// The deployed bundles themselves (not the TypeScript sources): built by `cdk synth`, loaded and
// invoked in a fresh Node process like the Lambda runtime does. The only "AWS" is a loopback
// HTTP server standing in for the AWS endpoints, so each signed request can be checked.
// dev (self sign-up with migration, passwordless with the test outbox), and three variations
// (linking without or with self sign-up, no outbox, usersWithMfa "allow"): together every
// variant of every function.
const bundled = { bundling: true };
const google = { google: { clientId: 'id', clientSecretName: 'g', trustEmailVerified: true } };
const stages = [
  synthStage('dev', {}, bundled),
  synthStage('dev', { identityProviders: google, userPool: { selfSignUp: false } }, bundled),
  synthStage('dev', { identityProviders: google, passwordless: { customChallenge: { testOutbox: false } } }, bundled),
  synthStage(
    'dev',
    {
      userPool: { selfSignUp: false },
      passwordless: { customChallenge: { testOutbox: false, usersWithMfa: 'allow' } },
    },
    bundled,
  ),
];
/**
 * MACHINE_CLIENTS holds client ids CloudFormation fills in at deploy time; the bundles get the
 * machine client of the client-credentials fixture in its place.
 */
const FIXTURE_MACHINE_CLIENTS = JSON.stringify([
  { clientId: '3example45machine67client89', name: 'default', tenant: 'acme', scopes: ['api/read'] },
]);
const bundles = new Map<string, { file: string; env: Record<string, string> }>();
for (const { app } of stages) {
  for (const fn of app.node.findAll().filter((c): c is ReferenceFunction => c instanceof ReferenceFunction)) {
    const asset = (fn.function.node.defaultChild as CfnFunction).getMetadata('aws:asset:path') as string;
    const env = { ...fn.environment };
    if (env.MACHINE_CLIENTS?.includes('${Token[')) env.MACHINE_CLIENTS = FIXTURE_MACHINE_CLIENTS;
    bundles.set(fn.entry, { file: join(app.outdir, asset, 'index.mjs'), env });
  }
}

const credentials = {
  AWS_ACCESS_KEY_ID: 'AKIDBUNDLETEST',
  AWS_SECRET_ACCESS_KEY: 'bundle-test-secret',
  AWS_SESSION_TOKEN: 'bundle-test-session',
  AWS_REGION: 'eu-west-1',
};

function invoke(entry: string, fixture: string, extraEnv: Record<string, string> = {}) {
  return invokeFile(entry, join(__dirname, 'events', `${fixture}.json`), extraEnv);
}

async function invokeFile(entry: string, eventFile: string, extraEnv: Record<string, string> = {}) {
  const bundle = bundles.get(entry);
  if (!bundle) throw new Error(`no bundle for ${entry}`);
  const { stdout } = await run(
    process.execPath,
    [join(__dirname, 'helpers', 'invoke-bundle.mjs'), bundle.file, eventFile],
    {
      env: { PATH: process.env.PATH, ...credentials, ...bundle.env, ...extraEnv },
    },
  );
  return JSON.parse(stdout) as { result?: unknown; error?: string; logs: unknown[] };
}

/** A fixture, tweaked, written to a temporary file for the bundle process to read. */
function writeEvent(fixtureName: string, tweak: (event: { request: Record<string, unknown> }) => void): string {
  const event = fixture<{ request: Record<string, unknown> }>(fixtureName);
  tweak(event);
  const file = join(mkdtempSync(join(tmpdir(), 'bundle-event-')), 'event.json');
  writeFileSync(file, JSON.stringify(event));
  return file;
}

describe('deployed Lambda bundles', () => {
  let server: Server;
  let endpoint: string;
  const requests: { url: string | undefined; headers: IncomingMessage['headers']; body: string }[] = [];
  let reply: (target: string) => [number, unknown] = () => [200, {}];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push({ url: req.url, headers: req.headers, body });
        const [status, payload] = reply(String(req.headers['x-amz-target']));
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests.length = 0;
    reply = () => [200, {}];
  });

  it('builds one bundle per trigger variant', () => {
    expect([...bundles.keys()].filter((e) => e.startsWith('triggers/')).sort()).toEqual([
      'triggers/create-auth-challenge/handler-mfa-allowed.ts',
      'triggers/create-auth-challenge/handler-with-outbox.ts',
      'triggers/create-auth-challenge/handler.ts',
      'triggers/define-auth-challenge/handler.ts',
      'triggers/migrate-user/handler.ts',
      'triggers/post-confirmation/handler.ts',
      'triggers/pre-sign-up/handler-federated-migration.ts',
      'triggers/pre-sign-up/handler-federated.ts',
      'triggers/pre-sign-up/handler-migration.ts',
      'triggers/pre-sign-up/handler.ts',
      'triggers/pre-token-generation/handler.ts',
      'triggers/verify-auth-challenge/handler.ts',
    ]);
  });

  it('migrate user reads the legacy directory through the bundled DynamoDB client and migrates on the right password', async () => {
    const password = 'Legacy-passw0rd!';
    const passwordHash = await hashPassword(password, { ln: 10, r: 8, p: 1 });
    reply = (target) =>
      target === 'DynamoDB_20120810.GetItem'
        ? [
            200,
            {
              Item: {
                [LEGACY_TABLE.partitionKey]: { S: 'alice.legacy@example.com' },
                [LEGACY_TABLE.fields.email]: { S: 'alice.legacy@example.com' },
                [LEGACY_TABLE.fields.passwordHash]: { S: passwordHash },
                [LEGACY_TABLE.fields.emailVerified]: { BOOL: true },
              },
            },
          ]
        : [400, { __type: 'UnknownOperationException' }];
    const eventFile = writeEvent('migrate-user.authentication', (e) => {
      (e.request as { password: string }).password = password;
    });
    const out = await invokeFile('triggers/migrate-user/handler.ts', eventFile, { AWS_ENDPOINT_URL: endpoint });
    expect(out.error).toBeUndefined();
    expect(requests.map((r) => r.headers['x-amz-target'])).toEqual(['DynamoDB_20120810.GetItem']);
    expect(JSON.parse(requests[0]!.body)).toMatchObject({
      Key: { [LEGACY_TABLE.partitionKey]: { S: 'alice.legacy@example.com' } },
    });
    expect((out.result as { response: { finalUserStatus: string } }).response.finalUserStatus).toBe('CONFIRMED');
    expect(JSON.stringify(out.logs)).not.toContain(password);
  });

  it('create auth challenge (dev variant) reserves the code in the sign-in state, checks MFA, emails it and stores it in the test outbox for a smoke address', async () => {
    reply = (target) => {
      if (target === 'AWSCognitoIdentityProviderService.AdminGetUser')
        return [200, { Username: 'u', UserAttributes: [] }];
      return target?.startsWith('DynamoDB') ? [200, {}] : [200, { MessageId: 'm-1' }];
    };
    const smoke = 'success+smoke1a2b-alice@simulator.amazonses.com';
    const eventFile = writeEvent('create-auth-challenge', (e) => {
      (e.request as { userAttributes: Record<string, string> }).userAttributes.email = smoke;
    });
    const out = await invokeFile('triggers/create-auth-challenge/handler-with-outbox.ts', eventFile, {
      AWS_ENDPOINT_URL: endpoint,
    });
    expect(out.error).toBeUndefined();
    const targets = requests.map((r) => r.headers['x-amz-target'] ?? r.url);
    expect([...targets].sort()).toEqual(
      [
        'AWSCognitoIdentityProviderService.AdminGetUser',
        'DynamoDB_20120810.GetItem',
        'DynamoDB_20120810.PutItem',
        'DynamoDB_20120810.PutItem',
        '/v2/email/outbound-emails',
      ].sort(),
    );
    const puts = requests.filter((r) => r.headers['x-amz-target'] === 'DynamoDB_20120810.PutItem');
    const reserve = JSON.parse(puts[0]!.body) as { ConditionExpression?: string; Item: Record<string, { S: string }> };
    expect(reserve.ConditionExpression).toBe('attribute_not_exists(#key)');
    const outbox = JSON.parse(puts[1]!.body) as { Item: Record<string, { S: string }> };
    const code = outbox.Item[OUTBOX_TABLE.code]!.S;
    expect(code).toMatch(/^\d{6,}$/);
    expect(reserve.Item.code!.S).toBe(code);
    const ses = requests.find((r) => r.url === '/v2/email/outbound-emails')!;
    expect(JSON.parse(ses.body)).toMatchObject({ Destination: { ToAddresses: [smoke] } });
    expect(JSON.stringify(ses.body)).toContain(code);
    expect(JSON.stringify(out.logs)).not.toContain(code);
  });

  it('verify auth challenge accepts the outstanding code through the bundled DynamoDB client and consumes it', async () => {
    const item = fixture('sign-in-state.outstanding');
    reply = (target) => (target === 'DynamoDB_20120810.GetItem' ? [200, { Item: item }] : [200, {}]);
    const out = await invoke('triggers/verify-auth-challenge/handler.ts', 'verify-auth-challenge', {
      AWS_ENDPOINT_URL: endpoint,
    });
    expect(out.error).toBeUndefined();
    expect((out.result as { response: { answerCorrect: boolean } }).response.answerCorrect).toBe(true);
    const put = JSON.parse(requests[1]!.body) as { ConditionExpression: string; Item: Record<string, unknown> };
    expect(put.ConditionExpression).toBe('#version = :read');
    expect(put.Item.code).toBeUndefined();
  });

  it('post confirmation sends a SigV4-signed AdminAddUserToGroup with the credentials Lambda provides', async () => {
    const out = await invoke('triggers/post-confirmation/handler.ts', 'post-confirmation.confirm-sign-up', {
      AWS_ENDPOINT_URL: endpoint,
    });
    expect(out.error).toBeUndefined();
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request!.headers['x-amz-target']).toBe('AWSCognitoIdentityProviderService.AdminAddUserToGroup');
    expect(request!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDBUNDLETEST\/\d{8}\/eu-west-1\/cognito-idp\/aws4_request/,
    );
    expect(request!.headers['x-amz-security-token']).toBe('bundle-test-session');
    expect(JSON.parse(request!.body)).toEqual({
      UserPoolId: 'eu-west-1_EXAMPLE1',
      Username: 'a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809',
      GroupName: 'readers',
    });
  });

  it('a failing AWS call ends in the generic message after the configured 2 attempts', async () => {
    reply = () => [500, { __type: 'InternalErrorException', message: 'internal detail' }];
    const out = await invoke('triggers/post-confirmation/handler.ts', 'post-confirmation.confirm-sign-up', {
      AWS_ENDPOINT_URL: endpoint,
    });
    expect(out.error).toBe('The request could not be completed.');
    expect(requests).toHaveLength(2);
    expect(JSON.stringify(out.logs)).toContain('InternalErrorException');
    expect(JSON.stringify(out.logs)).not.toContain('internal detail');
  });

  it('federated pre sign-up looks the user up and links the identity through the bundled SDK', async () => {
    reply = (target) =>
      target.endsWith('ListUsers')
        ? [
            200,
            {
              Users: [
                {
                  Username: 'native-1',
                  UserStatus: 'CONFIRMED',
                  Attributes: [{ Name: 'email_verified', Value: 'true' }],
                },
              ],
            },
          ]
        : [200, {}];
    const out = await invoke('triggers/pre-sign-up/handler-federated.ts', 'pre-sign-up.external-provider', {
      AWS_ENDPOINT_URL: endpoint,
    });
    expect(out.error).toBeUndefined();
    expect(requests.map((r) => r.headers['x-amz-target'])).toEqual([
      'AWSCognitoIdentityProviderService.ListUsers',
      'AWSCognitoIdentityProviderService.AdminLinkProviderForUser',
    ]);
  });

  describe('against an endpoint that accepts connections and never answers', () => {
    let silent: Server;
    let silentEndpoint: string;
    let received = 0;
    beforeAll(async () => {
      silent = createServer(() => {
        received += 1; // and never respond
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentEndpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    });
    afterAll(() => {
      silent.closeAllConnections();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    beforeEach(() => {
      received = 0;
    });

    it('one call gives up after 2 attempts of 1.5 s and answers with the generic message', async () => {
      const out = await invoke('triggers/post-confirmation/handler.ts', 'post-confirmation.confirm-sign-up', {
        AWS_ENDPOINT_URL: silentEndpoint,
      });
      // Without throwOnRequestTimeout the first attempt would wait forever (jest's timeout).
      expect(out.error).toBe('The request could not be completed.');
      expect(received).toBe(2);
      expect(JSON.stringify(out.logs)).toContain('TimeoutError');
    });

    it("a call is cut at the invocation's deadline when less time is left than its own timeouts", async () => {
      const out = await invoke('triggers/pre-sign-up/handler-federated.ts', 'pre-sign-up.external-provider', {
        AWS_ENDPOINT_URL: silentEndpoint,
        BUNDLE_REMAINING_MS: '1200',
      });
      expect(out.error).toBe('The request could not be completed.');
      // One attempt started and was aborted ~0.9 s in (1.2 s left minus the reserve): without the
      // deadline it would time out at 1.5 s and a second attempt would follow.
      expect(received).toBe(1);
      expect(JSON.stringify(out.logs)).toMatch(/Abort/);
    });
  });

  it.each([
    ['triggers/pre-sign-up/handler.ts', 'pre-sign-up.sign-up'],
    ['triggers/pre-token-generation/handler.ts', 'pre-token-generation.v2'],
    ['triggers/pre-token-generation/handler.ts', 'pre-token-generation.client-credentials'],
  ])('%s (%s) runs from its bundle without any AWS credentials or endpoint', async (entry, fixture) => {
    const bundle = bundles.get(entry)!;
    const { stdout } = await run(
      process.execPath,
      [join(__dirname, 'helpers', 'invoke-bundle.mjs'), bundle.file, join(__dirname, 'events', `${fixture}.json`)],
      { env: { PATH: process.env.PATH, ...bundle.env } },
    );
    const out = JSON.parse(stdout) as { result?: unknown; error?: string };
    expect(out.error).toBeUndefined();
    expect(out.result).toBeDefined();
  });
});
