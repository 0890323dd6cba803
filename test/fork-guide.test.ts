import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import type { CustomMessageTriggerEvent, PreSignUpTriggerEvent } from 'aws-lambda';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { USER_MESSAGES } from '../lambda/shared/errors';
import { decideTokenClaims, parseScopeRules } from '../lambda/triggers/pre-token-generation/claims';
import { cognitoEvent, type RouteHandler } from './helpers/api';
import { stageInput, synthStage, type DeepPartial } from './helpers/app';
import { context, fixture, loadHandler, spyOnLogs, type AsyncHandler } from './helpers/lambda';
import type { StageConfigInput } from '../lib/config/schema';
import { ROUTES, type RouteSpec } from '../lib/constructs/api-routes';
import type { TriggerSpec } from '../lib/constructs/user-pool-triggers';

// Every example of docs/fork-guide.md, read from the document itself, applied to the dev stage
// and checked for the effect the guide promises.
const guide = readFileSync(join(__dirname, '..', 'docs', 'fork-guide.md'), 'utf8');

/** The source of the guide's code block `name`. */
function exampleCode(name: string): string {
  const match = new RegExp(`<!-- fork-example: ${name} -->\\s*\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(guide);
  if (!match?.[1]) throw new Error(`docs/fork-guide.md has no example "${name}"`);
  return match[1];
}

/** The guide's example `name`, a plain object literal (data only), evaluated in an empty sandbox context. */
function example(name: string): unknown {
  return runInNewContext(`(${exampleCode(name)})`, {}) as unknown;
}

/**
 * Applies an example the way the guide says to: objects merge, and an entry of a list of named
 * things is merged into the entry of the same name or, when there is none, added to the list.
 */
function applyExample(base: unknown, patch: unknown): unknown {
  const named = (v: unknown): v is { name: string } => typeof v === 'object' && v !== null && 'name' in v;
  if (Array.isArray(patch) && Array.isArray(base) && patch.every(named) && base.every(named)) {
    const merged = base.map((entry) => {
      const update = patch.find((p) => p.name === entry.name);
      return update ? applyExample(entry, update) : entry;
    });
    return [...merged, ...patch.filter((p) => !base.some((entry) => entry.name === p.name))];
  }
  if (Array.isArray(patch) || typeof patch !== 'object' || patch === null) return patch;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) out[key] = applyExample(out[key], value);
  return out;
}

/** The dev stage with the guide's example `name` applied. */
function withExample(name: string): DeepPartial<StageConfigInput> {
  return applyExample(stageInput('dev'), example(name)) as DeepPartial<StageConfigInput>;
}

type Resources = Record<string, { Properties: Record<string, unknown> }>;

function functionEnv(resources: Resources, entryHint: string): Record<string, string> {
  const fn = Object.entries(resources).find(([id]) => id.includes(entryHint));
  if (!fn) throw new Error(`no function ${entryHint}`);
  return (fn[1].Properties.Environment as { Variables: Record<string, string> }).Variables;
}

describe('docs/fork-guide.md: add a group', () => {
  const { templates, stacks } = synthStage('dev', withExample('add-group'));

  it('creates the group with its own identity-pool role, read-only on tenant data', () => {
    templates.auth.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
      GroupName: 'auditors',
      Precedence: 50,
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('GroupRoleauditors'), 'Arn'] },
    });
    expect(stacks.auth.identityPool.groupRoles.auditors).toBeDefined();
    const auditors = Object.entries(templates.auth.findResources('AWS::IAM::Role') as Resources).find(([id]) =>
      id.includes('GroupRoleauditors'),
    )![1];
    const statements = (
      auditors.Properties.Policies as { PolicyDocument: { Statement: { Sid: string; Action: unknown }[] } }[]
    ).flatMap((p) => p.PolicyDocument.Statement);
    const bySid = Object.fromEntries(statements.map((st) => [st.Sid, ([] as string[]).concat(st.Action as string)]));
    expect(bySid.TenantObjects).toEqual(['s3:GetObject']);
    expect(bySid.TenantItems).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    expect(bySid.OwnItems).toContain('dynamodb:PutItem');
  });

  it("gives members' access tokens the read scope", () => {
    const env = functionEnv(templates.auth.findResources('AWS::Lambda::Function') as Resources, 'PreTokenGeneration');
    const rules = parseScopeRules(JSON.parse(env.SCOPE_RULES!));
    expect(decideTokenClaims(['auditors'], {}, [], rules).scopesToAdd).toEqual(['api/read']);
  });
});

describe('docs/fork-guide.md: add an OAuth scope', () => {
  const { templates } = synthStage('dev', withExample('add-scope'));

  it('puts the scope on the resource server and into admins’ access tokens only', () => {
    templates.auth.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Scopes: Match.arrayWith([{ ScopeName: 'export', ScopeDescription: 'Export tenant data.' }]),
    });
    const env = functionEnv(templates.auth.findResources('AWS::Lambda::Function') as Resources, 'PreTokenGeneration');
    const rules = parseScopeRules(JSON.parse(env.SCOPE_RULES!));
    expect(decideTokenClaims(['admins'], {}, [], rules).scopesToAdd).toContain('api/export');
    expect(decideTokenClaims(['editors', 'readers'], {}, ['api/export'], rules)).toMatchObject({
      scopesToSuppress: ['api/export'],
    });
  });
});

describe('docs/fork-guide.md: add a route', () => {
  const route = example('add-route-entry') as RouteSpec;
  const { templates, stacks } = synthStage('dev', withExample('add-route-config'), { routes: [...ROUTES, route] });
  const fn = stacks.api.routes.functions['GET /audit/users']!;

  it('adds the method behind the Cognito authorizer, accepting only access tokens with the new scope', () => {
    const resources = templates.api.findResources('AWS::ApiGateway::Resource') as Resources;
    const audit = Object.entries(resources).find(([, r]) => r.Properties.PathPart === 'audit')![0];
    const users = Object.entries(resources).find(
      ([, r]) => r.Properties.PathPart === 'users' && JSON.stringify(r.Properties.ParentId).includes(audit),
    )![0];
    templates.api.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      ResourceId: { Ref: users },
      AuthorizationType: 'COGNITO_USER_POOLS',
      AuthorizationScopes: ['api/audit'],
    });
  });

  it('gives the function the scope to check again and ListUsers on this pool only', async () => {
    expect(fn.environment.REQUIRED_SCOPE).toBe('api/audit');
    const policies = Object.values(templates.api.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes('RoutesAuditUsersRole'),
    );
    const statements = policies.flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: { Action: unknown }[] }).Statement,
    );
    expect(statements.filter((st) => JSON.stringify(st.Action).includes('cognito-idp'))).toEqual([
      expect.objectContaining({ Action: 'cognito-idp:ListUsers' }),
    ]);
    // The handler refuses a token without the route's scope, whatever else it carries.
    const { handler } = loadHandler<RouteHandler>(`api/${route.handler}/handler`, {
      ...fn.environment,
      USER_POOL_ID: 'eu-west-1_EXAMPLE1',
    });
    const event = cognitoEvent({
      path: '/audit/users',
      claims: { 'cognito:groups': 'editors', scope: 'openid api/read api/write api/admin' },
    });
    const logs = spyOnLogs();
    try {
      const response = await handler(event, context, () => undefined);
      expect(response.statusCode).toBe(403);
    } finally {
      logs.restore();
    }
    expect(logs.text()).toContain('missing scope');
  });

  it("puts the scope into admins' access tokens only", () => {
    const env = functionEnv(templates.auth.findResources('AWS::Lambda::Function') as Resources, 'PreTokenGeneration');
    const rules = parseScopeRules(JSON.parse(env.SCOPE_RULES!));
    expect(decideTokenClaims(['admins'], {}, [], rules).scopesToAdd).toContain('api/audit');
    expect(decideTokenClaims(['editors', 'readers'], {}, [], rules).scopesToAdd).not.toContain('api/audit');
  });
});

describe('docs/fork-guide.md: add a trigger', () => {
  // The guide's handler, written where the guide says to put it (under a name of its own, so it
  // never meets a real one) and removed afterwards; .gitignore keeps a leftover out of commits.
  const folder = `triggers/fork-guide-example-${process.pid}`;
  const directory = join(__dirname, '..', 'lambda', folder);
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, 'handler.ts'), exampleCode('add-trigger-handler'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const entry = { ...(example('add-trigger-entry') as TriggerSpec), entry: `${folder}/handler.ts` };
  const { templates, stacks } = synthStage('dev', {}, { triggers: [entry] });
  const fn = stacks.auth.triggers.fromTable[entry.id]!;

  it('wires the function to the pool, invocable by Cognito from this pool only, with no AWS permission', () => {
    const id = (construct: { node: { defaultChild?: unknown } }) =>
      stacks.auth.getLogicalId(construct.node.defaultChild as CfnElement);
    templates.auth.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: Match.objectLike({ CustomMessage: { 'Fn::GetAtt': [id(fn.function), 'Arn'] } }),
    });
    templates.auth.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [id(fn.function), 'Arn'] },
      Principal: 'cognito-idp.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [id(stacks.auth.pool.userPool), 'Arn'] },
    });
    const policies = Object.values(templates.auth.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
      JSON.stringify(p.Properties.Roles).includes(id(fn.role)),
    );
    const actions = policies.flatMap((p) =>
      (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (st) => st.Action,
      ),
    );
    expect([...new Set(actions)].sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('gets errors, throttles and p99 duration alarms without a change to the monitoring code', () => {
    const outputs = templates.auth.toJSON().Outputs as Record<string, { Value: unknown }>;
    const logicalId = stacks.auth.getLogicalId(fn.function.node.defaultChild as CfnElement);
    const [output] = Object.entries(outputs).find(
      ([, o]) => JSON.stringify(o.Value) === JSON.stringify({ Ref: logicalId }),
    )!;
    const alarms = JSON.stringify(templates.monitoring!.findResources('AWS::CloudWatch::Alarm'));
    for (const metric of ['Errors', 'Throttles', 'Duration']) {
      expect(alarms).toContain(`"OutputName":"${output}"}}}],"MetricName":"${metric}"`);
    }
  });

  it("rewords the sign-up email, keeps Cognito's code placeholder, and refuses other operations' events", async () => {
    const { handler } = loadHandler<AsyncHandler<CustomMessageTriggerEvent, CustomMessageTriggerEvent>>(
      `${folder}/handler`,
      fn.environment,
    );
    const event: CustomMessageTriggerEvent = {
      version: '1',
      region: 'eu-west-1',
      userPoolId: 'eu-west-1_EXAMPLE1',
      userName: 'a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809',
      callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'client' },
      triggerSource: 'CustomMessage_SignUp',
      request: {
        userAttributes: { email: 'alice@example.com' },
        codeParameter: '{####}',
        usernameParameter: null,
        linkParameter: '{##Click Here##}',
      },
      response: { smsMessage: null, emailMessage: null, emailSubject: null },
    };
    const signUp = await handler(structuredClone(event), context, () => undefined);
    expect(signUp.response.emailMessage).toContain('{####}');
    expect(signUp.response.emailSubject).toBe('Confirm your email address');
    const reset = await handler(
      { ...structuredClone(event), triggerSource: 'CustomMessage_ForgotPassword' },
      context,
      () => undefined,
    );
    expect(reset.response.emailMessage).toBeNull();
    const logs = spyOnLogs();
    try {
      await expect(
        handler({ ...structuredClone(event), triggerSource: 'PreSignUp_SignUp' } as never, context, () => undefined),
      ).rejects.toThrow();
    } finally {
      logs.restore();
    }
    expect(logs.text()).not.toContain('alice@example.com');
  });
});

describe('docs/fork-guide.md: add a trigger rule', () => {
  const { templates } = synthStage('dev', withExample('add-trigger-rule'));

  it('makes the deployed pre sign-up trigger refuse the domain', async () => {
    const env = functionEnv(templates.auth.findResources('AWS::Lambda::Function') as Resources, 'PreSignUp');
    expect(env.DENIED_EMAIL_DOMAINS).toBe('mailinator.com,tempmail.dev');
    const { handler } = loadHandler<AsyncHandler<PreSignUpTriggerEvent, PreSignUpTriggerEvent>>(
      'triggers/pre-sign-up/handler',
      env,
    );
    const event = fixture<PreSignUpTriggerEvent>('pre-sign-up.sign-up');
    const logs = spyOnLogs();
    try {
      event.request.userAttributes.email = 'someone@TempMail.dev';
      await expect(handler(event, context, () => undefined)).rejects.toThrow(USER_MESSAGES.signUpNotAllowed);
      event.request.userAttributes.email = 'someone@tempmail.dev.evil.io';
      await expect(handler(event, context, () => undefined)).resolves.toBe(event);
    } finally {
      logs.restore();
    }
    // The refusal is logged with its reason, never with the address.
    expect(logs.text()).toContain('domain-denied');
    expect(logs.text()).not.toContain('someone@');
  });
});

describe('docs/fork-guide.md: add an identity provider', () => {
  const { templates, stacks } = synthStage('dev', withExample('add-identity-provider'));

  it('adds the provider with a Secrets Manager reference, offered by the web client, linked at sign-up', () => {
    templates.auth.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'Okta',
      ProviderType: 'OIDC',
      ProviderDetails: Match.objectLike({
        client_secret: '{{resolve:secretsmanager:cognito-ref/okta-client-secret:SecretString:::}}',
      }),
    });
    templates.auth.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      SupportedIdentityProviders: Match.arrayWith(['COGNITO', 'Okta']),
    });
    expect(stacks.auth.triggers.preSignUp?.entry).toBe('triggers/pre-sign-up/handler-federated-migration.ts');
    expect(stacks.auth.triggers.preSignUp?.environment.LINK_PROVIDERS).toBe('Okta');
  });
});

describe('docs/fork-guide.md: add a tenant attribute', () => {
  const { templates } = synthStage('dev', withExample('add-tenant-attribute'));

  it('adds an immutable attribute no client writes, in ID and access tokens and as a principal tag', () => {
    templates.auth.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([Match.objectLike({ Name: 'region', Mutable: false })]),
    });
    const clients = Object.values(templates.auth.findResources('AWS::Cognito::UserPoolClient') as Resources);
    for (const client of clients) expect(client.Properties.WriteAttributes).not.toContain('custom:region');
    templates.auth.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ReadAttributes: Match.arrayWith(['custom:region']),
    });
    templates.auth.hasResourceProperties('AWS::Cognito::IdentityPoolPrincipalTag', {
      PrincipalTags: { tenant: 'custom:tenant_id', region: 'custom:region' },
    });
    const env = functionEnv(templates.auth.findResources('AWS::Lambda::Function') as Resources, 'PreTokenGeneration');
    const rules = parseScopeRules(JSON.parse(env.SCOPE_RULES!));
    expect(
      decideTokenClaims([], { 'custom:tenant_id': 'acme', 'custom:region': 'eu' }, [], rules).accessTokenClaims,
    ).toEqual({
      tenant_id: 'acme',
      region: 'eu',
    });
  });
});
