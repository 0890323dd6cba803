import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, type Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  GitHubDeployStack,
  pullRequestDiffWanted,
  SMOKE_TEST_ACCESS,
  type GitHubDeployStackProps,
} from '../lib/stacks/github-deploy-stack';
import { listAcknowledgements } from './helpers/acknowledgements';
import { parseStageConfig } from '../lib/config/load';
import { shippedInput, synthStage } from './helpers/app';
import { DEFAULT_STAGE, stages } from '../config';
import { buildGitHubDeployApp, GitHubDeployUsageError } from '../lib/github-deploy-app';

const ROOT = join(__dirname, '..');
const context = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: object }).context;

function synth(props: Partial<GitHubDeployStackProps> = {}) {
  const app = new App({ context: { ...context } });
  const stack = new GitHubDeployStack(app, 'GitHub', { repository: 'acme/cognito-ref', stage: 'prod', ...props });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth(); // throws on any cdk-nag error
  return { app, stack, template: Template.fromStack(stack) };
}

type Roles = Record<string, { Properties: { AssumeRolePolicyDocument: { Statement: unknown[] } } }>;
interface Statement {
  Action: unknown;
  Resource: unknown;
  Condition?: unknown;
}
type Policies = Record<string, { Properties: { PolicyDocument: { Statement: Statement[] } } }>;

const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';

/** Replaces the pseudo parameters in the (environment-agnostic) stack's policies with fixed values. */
function resolve(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolve);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const pseudo: Record<string, string> = { 'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT };
  if (typeof object.Ref === 'string' && pseudo[object.Ref]) return pseudo[object.Ref];
  if (object['Fn::Join']) {
    const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
    return parts.map(resolve).join(separator);
  }
  const key = Object.keys(object)[0];
  if (key?.startsWith('Fn::') || key === 'Ref') throw new Error(`unresolved token: ${JSON.stringify(value)}`);
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, resolve(v)]));
}

function deployRolePolicy(template: Template): { Statement: Statement[] } {
  const policies = template.findResources('AWS::IAM::Policy') as Policies;
  const [id, policy] = Object.entries(policies).find(([logicalId]) => logicalId.startsWith('DeployRole'))!;
  expect(id).toMatch(/^DeployRoleDefaultPolicy/);
  return resolve(policy.Properties.PolicyDocument) as { Statement: Statement[] };
}

describe('GitHub Actions deploy roles (bin/github-deploy.ts)', () => {
  const { template } = synth();
  const roles = template.findResources('AWS::IAM::Role') as Roles;
  const policies = template.findResources('AWS::IAM::Policy') as Policies;

  it("registers GitHub's OIDC issuer for STS only", () => {
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  it('trusts only this repository: the deploy role in the stage environment, the diff role on pull requests', () => {
    const subjects = Object.values(roles).map((r) => {
      const [statement] = r.Properties.AssumeRolePolicyDocument.Statement as {
        Action: string;
        Condition: { StringEquals: Record<string, string> };
      }[];
      expect(statement!.Action).toBe('sts:AssumeRoleWithWebIdentity');
      expect(statement!.Condition.StringEquals['token.actions.githubusercontent.com:aud']).toBe('sts.amazonaws.com');
      return statement!.Condition.StringEquals['token.actions.githubusercontent.com:sub'];
    });
    expect(subjects.sort()).toEqual(['repo:acme/cognito-ref:environment:prod', 'repo:acme/cognito-ref:pull_request']);
  });

  it('lets the roles do nothing but assume CDK bootstrap roles; the diff role only the read-only lookup role', () => {
    const statements = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    for (const s of statements) expect(s.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    const text = Object.entries(policies).map(([id, p]) => [id, JSON.stringify(p.Properties.PolicyDocument)] as const);
    const diff = text.find(([id]) => id.startsWith('DiffRole'))![1];
    expect(diff).toContain('cdk-hnb659fds-lookup-role-');
    expect(diff).not.toMatch(/deploy-role|publishing-role/);
    const deploy = text.find(([id]) => id.startsWith('DeployRole'))![1];
    for (const kind of ['deploy', 'file-publishing', 'image-publishing', 'lookup'])
      expect(deploy).toContain(`cdk-hnb659fds-${kind}-role-`);
  });

  it('reuses an existing OIDC provider and can skip the diff role', () => {
    const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';
    const { template: t } = synth({ existingOidcProviderArn: arn, pullRequestDiff: false });
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    t.resourceCountIs('AWS::IAM::Role', 1);
    expect(JSON.stringify(t.toJSON())).toContain(arn);
  });

  it('lets the roles do nothing else unless the smoke test is enabled (never for production)', () => {
    expect(JSON.stringify(policies)).not.toMatch(/cognito-idp|cognito-identity|dynamodb|cloudformation/);
  });

  it.each([
    ['production (deploy and diff roles only)', { stage: 'prod' }],
    ['dev with the smoke test', { stage: 'dev', smokeTest: { project: 'cognito-ref' } }],
  ] as const)('lists every cdk-nag acknowledgement, %s (a new one is a visible diff)', (_, props) => {
    const rows = listAcknowledgements(synth(props).app);
    for (const row of rows) {
      expect(row.reason.length).toBeGreaterThanOrEqual(40);
      if (row.id.includes('IAM5')) expect(row.id).toMatch(/IAM5\[(Action|Resource)::.+\]$/);
    }
    expect(rows.map((r) => `${r.path} ${r.id}: ${r.reason}`)).toMatchSnapshot();
  });

  it('refuses a malformed repository name', () => {
    expect(() => synth({ repository: 'https://github.com/acme/x' })).toThrow(
      'repository must be "owner/repo", got "https://github.com/acme/x"',
    );
  });
});

describe('the dev deploy role runs the smoke test with exactly what it calls', () => {
  const { template } = synth({ stage: 'dev', smokeTest: { project: 'cognito-ref' } });
  const policy = deployRolePolicy(template);
  const smokeStatements = policy.Statement.filter((s) => !JSON.stringify(s.Action).includes('sts:'));
  const leadingKeys = (pattern: string) => ({
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [pattern] },
    Null: { 'dynamodb:LeadingKeys': 'false' },
  });
  const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;

  it('has these statements and no other: stacks by name, the pool by tags, identity pools of the region, tables by name and partition key', () => {
    // CDK sorts actions and resources inside a statement.
    expect(smokeStatements).toEqual([
      {
        Action: 'cloudformation:DescribeStacks',
        Effect: 'Allow',
        Resource: ['Api', 'Auth', 'Data'].map((name) => arn('cloudformation', `stack/cognito-ref-dev-${name}/*`)),
      },
      {
        Action: [
          'cognito-idp:AdminAddUserToGroup',
          'cognito-idp:AdminCreateUser',
          'cognito-idp:AdminDeleteUser',
          'cognito-idp:AdminSetUserPassword',
          'cognito-idp:DescribeUserPoolClient',
        ],
        Condition: { StringEquals: { 'aws:ResourceTag/Project': 'cognito-ref', 'aws:ResourceTag/Stage': 'dev' } },
        Effect: 'Allow',
        Resource: arn('cognito-idp', 'userpool/*'),
      },
      {
        Action: 'cognito-identity:DeleteIdentities',
        Condition: {
          ArnLike: { 'cognito-identity:IdentityPoolArn': arn('cognito-identity', `identitypool/${REGION}:*`) },
        },
        Effect: 'Allow',
        Resource: '*',
      },
      {
        Action: 'dynamodb:GetItem',
        Condition: leadingKeys('success+smoke*@simulator.amazonses.com'),
        Effect: 'Allow',
        Resource: arn('dynamodb', 'table/cognito-ref-dev-Auth-TriggersTestOutboxTable*'),
      },
      {
        Action: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
        Condition: leadingKeys('success+smoke*@simulator.amazonses.com'),
        Effect: 'Allow',
        Resource: arn('dynamodb', 'table/cognito-ref-dev-Auth-TriggersLegacyUsersTable*'),
      },
      {
        Action: 'dynamodb:DeleteItem',
        Condition: leadingKeys('USER#*'),
        Effect: 'Allow',
        Resource: arn('dynamodb', 'table/cognito-ref-dev-Data-ProtectedTable*'),
      },
    ]);
  });

  // The names the stage really gets: CloudFormation names a table `<stack>-<logical id>-<suffix>`.
  const stage = synthStage('dev');
  const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const tableArn = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
    arn('dynamodb', `table/${stack.stackName}-${logicalId(stack, construct)}-1A2B3C4D5E6F`);
  const tables = {
    outbox: tableArn(stage.stacks.auth, stage.stacks.auth.triggers.testOutbox!.table),
    legacy: tableArn(stage.stacks.auth, stage.stacks.auth.triggers.legacyUsers!.table),
    data: tableArn(stage.stacks.data, stage.stacks.data.data.table),
    signInState: tableArn(stage.stacks.auth, stage.stacks.auth.triggers.signInState!.table),
  };
  const stackArn = (stack: Stack) =>
    arn('cloudformation', `stack/${stack.stackName}/0a0a0a0a-0000-4000-8000-000000000000`);
  const pool = arn('cognito-idp', 'userpool/eu-west-1_AbCdEf123');
  const devTags = { 'aws:ResourceTag/Project': 'cognito-ref', 'aws:ResourceTag/Stage': 'dev' };
  const smokeAddress = 'success+smokemabc12345678-alice@simulator.amazonses.com';
  const identityPool = (region: string) =>
    `arn:aws:cognito-identity:${region}:${ACCOUNT}:identitypool/${region}:0b0b0b0b-0000-4000-8000-00000000000b`;

  it('covers every table the smoke test touches and every stack of the stage, as the app names them', () => {
    // The sign-in state belongs to the passwordless triggers alone: the smoke test never reads it.
    expect(Object.keys(stage.templates.auth.findResources('AWS::DynamoDB::Table')).sort()).toEqual(
      [
        logicalId(stage.stacks.auth, stage.stacks.auth.triggers.legacyUsers!.table),
        logicalId(stage.stacks.auth, stage.stacks.auth.triggers.testOutbox!.table),
        logicalId(stage.stacks.auth, stage.stacks.auth.triggers.signInState!.table),
      ].sort(),
    );
    const names = SMOKE_TEST_ACCESS.stacks.names.map((name) => `cognito-ref-dev-${name}`);
    expect([stage.stacks.data, stage.stacks.auth, stage.stacks.api].map((s) => s.stackName)).toEqual(names);
  });

  type Request = [string, string, Record<string, string | string[]>?];
  // prettier-ignore
  const matrix: [string, Request, 'Allowed' | 'Denied'][] = [
    ['read the outputs of the Data stack',               ['cloudformation:DescribeStacks', stackArn(stage.stacks.data)], 'Allowed'],
    ['read the outputs of the Auth stack',               ['cloudformation:DescribeStacks', stackArn(stage.stacks.auth)], 'Allowed'],
    ['read the outputs of the Api stack',                ['cloudformation:DescribeStacks', stackArn(stage.stacks.api)], 'Allowed'],
    ['read the outputs of a prod stack',                 ['cloudformation:DescribeStacks', arn('cloudformation', 'stack/cognito-ref-prod-Auth/x')], 'Denied'],
    ['read the outputs of this GitHubDeploy stack',      ['cloudformation:DescribeStacks', arn('cloudformation', 'stack/cognito-ref-dev-GitHubDeploy/x')], 'Denied'],
    ['create a user in the dev pool',                    ['cognito-idp:AdminCreateUser', pool, devTags], 'Allowed'],
    ['delete a user in the dev pool',                    ['cognito-idp:AdminDeleteUser', pool, devTags], 'Allowed'],
    ['create a user in a pool of another stage',         ['cognito-idp:AdminCreateUser', pool, { ...devTags, 'aws:ResourceTag/Stage': 'prod' }], 'Denied'],
    ['list the users of the dev pool',                   ['cognito-idp:ListUsers', pool, devTags], 'Denied'],
    ['delete identities of a pool in this region',       ['cognito-identity:DeleteIdentities', '*', { 'cognito-identity:IdentityPoolArn': identityPool(REGION) }], 'Allowed'],
    ['delete identities of a pool in another region',    ['cognito-identity:DeleteIdentities', '*', { 'cognito-identity:IdentityPoolArn': identityPool('us-east-1') }], 'Denied'],
    ['read the sign-in code of a smoke user',            ['dynamodb:GetItem', tables.outbox, { 'dynamodb:LeadingKeys': [smokeAddress] }], 'Allowed'],
    ['read the sign-in code of another user',            ['dynamodb:GetItem', tables.outbox, { 'dynamodb:LeadingKeys': ['jane@example.com'] }], 'Denied'],
    ['write a sign-in code',                             ['dynamodb:PutItem', tables.outbox, { 'dynamodb:LeadingKeys': [smokeAddress] }], 'Denied'],
    ['scan the outbox',                                  ['dynamodb:Scan', tables.outbox], 'Denied'],
    ['read the sign-in state of a smoke user',           ['dynamodb:GetItem', tables.signInState, { 'dynamodb:LeadingKeys': ['smoke-sub'] }], 'Denied'],
    ['seed the legacy record of a smoke user',           ['dynamodb:PutItem', tables.legacy, { 'dynamodb:LeadingKeys': [smokeAddress] }], 'Allowed'],
    ['delete the legacy record of a smoke user',         ['dynamodb:DeleteItem', tables.legacy, { 'dynamodb:LeadingKeys': [smokeAddress] }], 'Allowed'],
    ['overwrite the legacy record of another user',      ['dynamodb:PutItem', tables.legacy, { 'dynamodb:LeadingKeys': ['jane@example.com'] }], 'Denied'],
    ['read a legacy record',                             ['dynamodb:GetItem', tables.legacy, { 'dynamodb:LeadingKeys': [smokeAddress] }], 'Denied'],
    ['delete an API document (USER# partition)',         ['dynamodb:DeleteItem', tables.data, { 'dynamodb:LeadingKeys': ['USER#0c0c-sub'] }], 'Allowed'],
    ['read an API document from the protected table',    ['dynamodb:GetItem', tables.data, { 'dynamodb:LeadingKeys': ['USER#0c0c-sub'] }], 'Denied'],
    ['write into the protected table',                   ['dynamodb:PutItem', tables.data, { 'dynamodb:LeadingKeys': ['USER#0c0c-sub'] }], 'Denied'],
    ['delete an item of an identity partition',          ['dynamodb:DeleteItem', tables.data, { 'dynamodb:LeadingKeys': [`IDENTITY#${REGION}:0d0d`] }], 'Denied'],
    ['delete an item of a tenant partition',             ['dynamodb:DeleteItem', tables.data, { 'dynamodb:LeadingKeys': ['TENANT#acme'] }], 'Denied'],
    ['delete without a partition key',                   ['dynamodb:DeleteItem', tables.data], 'Denied'],
    ['query the protected table',                        ['dynamodb:Query', tables.data, { 'dynamodb:LeadingKeys': ['USER#0c0c-sub'] }], 'Denied'],
  ];

  const rows = matrix.map(([name, request, expected]) => [name, expected, request] as const);
  it.each(rows)('%s → %s', async (_name, expected, [action, resource, contextVariables = {}]) => {
    const result = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::${ACCOUNT}:assumed-role/DeployRole/GitHubActions`,
          action,
          resource: { resource, accountId: ACCOUNT },
          contextVariables,
        },
        identityPolicies: [{ name: 'deploy', policy }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(`invalid simulation: ${JSON.stringify(result.errors)}`);
    expect(result.overallResult === 'Allowed' ? 'Allowed' : 'Denied').toBe(expected);
  });
});

describe('pull-request diff role per stage', () => {
  it('is off for production unless asked, on elsewhere unless turned off, and refuses other values', () => {
    expect(pullRequestDiffWanted(true, undefined)).toBe(false);
    expect(pullRequestDiffWanted(true, 'true')).toBe(true);
    expect(pullRequestDiffWanted(true, true)).toBe(true);
    expect(pullRequestDiffWanted(false, undefined)).toBe(true);
    expect(pullRequestDiffWanted(false, 'false')).toBe(false);
    expect(() => pullRequestDiffWanted(true, 'yes')).toThrow('pullRequestDiff must be true or false, got "yes"');
  });

  /** The app bin/github-deploy.ts builds, from the context the CDK CLI would pass (`-c key=value`). */
  function deployRolesApp(cdkContext: Record<string, string>) {
    const app = new App({ context: { ...context, ...cdkContext } });
    const warnings: string[] = [];
    const stack = buildGitHubDeployApp(app, stages, DEFAULT_STAGE, (message) => warnings.push(message));
    app.synth(); // throws on any cdk-nag error, as `cdk synth` would fail
    const { Resources } = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string }> };
    const roles = Object.entries(Resources).flatMap(([id, r]) => (r.Type === 'AWS::IAM::Role' ? [id] : []));
    return { stack, roles: roles.map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort(), warnings };
  }

  it('bin/github-deploy.ts creates no diff role for prod by default, one with -c pullRequestDiff=true (and warns)', () => {
    const repository = 'acme/cognito-ref';
    const prod = deployRolesApp({ stage: 'prod', repository });
    const prodOptIn = deployRolesApp({ stage: 'prod', repository, pullRequestDiff: 'true' });
    const dev = deployRolesApp({ stage: 'dev', repository });
    // bin/ reads the shipped config/, so the stack is named after the shipped project.
    const { project } = parseStageConfig(shippedInput('prod'), 'config');
    expect(prod.stack.stackName).toBe(`${project}-prod-GitHubDeploy`);
    expect(prod.roles).toEqual(['DeployRole']);
    expect(prod.warnings).toEqual([]);
    expect(prodOptIn.roles).toEqual(['DeployRole', 'DiffRole']);
    expect(prodOptIn.warnings).toEqual([
      expect.stringContaining('Warning: creating the pull-request diff role in production stage prod'),
    ]);
    expect(dev.roles).toEqual(['DeployRole', 'DiffRole']);
  });

  it('bin/github-deploy.ts refuses a missing repository, an unknown stage and a bad pullRequestDiff with its usage line', () => {
    const usage = `Usage: -c stage=<${Object.keys(stages).join('|')}> -c repository=<owner/repo>`;
    const bad: Record<string, string>[] = [
      { stage: DEFAULT_STAGE },
      { stage: 'no-such-stage', repository: 'acme/x' },
      { stage: DEFAULT_STAGE, repository: 'acme/x', pullRequestDiff: 'yes' },
    ];
    for (const cdkContext of bad) {
      expect(() => deployRolesApp(cdkContext)).toThrow(GitHubDeployUsageError);
      expect(() => deployRolesApp(cdkContext)).toThrow(usage);
    }
  });
});
