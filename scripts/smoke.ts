/**
 * `npm run smoke -- --stage dev [--region eu-west-1]`
 *
 * End-to-end check of a deployed stage with the AWS credentials of the shell: creates throwaway
 * users, signs them in with an emailed code (read from the dev test outbox; without one, with
 * their password when migration is on), migrates a legacy user with a password; checks token
 * claims and scopes; calls every API route expecting allow and deny;
 * exchanges the ID token for identity-pool credentials (with and without CustomRoleArn); proves
 * row-level security on S3 and DynamoDB; then deletes everything it created (users, identity-pool
 * identities, items, objects), also on failure and on SIGINT / SIGTERM. Prints a step table, also
 * when it crashes, and exits non-zero when any step failed, a stack or output is missing, or no
 * test user could sign in. Never run against production data you care about: it writes and
 * deletes test items.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CognitoIdentityClient, type Credentials } from '@aws-sdk/client-cognito-identity';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { ConfigError } from '../lib/config/load';
import type { StageConfig } from '../lib/config/schema';
import { SmokeRun } from './smoke/runner';
import { hashPassword } from '../lambda/shared/password-hash';
import { runSmoke, type SmokeDeps } from './smoke/scenario';
import { smokeSession } from './smoke/session';
import { resolveRegion, resolveStage, UsageError } from './stage';

async function main(args: readonly string[]): Promise<number> {
  try {
    const { stage, config } = resolveStage(args);
    if (config.production) {
      console.error(
        `Refusing to run the smoke test against a production stage (${stage}); it creates and deletes users.`,
      );
      return 2;
    }
    return await smoke(config, stage, resolveRegion(args, config));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    return 2;
  }
}

async function smoke(config: StageConfig, stage: string, region: string): Promise<number> {
  const verifiers = new Map<string, ReturnType<typeof CognitoJwtVerifier.create>>();
  const deps: SmokeDeps = {
    config,
    region,
    cloudFormation: new CloudFormationClient({ region }),
    cognitoIdp: new CognitoIdentityProviderClient({ region }),
    cognitoIdentity: new CognitoIdentityClient({ region }),
    dynamoDb: new DynamoDBClient({ region }),
    asIdentity: (c: Credentials) => {
      const credentials = {
        accessKeyId: c.AccessKeyId ?? '',
        secretAccessKey: c.SecretKey ?? '',
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
      return { s3: new S3Client({ region, credentials }), dynamoDb: new DynamoDBClient({ region, credentials }) };
    },
    fetch: globalThis.fetch,
    verifyToken: async (token, { tokenUse, userPoolId, clientIds }) => {
      // One verifier per kind: it downloads the pool's JWKS once.
      const key = `${userPoolId}:${tokenUse}:${clientIds.join(',')}`;
      let verifier = verifiers.get(key);
      if (!verifier) {
        verifier = CognitoJwtVerifier.create({ userPoolId, tokenUse, clientId: [...clientIds] });
        verifiers.set(key, verifier);
      }
      const claims: Record<string, unknown> = await verifier.verify(token);
      return claims;
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    hashPassword: (password) => hashPassword(password),
  };

  console.log(`Smoke test of ${config.project}-${stage} in ${region}\n`);
  const run = new SmokeRun();
  const session = smokeSession(run, (table) => console.log(table));
  // A cancelled CI job or Ctrl-C still deletes the users, identities and items created so far.
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      console.error(`${signal}: the cleanup is already running`);
      return;
    }
    signalled = true;
    console.error(`${signal}: stopping; cleaning up what the smoke test created`);
    void session.cancel(signal).then((code) => process.exit(code));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return session.run(() => runSmoke(deps, run));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  },
);
