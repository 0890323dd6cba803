import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parseStageConfig } from '../lib/config/load';
import { scopesByGroup } from '../lib/config/schema';
import { AuthUserPool } from '../lib/constructs/user-pool';
import { machineClientConstructId } from '../lib/constructs/app-clients';
import { SHIPPED_STAGES, stageInput, synthShipped, synthStage } from './helpers/app';
import { LAMBDA_RUNTIME } from '../lib/constructs/lambda-function';

type Resources = Record<string, { Properties: Record<string, unknown>; DependsOn?: string[] }>;
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

// The shipped stages (expectations from their config), and fixture stages with federation for
// the behaviour of the features they turn on (migration, passwordless, linking).
const shipped = SHIPPED_STAGES.map((stage) => [stage, synthShipped(stage)] as const);
/** Google trusted for linking, Okta not (trustEmailVerified defaults to false). */
const federated = synthStage('dev', {
  identityProviders: {
    google: { clientId: 'google-client-id', clientSecretName: 'dev/google', trustEmailVerified: true },
    oidc: [{ name: 'Okta', issuerUrl: 'https://example.okta.com', clientId: 'okta', clientSecretName: 'dev/okta' }],
  },
});
/** A provider nobody marked as trusted: no linking at all. */
const untrusted = synthStage('prod', {
  identityProviders: { google: { clientId: 'google-client-id', clientSecretName: 'prod/google' } },
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

describe.each(shipped)('trigger wiring (%s)', (_stage, { templates, config, stacks }) => {
  const auth = templates.auth;
  const { triggers } = config;
  const on = {
    PreSignUp: triggers.preSignUp.enabled,
    PostConfirmation: triggers.postConfirmation.enabled && config.defaultGroup !== null,
    PreTokenGeneration: triggers.preTokenGeneration.enabled,
  };
  const enabled = Object.entries(on).flatMap(([name, yes]) => (yes ? [name] : []));
  const machineClients = on.PreTokenGeneration && config.machineClients.some((m) => m.enabled);

  (machineClients ? it : it.skip)(
    "gives the pre token trigger each machine client's id, tenant and scopes (MACHINE_CLIENTS), from config",
    () => {
      const fn = Object.values(auth.findResources('AWS::Lambda::Function')).find((f) =>
        String((f as { Properties: { Description: string } }).Properties.Description).startsWith(
          'Cognito pre token generation',
        ),
      ) as { Properties: { Environment: { Variables: Record<string, unknown> } } };
      const raw = fn.Properties.Environment.Variables.MACHINE_CLIENTS as { 'Fn::Join': [string, unknown[]] };
      // Rendered by toJsonString: literal JSON around a Ref per client id.
      const parts = raw['Fn::Join'][1];
      const json = parts.map((p) => (typeof p === 'string' ? p : 'CLIENT_ID')).join('');
      const parsed = JSON.parse(json) as { name: string; tenant: string; scopes: string[]; clientId: string }[];
      expect(parsed).toEqual(
        config.machineClients
          .filter((m) => m.enabled)
          .map((m) => ({
            clientId: 'CLIENT_ID',
            name: m.name,
            tenant: m.tenant,
            scopes: m.scopes.map((scope) => `${config.resourceServer.identifier}/${scope}`),
          })),
      );
      const refs = parts.filter((p) => typeof p !== 'string').map((p) => JSON.stringify(p));
      for (const m of config.machineClients.filter((x) => x.enabled)) {
        expect(refs.some((r) => r.includes(`Clients${machineClientConstructId(m.name)}`))).toBe(true);
      }
    },
  );

  (machineClients ? it : it.skip)(
    'breaks the dependency cycle (pool -> trigger -> machine client ids -> pool): the pool names the trigger by its fixed function name',
    () => {
      // Template.fromStack (test/helpers/app.ts) already refuses a template with a dependency
      // cycle, as CloudFormation would: without the fixed name, no test of this file would load.
      const template = auth.toJSON() as { Resources: Record<string, Record<string, unknown>> };
      const [fnId, fn] = Object.entries(template.Resources).find(
        ([, r]) =>
          r.Type === 'AWS::Lambda::Function' &&
          String((r.Properties as { Description: string }).Description).startsWith('Cognito pre token generation'),
      )!;
      const name = (fn.Properties as { FunctionName: string }).FunctionName;
      expect(name).toMatch(/^[A-Za-z0-9-_]{1,64}$/);
      const pool = Object.values(template.Resources).find((r) => r.Type === 'AWS::Cognito::UserPool')!;
      const arn = JSON.stringify(
        (pool.Properties as { LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: unknown } } }).LambdaConfig
          .PreTokenGenerationConfig.LambdaArn,
      );
      expect(arn).toContain(`:function:${name}`);
      expect(arn).not.toContain(fnId);
      // The invoke permission still names the function itself, and only this pool may use it.
      auth.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Principal: 'cognito-idp.amazonaws.com',
      });
    },
  );

  it('wires pre sign-up, post confirmation and pre token generation V3_0 to the pool, as configured', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: Match.objectLike({
        ...(on.PreSignUp ? { PreSignUp: { 'Fn::GetAtt': [Match.stringLikeRegexp('PreSignUp'), 'Arn'] } } : {}),
        ...(on.PostConfirmation
          ? { PostConfirmation: { 'Fn::GetAtt': [Match.stringLikeRegexp('PostConfirmation'), 'Arn'] } }
          : {}),
        ...(on.PreTokenGeneration
          ? {
              PreTokenGenerationConfig: {
                LambdaArn: machineClients
                  ? Match.anyValue() // by name: see "breaks the dependency cycle" below
                  : { 'Fn::GetAtt': [Match.stringLikeRegexp('PreTokenGeneration'), 'Arn'] },
                LambdaVersion: 'V3_0',
              },
            }
          : {}),
      }),
    });
  });

  (on.PreSignUp ? it : it.skip)('deploys the pre sign-up variant with exactly the AWS calls the config needs', () => {
    const link = triggers.preSignUp.linkFederatedUsers && stacks.auth.identityProviders.linkProviderNames.length > 0;
    const legacyCheck = config.userPool.selfSignUp && config.migration.enabled;
    const variant = link ? (legacyCheck ? 'federated-migration' : 'federated') : legacyCheck ? 'migration' : '';
    expect(stacks.auth.triggers.preSignUp?.entry).toBe(
      `triggers/pre-sign-up/handler${variant ? `-${variant}` : ''}.ts`,
    );
    const actions = actionsOf(ownStatements(auth, 'PreSignUp'));
    expect(actions).toEqual(
      [
        ...(link ? ['cognito-idp:AdminLinkProviderForUser', 'cognito-idp:ListUsers'] : []),
        ...(legacyCheck ? ['dynamodb:GetItem'] : []),
      ].sort(),
    );
  });

  it('scopes every Lambda permission for cognito-idp.amazonaws.com to this pool ARN', () => {
    const permissions = Object.values(auth.findResources('AWS::Lambda::Permission') as Resources).filter(
      (p) => p.Properties.Principal === 'cognito-idp.amazonaws.com',
    );
    expect(permissions).toHaveLength(Object.keys(functionsOf(auth)).length);
    for (const p of permissions) {
      expect(p.Properties.SourceArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^UserPool/), 'Arn'] });
    }
  });

  it('runs every function on Node.js 24 / arm64 with a timeout of at most 5 s, JSON logs and tracing', () => {
    const fns = Object.values(functionsOf(auth));
    expect(fns.length).toBeGreaterThanOrEqual(enabled.length);
    for (const fn of fns) {
      expect(fn.Properties).toMatchObject({
        Runtime: LAMBDA_RUNTIME.name,
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: config.functions.logLevel, SystemLogLevel: 'WARN' },
        ...(config.functions.tracing ? { TracingConfig: { Mode: 'Active' } } : {}),
      });
      expect(fn.Properties.Timeout).toBeLessThanOrEqual(5);
      expect(JSON.stringify(fn.Properties.Environment ?? {})).not.toContain('NODE_OPTIONS');
    }
  });

  it('gives every function its own log group with retention', () => {
    auth.resourcePropertiesCountIs(
      'AWS::Logs::LogGroup',
      { RetentionInDays: config.functions.logRetentionDays },
      Object.keys(functionsOf(auth)).length,
    );
  });

  (on.PostConfirmation ? it : it.skip)('post confirmation may only add users to groups of this pool', () => {
    const statements = statementsFor(auth, 'PostConfirmation');
    const cognito = statements.filter((s) => JSON.stringify(s.Action).includes('cognito-idp'));
    expect(cognito).toEqual([{ Action: 'cognito-idp:AdminAddUserToGroup', Effect: 'Allow', Resource: poolArn }]);
    expect(ownStatements(auth, 'PostConfirmation')).toEqual(cognito);
  });

  it('pre token generation and the SDK-free pre sign-up variant call no AWS API', () => {
    const plainPreSignUp = stacks.auth.triggers.preSignUp?.entry === 'triggers/pre-sign-up/handler.ts';
    for (const name of ['PreTokenGeneration', ...(plainPreSignUp ? ['PreSignUp'] : [])]) {
      if (on[name as keyof typeof on]) expect(ownStatements(auth, name)).toEqual([]);
    }
  });

  it('allows Resource "*" only for the X-Ray actions, and logs only on the own log group', () => {
    for (const name of enabled) {
      for (const s of statementsFor(auth, name)) {
        if (s.Resource === '*') expect(actionsOf([s])).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
        if (actionsOf([s]).some((a) => a.startsWith('logs:'))) {
          expect(s.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Logs/), 'Arn'] });
        }
      }
    }
  });

  const { emailOtp, passkey } = config.passwordless.choiceBased;
  (emailOtp || passkey ? it.skip : it)(
    "leaves the sign-in policy at Cognito's default (no passwordless first factor)",
    () => {
      auth.hasResourceProperties('AWS::Cognito::UserPool', {
        Policies: { PasswordPolicy: Match.anyValue() },
        WebAuthnUserVerification: Match.absent(),
        ...(config.email?.useForUserPool ? {} : { EmailConfiguration: Match.absent() }),
      });
    },
  );

  it('passes the stage config to the triggers through their environment', () => {
    if (on.PostConfirmation) {
      auth.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ DEFAULT_GROUP: config.defaultGroup }) },
      });
    }
    if (!on.PreTokenGeneration) return;
    auth.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          SCOPE_RULES: JSON.stringify({
            resourceServer: config.resourceServer.identifier,
            byGroup: scopesByGroup(config),
            everyone: config.triggers.preTokenGeneration.everyoneScopes,
            claims: config.userPool.authorizationAttributes,
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

  it('links only through providers with trustEmailVerified, and without one deploys no linking at all', () => {
    expect(federated.stacks.auth.triggers.preSignUp?.entry).toBe('triggers/pre-sign-up/handler-federated-migration.ts');
    expect(federated.stacks.auth.triggers.preSignUp?.environment.LINK_PROVIDERS).toBe('Google');
    expect(untrusted.stacks.auth.triggers.preSignUp?.entry).toBe('triggers/pre-sign-up/handler.ts');
    expect(untrusted.stacks.auth.triggers.preSignUp?.environment.LINK_PROVIDERS).toBeUndefined();
    expect(actionsOf(statementsFor(untrusted.templates.auth, 'PreSignUp'))).toEqual(LOGS_AND_XRAY);
  });

  it('with self sign-up and migration, also reads the legacy-users table (GetItem only)', () => {
    const statements = ownStatements(auth, 'PreSignUp').filter((st) => JSON.stringify(st.Action).includes('dynamodb'));
    expect(statements).toEqual([
      {
        Action: 'dynamodb:GetItem',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [tableId(auth, /LegacyUsers/), 'Arn'] },
      },
    ]);
    auth.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('pre sign-up'),
      Environment: { Variables: Match.objectLike({ LEGACY_USERS_TABLE: { Ref: tableId(auth, /LegacyUsers/) } }) },
    });
  });
});

describe('triggers off by config', () => {
  it('creates no function for a disabled trigger and no post confirmation without a default group', () => {
    const off = synthStage('dev', {
      defaultGroup: null,
      triggers: { preSignUp: { enabled: false }, preTokenGeneration: { enabled: false } },
      machineClients: [],
      migration: { enabled: false },
      passwordless: { customChallenge: { enabled: false, testOutbox: false } },
    });
    off.templates.auth.resourceCountIs('AWS::Lambda::Function', 0);
    off.templates.auth.resourceCountIs('AWS::DynamoDB::Table', 0);
    off.templates.auth.hasResourceProperties('AWS::Cognito::UserPool', { LambdaConfig: Match.absent() });
  });
});

const LOGS_AND_XRAY = [
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTelemetryRecords',
  'xray:PutTraceSegments',
];

/** The statements of a function's role without the log and X-Ray ones every function has. */
function ownStatements(template: Template, name: string): Statement[] {
  return statementsFor(template, name).filter((s) => !actionsOf([s]).every((a) => LOGS_AND_XRAY.includes(a)));
}

function tableId(template: Template, path: RegExp): string {
  const id = Object.keys(template.findResources('AWS::DynamoDB::Table')).find((key) => path.test(key));
  if (!id) throw new Error(`no table ${String(path)}`);
  return id;
}

const sesIdentityArn = (identity: string, region?: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ...(region ? [`:ses:${region}:`] : [':ses:', { Ref: 'AWS::Region' }, ':']),
      { Ref: 'AWS::AccountId' },
      `:identity/${identity}`,
    ],
  ],
});

describe('migration and passwordless triggers (fixture dev, with federation)', () => {
  const auth = federated.templates.auth;

  it('wires migrate user and define / create / verify auth challenge to the pool', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: Match.objectLike({
        UserMigration: { 'Fn::GetAtt': [Match.stringLikeRegexp('MigrateUser'), 'Arn'] },
        DefineAuthChallenge: { 'Fn::GetAtt': [Match.stringLikeRegexp('DefineAuthChallenge'), 'Arn'] },
        CreateAuthChallenge: { 'Fn::GetAtt': [Match.stringLikeRegexp('CreateAuthChallenge'), 'Arn'] },
        VerifyAuthChallengeResponse: { 'Fn::GetAtt': [Match.stringLikeRegexp('VerifyAuthChallenge'), 'Arn'] },
      }),
    });
    for (const name of ['MigrateUser', 'DefineAuthChallenge', 'CreateAuthChallenge', 'VerifyAuthChallenge']) {
      auth.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp(name), 'Arn'] },
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UserPool'), 'Arn'] },
      });
    }
  });

  it('migrate user may only GetItem on the legacy-users table (read-only, no Scan or Query)', () => {
    expect(ownStatements(auth, 'MigrateUser')).toEqual([
      {
        Action: 'dynamodb:GetItem',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [tableId(auth, /LegacyUsers/), 'Arn'] },
      },
    ]);
  });

  it('create auth challenge may send only from the configured SES identity and From address, read and write the sign-in state, read MFA settings on this pool, and only write the outbox', () => {
    const state = { 'Fn::GetAtt': [tableId(auth, /SignInState/), 'Arn'] };
    expect(ownStatements(auth, 'CreateAuthChallenge')).toEqual([
      { Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Effect: 'Allow', Resource: state },
      {
        Action: 'ses:SendEmail',
        Condition: { StringEquals: { 'ses:FromAddress': 'no-reply@example.com' } },
        Effect: 'Allow',
        Resource: sesIdentityArn('example.com'),
      },
      {
        Action: 'dynamodb:PutItem',
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [tableId(auth, /TestOutbox/), 'Arn'] },
      },
      { Action: 'cognito-idp:AdminGetUser', Effect: 'Allow', Resource: poolArn },
    ]);
  });

  it('verify auth challenge may only read and write the sign-in state table; define calls no AWS API', () => {
    expect(ownStatements(auth, 'VerifyAuthChallenge')).toEqual([
      {
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [tableId(auth, /SignInState/), 'Arn'] },
      },
    ]);
    expect(actionsOf(statementsFor(auth, 'DefineAuthChallenge'))).toEqual(LOGS_AND_XRAY);
  });

  it('keeps per-user sign-in state in an encrypted table keyed by user, expiring through TTL, deleted with a dev stack', () => {
    auth.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
        BillingMode: 'PAY_PER_REQUEST',
      }),
    });
  });

  it('no function may Scan, Query, write the legacy table, or use a wildcard action', () => {
    for (const name of ['MigrateUser', 'DefineAuthChallenge', 'CreateAuthChallenge', 'VerifyAuthChallenge']) {
      for (const action of actionsOf(statementsFor(auth, name))) {
        expect(action).not.toMatch(/\*|Scan|Query|PartiQL|BatchGet|DeleteItem|UpdateItem/);
      }
    }
    const legacy = tableId(auth, /LegacyUsers/);
    for (const name of ['CreateAuthChallenge', 'DefineAuthChallenge', 'VerifyAuthChallenge']) {
      expect(JSON.stringify(statementsFor(auth, name))).not.toContain(legacy);
    }
  });

  it('passes the stage config to the functions through their environment', () => {
    const limits = {
      SIGN_IN_STATE_TABLE: { Ref: tableId(auth, /SignInState/) },
      MAX_EMAILS_PER_WINDOW: '3',
      EMAIL_WINDOW_SECONDS: '900',
      MAX_WRONG_ANSWERS: '5',
      LOCKOUT_WINDOW_SECONDS: '3600',
    };
    auth.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          PASSWORD_POLICY: JSON.stringify({
            minLength: 12,
            requireLowercase: true,
            requireUppercase: true,
            requireDigits: true,
            requireSymbols: true,
          }),
          LEGACY_USERS_TABLE: { Ref: tableId(auth, /LegacyUsers/) },
        },
      },
    });
    auth.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          CODE_LENGTH: '6',
          MAX_ATTEMPTS: '3',
          CODE_TTL_SECONDS: '180',
          EMAIL_FROM: '"Cognito reference dev" <no-reply@example.com>',
          TEST_OUTBOX_TABLE: { Ref: tableId(auth, /TestOutbox/) },
          TEST_OUTBOX_ADDRESSES: 'success+smoke*@simulator.amazonses.com',
          USERS_WITH_MFA: 'refuse',
          ...limits,
        },
      },
    });
    auth.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { MAX_ATTEMPTS: '3' } } });
    auth.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { CODE_LENGTH: '6', ...limits } },
    });
  });

  it('keeps legacy users in an encrypted table with point-in-time recovery, keyed by user name', () => {
    auth.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'username', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('expires test outbox codes through TTL and deletes the outbox with the stack', () => {
    auth.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      }),
    });
  });

  it('passwordless client: CUSTOM_AUTH only (refresh by rotation), no OAuth, no secret, explicit attributes', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH'],
      RefreshTokenRotation: {
        Feature: 'ENABLED',
        RetryGracePeriodSeconds: federated.config.refreshTokenRotation.retryGracePeriodSeconds,
      },
      AllowedOAuthFlowsUserPoolClient: false,
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
      AuthSessionValidity: 3,
      ReadAttributes: Match.arrayWith(['email', 'email_verified']),
      WriteAttributes: Match.not(Match.arrayWith([Match.stringLikeRegexp('^custom:|email_verified')])),
    });
  });
});

describe('passwordless and migration in production (prod config plus both features)', () => {
  const { templates } = synthStage('prod', {
    email: { fromAddress: 'no-reply@example.com', sesIdentity: 'no-reply@example.com', sesRegion: 'eu-west-1' },
    migration: { enabled: true },
    passwordless: { customChallenge: { enabled: true, usersWithMfa: 'allow' } },
  });
  const auth = templates.auth;

  it('keeps threat protection ENFORCED for custom auth (passwordless) on the PLUS plan', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: {
        AdvancedSecurityMode: 'ENFORCED',
        AdvancedSecurityAdditionalFlows: { CustomAuthMode: 'ENFORCED' },
      },
      LambdaConfig: Match.objectLike({ DefineAuthChallenge: Match.anyValue() }),
    });
  });

  it('retains the legacy users and the sign-in state with deletion protection and has no test outbox', () => {
    for (const key of ['username', 'userId']) {
      auth.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({
          DeletionProtectionEnabled: true,
          KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
        }),
      });
    }
    auth.resourceCountIs('AWS::DynamoDB::Table', 2);
    expect(JSON.stringify(auth.toJSON())).not.toContain('TEST_OUTBOX_TABLE');
  });

  it('sends only as the configured address identity, in the configured SES region (no MFA lookup with usersWithMfa "allow")', () => {
    expect(ownStatements(auth, 'CreateAuthChallenge')).toEqual([
      {
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [tableId(auth, /SignInState/), 'Arn'] },
      },
      {
        Action: 'ses:SendEmail',
        Condition: { StringEquals: { 'ses:FromAddress': 'no-reply@example.com' } },
        Effect: 'Allow',
        Resource: sesIdentityArn('no-reply@example.com', 'eu-west-1'),
      },
    ]);
    auth.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SES_REGION: 'eu-west-1', EMAIL_FROM: 'no-reply@example.com' }) },
    });
  });

  it('runs every new trigger within the 5-second budget', () => {
    for (const fn of Object.values(functionsOf(auth))) expect(fn.Properties.Timeout).toBeLessThanOrEqual(5);
    expect(Object.keys(functionsOf(auth))).toHaveLength(7);
  });
});

describe("Cognito's native choice-based sign-in (config alternative)", () => {
  const { templates } = synthStage('dev', {
    email: { useForUserPool: true, sesRegion: 'eu-west-1' },
    passwordless: { choiceBased: { emailOtp: true, passkey: true } },
  });
  const auth = templates.auth;

  it('allows password, email OTP and passkeys as first factors, with user verification required', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: Match.objectLike({
        SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'] },
      }),
      // A prefix domain: Cognito's own domain is the relying party.
      WebAuthnRelyingPartyID: Match.absent(),
      WebAuthnUserVerification: 'required',
    });
  });

  it('binds passkeys to the custom domain when managed login runs on one', () => {
    const stack = new Stack();
    const { choiceBased } = parseStageConfig(
      stageInput('dev', { passwordless: { choiceBased: { passkey: true } } }),
      'test',
    ).passwordless;
    new AuthUserPool(stack, 'Pool', {
      settings: federated.config.userPool,
      choiceBased,
      passkeyRelyingPartyId: 'auth.example.com',
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: Match.objectLike({ SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'WEB_AUTHN'] } }),
      WebAuthnRelyingPartyID: 'auth.example.com',
    });
  });

  it('sends the pool email (and email OTP codes) through the SES identity', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      EmailConfiguration: {
        EmailSendingAccount: 'DEVELOPER',
        From: 'Cognito reference dev <no-reply@example.com>',
        SourceArn: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:', { Ref: 'AWS::AccountId' }, ':identity/example.com'],
          ],
        },
      },
    });
  });

  it('offers USER_AUTH on the web client only', () => {
    const clients = Object.values(auth.findResources('AWS::Cognito::UserPoolClient') as Resources).map(
      (c) => c.Properties.ExplicitAuthFlows as string[],
    );
    expect(clients.filter((flows) => flows.includes('ALLOW_USER_AUTH'))).toHaveLength(1);
    auth.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_AUTH']),
    });
  });
});
