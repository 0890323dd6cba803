import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GitHubDeployStack, type GitHubDeployStackProps } from '../lib/stacks/github-deploy-stack';
import { listAcknowledgements } from './helpers/acknowledgements';

const context = (JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')) as { context: object }).context;

function synth(props: Partial<GitHubDeployStackProps> = {}) {
  const app = new App({ context: { ...context } });
  const stack = new GitHubDeployStack(app, 'GitHub', { repository: 'acme/cognito-ref', stage: 'prod', ...props });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth(); // throws on any cdk-nag error
  return { app, stack, template: Template.fromStack(stack) };
}

type Roles = Record<string, { Properties: { AssumeRolePolicyDocument: { Statement: unknown[] } } }>;
type Policies = Record<
  string,
  { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }
>;

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
    expect(JSON.stringify(policies)).not.toMatch(/cognito-idp|dynamodb|cloudformation/);
  });

  it('with the smoke test, confines its permissions to the stage: stack and table name prefixes, pool tags', () => {
    const { template: t } = synth({ stage: 'dev', smokeTest: { project: 'cognito-ref' } });
    const statements = Object.values(t.findResources('AWS::IAM::Policy') as Policies)
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => JSON.stringify(s.Action).match(/cognito-idp|dynamodb|cloudformation/));
    const text = JSON.stringify(statements);
    expect(statements).toHaveLength(3);
    expect(text).toContain(':stack/cognito-ref-dev-*/*');
    expect(text).toContain(':table/cognito-ref-dev-*');
    expect(text).toContain('"aws:ResourceTag/Project":"cognito-ref","aws:ResourceTag/Stage":"dev"');
    expect(text).not.toMatch(/"dynamodb:\*"|"cognito-idp:\*"|Scan|Query/);
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
