import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCRYPT, hashPassword } from '../lambda/shared/password-hash';

/**
 * How bench/ exercises each function warm: the event fixture (test/events/<fixture>.json), a
 * patch deep-merged into it, and the canned answers its SDK clients return, by command class
 * name. Every function the app deploys needs an entry here; run.ts reports any that is missing.
 */
export interface WarmSpec {
  readonly fixture: string;
  /** Deep-merged into the fixture (objects merge, everything else replaces). */
  readonly patch?: Readonly<Record<string, unknown>>;
  readonly clients?: readonly {
    /** Module (relative to the project root) exporting the client singleton. */
    readonly module: string;
    readonly export: string;
    readonly responses: Readonly<Record<string, unknown>>;
  }[];
  /** Sign an access token locally, serve its JWKS from the verifier's cache, put it in the Authorization header. */
  readonly jwt?: boolean;
  /** Fewer timed calls for a function whose work is deliberately slow (password hashing). */
  readonly iterations?: number;
  /** Why this function's figures read differently (printed in the table). */
  readonly note?: string;
  /**
   * The same handler on a path without its deliberate work (the password hash), also timed; the
   * warm-latency target is judged on it, since the deliberate work is the point of the function.
   */
  readonly overhead?: { readonly label: string; readonly spec: WarmSpec };
  /** Another event path of the same handler, timed and printed in its own table row. */
  readonly otherPath?: { readonly label: string; readonly spec: WarmSpec };
}

/** Environment values the bench uses where the template has CloudFormation references. */
export const BENCH_IDS = {
  userPoolId: 'eu-west-1_BenchPool',
  clientId: 'benchclient0000000000000000',
  /** The machine client of the client-credentials fixture (test/events/pre-token-generation.client-credentials.json). */
  machineClientId: '3example45machine67client89',
} as const;

const client = (module: string, name: string, responses: Record<string, unknown>) => ({
  module: `lambda/shared/${module}`,
  export: name,
  responses,
});
const cognito = (responses: Record<string, unknown>) => client('cognito', 'cognitoClient', responses);
const ses = () => client('ses', 'sesClient', { SendEmailCommand: { MessageId: 'bench' } });
/** The sign-in state: no item yet (create reserves a code), or the fixture's code outstanding (verify accepts it). */
const signInState = (item?: Record<string, unknown>) =>
  client('dynamodb', 'dynamoDbClient', { GetItemCommand: item ? { Item: item } : {}, PutItemCommand: {} });
/** The user's state with the verify fixture's code outstanding (test/events/sign-in-state.outstanding.json). */
const outstandingCode = JSON.parse(
  readFileSync(join(__dirname, '..', 'test', 'events', 'sign-in-state.outstanding.json'), 'utf8'),
) as Record<string, unknown>;
const noMfa = () => cognito({ AdminGetUserCommand: { Username: 'bench', UserAttributes: [] } });

const BENCH_PASSWORD = 'Bench-passw0rd!';

export async function warmSpecs(): Promise<Readonly<Record<string, WarmSpec>>> {
  // A legacy record hashed at the shipped default strength: what a real migration costs.
  const passwordHash = await hashPassword(BENCH_PASSWORD, DEFAULT_SCRYPT);
  const legacyItem = {
    Item: {
      username: { S: 'alice.legacy@example.com' },
      email: { S: 'alice.legacy@example.com' },
      emailVerified: { BOOL: true },
      passwordHash: { S: passwordHash },
    },
  };
  // Account linking: the same lookup and link with or without the legacy-address check.
  const linking: WarmSpec = {
    fixture: 'pre-sign-up.external-provider',
    clients: [
      cognito({
        ListUsersCommand: {
          Users: [
            {
              Username: 'native-user-1',
              UserStatus: 'CONFIRMED',
              Attributes: [{ Name: 'email_verified', Value: 'true' }],
            },
          ],
        },
        AdminLinkProviderForUserCommand: {},
      }),
    ],
  };
  return {
    'triggers/pre-sign-up/handler.ts': { fixture: 'pre-sign-up.sign-up' },
    'triggers/pre-sign-up/handler-migration.ts': {
      fixture: 'pre-sign-up.sign-up',
      clients: [client('dynamodb', 'dynamoDbClient', { GetItemCommand: {} })],
    },
    'triggers/pre-sign-up/handler-federated.ts': linking,
    'triggers/pre-sign-up/handler-federated-migration.ts': linking,
    'triggers/post-confirmation/handler.ts': {
      fixture: 'post-confirmation.confirm-sign-up',
      clients: [cognito({ AdminAddUserToGroupCommand: {} })],
    },
    'triggers/pre-token-generation/handler.ts': {
      fixture: 'pre-token-generation.v2',
      otherPath: {
        label: 'client-credentials (machine) token, V3 event',
        spec: { fixture: 'pre-token-generation.client-credentials' },
      },
    },
    'triggers/migrate-user/handler.ts': {
      fixture: 'migrate-user.authentication',
      patch: { request: { password: BENCH_PASSWORD } },
      clients: [client('dynamodb', 'dynamoDbClient', { GetItemCommand: legacyItem })],
      iterations: 30,
      note: 'one scrypt check at the default strength (N=2^17, r=8) per call, by design',
      overhead: {
        label: 'forgot-password path (same lookup and response, no hash)',
        spec: {
          fixture: 'migrate-user.forgot-password',
          clients: [client('dynamodb', 'dynamoDbClient', { GetItemCommand: legacyItem })],
        },
      },
    },
    'triggers/define-auth-challenge/handler.ts': { fixture: 'define-auth-challenge' },
    'triggers/create-auth-challenge/handler.ts': {
      fixture: 'create-auth-challenge',
      clients: [ses(), signInState(), noMfa()],
    },
    'triggers/create-auth-challenge/handler-mfa-allowed.ts': {
      fixture: 'create-auth-challenge',
      clients: [ses(), signInState()],
    },
    'triggers/create-auth-challenge/handler-with-outbox.ts': {
      fixture: 'create-auth-challenge',
      patch: { request: { userAttributes: { email: 'success+smokebench-alice@simulator.amazonses.com' } } },
      clients: [ses(), signInState(), noMfa()],
    },
    'triggers/verify-auth-challenge/handler.ts': {
      fixture: 'verify-auth-challenge',
      clients: [signInState(outstandingCode)],
    },
    'api/authorizer/handler.ts': {
      fixture: 'api.tenant-authorizer',
      jwt: true,
      note: "its module load starts the JWKS download (hydrate), so it includes creating Node's TLS context (about 45 ms here, spent on the first request otherwise); warm calls verify an RS256 signature each time",
    },
    'api/me/handler.ts': { fixture: 'api.cognito-proxy' },
    'api/get-document/handler.ts': {
      fixture: 'api.cognito-proxy',
      patch: { httpMethod: 'GET', resource: '/documents/{id}', pathParameters: { id: 'doc-1' } },
      clients: [
        client('dynamodb-document', 'dynamoClient', {
          GetCommand: {
            Item: {
              pk: 'USER#x',
              sk: 'DOC#doc-1',
              title: 'Bench',
              body: 'Hello',
              updatedAt: '2026-11-22T00:00:00.000Z',
            },
          },
        }),
      ],
    },
    'api/put-document/handler.ts': {
      fixture: 'api.cognito-proxy',
      patch: {
        httpMethod: 'PUT',
        resource: '/documents/{id}',
        pathParameters: { id: 'doc-1' },
        body: JSON.stringify({ title: 'Bench', body: 'Hello' }),
      },
      clients: [client('dynamodb-document', 'dynamoClient', { PutCommand: {} })],
    },
    'api/tenant-documents/handler.ts': {
      fixture: 'api.tenant-proxy',
      clients: [client('dynamodb-document', 'dynamoClient', { QueryCommand: { Items: [] } })],
    },
    'api/admin-users/handler.ts': {
      fixture: 'api.cognito-proxy',
      patch: {
        resource: '/admin/users',
        requestContext: {
          authorizer: { claims: { scope: 'openid api/read api/write api/admin', 'cognito:groups': 'admins' } },
        },
      },
      clients: [cognito({ ListUsersCommand: { Users: [] } })],
    },
  };
}
