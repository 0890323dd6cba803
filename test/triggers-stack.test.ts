import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synthStage } from './helpers/app';

type Resources = Record<string, { Properties: Record<string, unknown>; DependsOn?: string[] }>;
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

const dev = synthStage('dev');
const prod = synthStage('prod');
const federated = synthStage('dev', {
  identityProviders: { google: { clientId: 'google-client-id', clientSecretName: 'dev/google' } },
});

const poolArn = { 'Fn::GetAtt': [expect.stringMatching(/^UserPool/), 'Arn'] };

function functionsOf(template: Template): Resources {
  return template.findResources('AWS::Lambda::Function') as Resources;
}

/** All statements of every policy attached to the role of the function whose path contains `name`. */
function statementsFor(template: Template, name: string): Statement[] {
  const [fnId, fn] = Object.entries(functionsOf(template)).find(([id]) => id.includes(name)) ?? [];
  if (!fnId || !fn) throw new Error(`no function ${name}`);
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
    (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId),
  );
  const role = (template.findResources('AWS::IAM::Role') as Resources)[roleId]!;
  expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  expect(role.Properties.Policies).toBeUndefined();
  return policies.flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

describe.each([
  ['dev', dev.templates.auth],
  ['prod', prod.templates.auth],
])('trigger wiring (%s)', (_stage, auth) => {
  it('wires pre sign-up, post confirmation and pre token generation V2_0 to the pool', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        PreSignUp: { 'Fn::GetAtt': [Match.stringLikeRegexp('PreSignUp'), 'Arn'] },
        PostConfirmation: { 'Fn::GetAtt': [Match.stringLikeRegexp('PostConfirmation'), 'Arn'] },
        PreTokenGenerationConfig: {
          LambdaArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('PreTokenGeneration'), 'Arn'] },
          LambdaVersion: 'V2_0',
        },
      },
    });
  });

  it('scopes every Lambda permission for cognito-idp.amazonaws.com to this pool ARN', () => {
    const permissions = Object.values(auth.findResources('AWS::Lambda::Permission') as Resources).filter(
      (p) => p.Properties.Principal === 'cognito-idp.amazonaws.com',
    );
    expect(permissions).toHaveLength(3);
    for (const p of permissions) {
      expect(p.Properties.SourceArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^UserPool/), 'Arn'] });
    }
  });

  it('runs every function on Node.js 24 / arm64 with a timeout of at most 5 s, JSON logs and tracing', () => {
    const fns = Object.values(functionsOf(auth));
    expect(fns.length).toBeGreaterThanOrEqual(3);
    for (const fn of fns) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' },
        TracingConfig: { Mode: 'Active' },
      });
      expect(fn.Properties.Timeout).toBeLessThanOrEqual(5);
      expect(JSON.stringify(fn.Properties.Environment ?? {})).not.toContain('NODE_OPTIONS');
    }
  });

  it('gives every function its own log group with retention', () => {
    auth.resourcePropertiesCountIs(
      'AWS::Logs::LogGroup',
      { RetentionInDays: 90 },
      Object.keys(functionsOf(auth)).length,
    );
  });

  it('post confirmation may only add users to groups of this pool', () => {
    const statements = statementsFor(auth, 'PostConfirmation');
    const cognito = statements.filter((s) => JSON.stringify(s.Action).includes('cognito-idp'));
    expect(cognito).toEqual([{ Action: 'cognito-idp:AdminAddUserToGroup', Effect: 'Allow', Resource: poolArn }]);
    expect(actionsOf(statements)).toEqual([
      'cognito-idp:AdminAddUserToGroup',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('pre token generation and (without federation) pre sign-up call no AWS API', () => {
    for (const name of ['PreTokenGeneration', 'PreSignUp']) {
      expect(actionsOf(statementsFor(auth, name))).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    }
  });

  it('allows Resource "*" only for the X-Ray actions, and logs only on the own log group', () => {
    for (const name of ['PreSignUp', 'PostConfirmation', 'PreTokenGeneration']) {
      for (const s of statementsFor(auth, name)) {
        if (s.Resource === '*') expect(actionsOf([s])).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
        if (actionsOf([s]).some((a) => a.startsWith('logs:'))) {
          expect(s.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Logs/), 'Arn'] });
        }
      }
    }
  });

  it('passes the stage config to the triggers through their environment', () => {
    auth.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DEFAULT_GROUP: 'readers' }) },
    });
    auth.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          SCOPE_RULES: JSON.stringify({
            resourceServer: 'api',
            byGroup: { admins: ['admin', 'write', 'read'], editors: ['write', 'read'] },
            everyone: ['read'],
          }),
        },
      },
    });
  });
});

describe('pre sign-up with federation', () => {
  const auth = federated.templates.auth;

  it('may list users and link providers on this pool only', () => {
    const statements = statementsFor(auth, 'PreSignUp');
    const cognito = statements.filter((s) => JSON.stringify(s.Action).includes('cognito-idp'));
    expect(cognito).toEqual([
      {
        Action: ['cognito-idp:AdminLinkProviderForUser', 'cognito-idp:ListUsers'],
        Effect: 'Allow',
        Resource: poolArn,
      },
    ]);
  });

  it('deploys the linking variant only with federation, and it knows the provider names', () => {
    expect(federated.stacks.auth.triggers.preSignUp?.entry).toBe('triggers/pre-sign-up/handler-federated.ts');
    expect(dev.stacks.auth.triggers.preSignUp?.entry).toBe('triggers/pre-sign-up/handler.ts');
    auth.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ FEDERATED_PROVIDERS: 'Google' }) },
    });
    expect(JSON.stringify(dev.templates.auth.toJSON())).not.toContain('FEDERATED_PROVIDERS');
  });
});

describe('triggers off by config', () => {
  it('creates no function for a disabled trigger and no post confirmation without a default group', () => {
    const off = synthStage('dev', {
      defaultGroup: null,
      triggers: { preSignUp: { enabled: false }, preTokenGeneration: { enabled: false } },
    });
    off.templates.auth.resourceCountIs('AWS::Lambda::Function', 0);
    off.templates.auth.hasResourceProperties('AWS::Cognito::UserPool', { LambdaConfig: Match.absent() });
  });
});
