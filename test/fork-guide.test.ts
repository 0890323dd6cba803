import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import type { PreSignUpTriggerEvent } from 'aws-lambda';
import { Match } from 'aws-cdk-lib/assertions';
import { USER_MESSAGES } from '../lambda/shared/errors';
import { decideTokenClaims, parseScopeRules } from '../lambda/triggers/pre-token-generation/claims';
import { synthStage, type DeepPartial } from './helpers/app';
import { context, fixture, loadHandler, spyOnLogs, type AsyncHandler } from './helpers/lambda';
import type { StageConfigInput } from '../lib/config/schema';

// Every example of docs/fork-guide.md, read from the document itself, applied to the dev stage
// and checked for the effect the guide promises.
const guide = readFileSync(join(__dirname, '..', 'docs', 'fork-guide.md'), 'utf8');

function example(name: string): DeepPartial<StageConfigInput> {
  const match = new RegExp(`<!-- fork-example: ${name} -->\\s*\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(guide);
  if (!match?.[1]) throw new Error(`docs/fork-guide.md has no example "${name}"`);
  // The blocks are plain object literals (data only): evaluated in an empty sandbox context.
  return runInNewContext(`(${match[1]})`, {}) as DeepPartial<StageConfigInput>;
}

type Resources = Record<string, { Properties: Record<string, unknown> }>;

function functionEnv(resources: Resources, entryHint: string): Record<string, string> {
  const fn = Object.entries(resources).find(([id]) => id.includes(entryHint));
  if (!fn) throw new Error(`no function ${entryHint}`);
  return (fn[1].Properties.Environment as { Variables: Record<string, string> }).Variables;
}

describe('docs/fork-guide.md: add a group', () => {
  const { templates, stacks } = synthStage('dev', example('add-group'));

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
  const { templates } = synthStage('dev', example('add-scope'));

  it('puts the scope on the resource server and into admins’ access tokens only', () => {
    templates.auth.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Scopes: Match.arrayWith([{ ScopeName: 'export', ScopeDescription: 'Export tenant data.' }]),
    });
    const env = functionEnv(templates.auth.findResources('AWS::Lambda::Function') as Resources, 'PreTokenGeneration');
    const rules = parseScopeRules(JSON.parse(env.SCOPE_RULES!));
    expect(decideTokenClaims(['admins'], {}, [], rules).scopesToAdd).toContain('api/export');
    expect(decideTokenClaims(['editors'], {}, ['api/export'], rules)).toMatchObject({
      scopesToSuppress: ['api/export'],
    });
  });
});

describe('docs/fork-guide.md: add a trigger rule', () => {
  const { templates } = synthStage('dev', example('add-trigger-rule'));

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
  const { templates, stacks } = synthStage('dev', example('add-identity-provider'));

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
  const { templates } = synthStage('dev', example('add-tenant-attribute'));

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
