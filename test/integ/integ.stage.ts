/**
 * Deploy-time integration test of a whole stage (`@aws-cdk/integ-tests-alpha`): deploys the
 * Data, Auth and Api stacks, then runs assertions as custom resources against the real services;
 * each assertion's result is a stack output `AssertionResults...` of the DeployAssert stack.
 *
 *   npm run integ:deploy    # cdk deploy of this app, fail on any failed assertion, cdk destroy
 *   npm run integ:snapshot  # rewrite test/integ/integ.stage.ts.snapshot (checked offline by npm test)
 *
 * Assertions:
 * 1. a user can be created in a tenant and added to a group (AdminListGroupsForUser);
 * 2. a real access token (Cognito-issued, so the pre token generation trigger ran) is allowed by
 *    the tenant authorizer for its own tenant, which needs the tenant_id claim the trigger adds;
 * 3. the same token is denied for a foreign tenant.
 */
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { stages } from '../../config';
import { buildStage } from '../../lib/app';
import { parseStageConfig } from '../../lib/config/load';
// cdk.json's feature flags: the CLI passes them to an app, a plain `new App()` would not have them.
import { cdkJsonContext } from '../../scripts/offline-synth';

export const INTEG_TEST_NAME = 'CognitoReferenceStage';

/** The dev stage, renamed, without features that need outside setup (SES sender, WAF). */
export function integConfig(domainPrefix: string) {
  return parseStageConfig(
    {
      ...stages.dev!,
      project: 'cogref-integ',
      stage: 'integ',
      domain: { prefix: domainPrefix },
      email: undefined,
      migration: { enabled: false },
      passwordless: { customChallenge: { enabled: false } },
    },
    'test/integ/integ.stage.ts',
  );
}

export function buildIntegApp(app: App): IntegTest {
  const domainPrefix = String(app.node.tryGetContext('integDomainPrefix') ?? 'cogref-integ-example');
  const stacks = buildStage(app, integConfig(domainPrefix));
  const userPool = stacks.auth.pool.userPool;

  // Test-only client: admin password sign-in lets the assertions obtain real tokens. It exists in
  // this integration app only, never in a stage the product deploys.
  const testClient = new cognito.UserPoolClient(stacks.auth, 'IntegTestClient', {
    userPool,
    authFlows: { adminUserPassword: true },
    generateSecret: false,
    preventUserExistenceErrors: true,
  });
  stacks.api.authorizers.tenantFunction.addEnvironment(
    'CLIENT_IDS',
    [...stacks.auth.clients.userClients.map((c) => c.userPoolClientId), testClient.userPoolClientId].join(','),
  );

  const integ = new IntegTest(app, INTEG_TEST_NAME, {
    testCases: [stacks.data, stacks.auth, stacks.api],
    diffAssets: false,
    cdkCommandOptions: { destroy: { args: { force: true } } },
  });
  const assertions = integ.assertions;
  const username = 'integ-alice@simulator.amazonses.com';
  const password = 'Integ-Passw0rd!-for-a-test-user';

  const setPassword = assertions.awsApiCall('CognitoIdentityServiceProvider', 'adminSetUserPassword', {
    UserPoolId: userPool.userPoolId,
    Username: username,
    Password: password,
    Permanent: true,
  });
  Validations.of(setPassword).acknowledge({
    id: 'CloudFormation-Validate::W2501',
    reason:
      'The password of a throwaway test user that exists only while this integration test runs (it is deleted by the last assertion, and the stacks are destroyed).',
  });
  const created = assertions
    .awsApiCall('CognitoIdentityServiceProvider', 'adminCreateUser', {
      UserPoolId: userPool.userPoolId,
      Username: username,
      MessageAction: 'SUPPRESS',
      UserAttributes: [
        { Name: 'email', Value: username },
        { Name: 'email_verified', Value: 'true' },
        { Name: 'custom:tenant_id', Value: 'acme' },
      ],
    })
    .next(setPassword)
    .next(
      assertions.awsApiCall('CognitoIdentityServiceProvider', 'adminAddUserToGroup', {
        UserPoolId: userPool.userPoolId,
        Username: username,
        GroupName: 'editors',
      }),
    );

  const groups = assertions.awsApiCall('CognitoIdentityServiceProvider', 'adminListGroupsForUser', {
    UserPoolId: userPool.userPoolId,
    Username: username,
  });
  created.next(groups);
  groups.expect(ExpectedResult.objectLike({ Groups: Match.arrayWith([Match.objectLike({ GroupName: 'editors' })]) }));

  const signIn = assertions.awsApiCall('CognitoIdentityServiceProvider', 'adminInitiateAuth', {
    UserPoolId: userPool.userPoolId,
    ClientId: testClient.userPoolClientId,
    AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  groups.next(signIn);
  const accessToken = signIn.getAttString('AuthenticationResult.AccessToken');

  const authorize = (tenant: string) =>
    assertions.invokeFunction({
      functionName: stacks.api.authorizers.tenantFunction.function.functionName,
      payload: Stack.of(stacks.api).toJsonString({
        type: 'REQUEST',
        methodArn: `arn:aws:execute-api:${stacks.api.region}:${stacks.api.account}:integtest01/v1/GET/tenants/${tenant}/documents`,
        resource: '/tenants/{tenantId}/documents',
        path: `/tenants/${tenant}/documents`,
        httpMethod: 'GET',
        headers: { Authorization: `Bearer ${accessToken}` },
        multiValueHeaders: { Authorization: [`Bearer ${accessToken}`] },
        pathParameters: { tenantId: tenant },
      }),
    });
  const own = authorize('acme');
  const foreign = authorize('globex');
  signIn.next(own).next(foreign);
  // Allow needs the tenant_id claim, which only the pre token generation trigger adds.
  own.expect(
    ExpectedResult.objectLike({
      Payload: Match.serializedJson(
        Match.objectLike({
          policyDocument: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Effect: 'Allow' })]) }),
          context: Match.objectLike({ tenantId: 'acme' }),
        }),
      ),
    }),
  );
  foreign.expect(
    ExpectedResult.objectLike({
      Payload: Match.serializedJson(
        Match.objectLike({
          policyDocument: Match.objectLike({ Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny' })]) }),
        }),
      ),
    }),
  );

  // Leave nothing behind in the pool (the stacks are destroyed afterwards anyway).
  foreign.next(
    assertions.awsApiCall('CognitoIdentityServiceProvider', 'adminDeleteUser', {
      UserPoolId: userPool.userPoolId,
      Username: username,
    }),
  );
  return integ;
}

if (require.main === module) {
  const app = new App({ context: cdkJsonContext() });
  buildIntegApp(app);
  app.synth();
}
