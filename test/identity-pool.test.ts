import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CLIENT_WRITABLE_ATTRIBUTES } from '../lib/config/client-attributes';
import { SHIPPED_STAGES, synthShipped, synthStage, type SynthesizedStage } from './helpers/app';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: Record<string, unknown>;
}
interface RoleResource {
  Properties: {
    AssumeRolePolicyDocument: { Statement: Statement[] };
    Policies?: { PolicyDocument: { Statement: Statement[] } }[];
  };
}

const COGNITO = 'cognito-identity.amazonaws.com';
const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);

function roles(template: Template): Record<string, RoleResource> {
  return template.findResources('AWS::IAM::Role') as Record<string, RoleResource>;
}
/** Roles any Cognito identity-pool identity could assume. */
function cognitoRoles(template: Template): [string, RoleResource][] {
  return Object.entries(roles(template)).filter(([, role]) =>
    JSON.stringify(role.Properties.AssumeRolePolicyDocument).includes(COGNITO),
  );
}
function single<T>(template: Template, type: string): T {
  const all = Object.values(template.findResources(type)) as { Properties: T }[];
  expect(all).toHaveLength(1);
  return all[0]!.Properties;
}
function policyStatements(role: RoleResource): Statement[] {
  return (role.Properties.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
}

describe.each(SHIPPED_STAGES.map((stage): [string, SynthesizedStage] => [stage, synthShipped(stage)]))(
  'identity pool (%s)',
  (_stage, { templates, stacks, config }) => {
    const auth = templates.auth;
    const access = stacks.auth.identityPool;
    const poolRef = { Ref: logicalId(access.identityPool) };

    it('turns off the classic (basic) flow, allows guests only as configured, and checks tokens server-side', () => {
      const pool = single<Record<string, unknown>>(auth, 'AWS::Cognito::IdentityPool');
      expect(pool.AllowClassicFlow).toBe(false);
      expect(pool.AllowUnauthenticatedIdentities).toBe(config.identityPool.allowGuests);
      const providers = pool.CognitoIdentityProviders as { ClientId: unknown; ServerSideTokenCheck: boolean }[];
      const { passwordless, rules } = stacks.auth.clients;
      expect(providers.map((p) => p.ClientId)).toEqual([
        { Ref: logicalId(stacks.auth.clients.web) },
        ...(passwordless ? [{ Ref: logicalId(passwordless) }] : []),
        ...(rules ? [{ Ref: logicalId(rules) }] : []),
      ]);
      for (const provider of providers) expect(provider.ServerSideTokenCheck).toBe(true);
    });

    it('trusts every identity-pool role only for this pool (aud) and the right kind of identity (amr), group roles included', () => {
      const found = cognitoRoles(auth);
      expect(found).toHaveLength(config.groups.length + config.identityPool.ruleRoles.length + 2);
      const guestId = logicalId(access.guestRole);
      for (const [id, role] of found) {
        const statements = role.Properties.AssumeRolePolicyDocument.Statement;
        expect(statements).toHaveLength(1);
        const [trust] = statements;
        const amr = id === guestId ? 'unauthenticated' : 'authenticated';
        expect(trust).toEqual({
          Effect: 'Allow',
          Principal: { Federated: COGNITO },
          // Principal tags reach authenticated sessions only; they need sts:TagSession.
          Action:
            amr === 'authenticated'
              ? ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession']
              : 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { [`${COGNITO}:aud`]: poolRef },
            'ForAnyValue:StringLike': { [`${COGNITO}:amr`]: amr },
          },
        });
      }
      for (const role of Object.values(access.groupRoles)) expect(found.map(([id]) => id)).toContain(logicalId(role));
    });

    it('maps the web (and passwordless) client by token and the rules client by rules, all denying when no role can be chosen', () => {
      const attachment = single<{ RoleMappings: Record<string, Record<string, unknown>>; Roles: unknown }>(
        auth,
        'AWS::Cognito::IdentityPoolRoleAttachment',
      );
      const mappings = Object.values(attachment.RoleMappings);
      const { passwordless, rules } = stacks.auth.clients;
      expect(Object.keys(attachment.RoleMappings).sort()).toEqual(
        [...(passwordless ? ['passwordless'] : []), ...(rules ? ['rules'] : []), 'web'].sort(),
      );
      for (const mapping of mappings) expect(mapping.AmbiguousRoleResolution).toBe('Deny');
      const provider = (client: IConstruct) => ({
        'Fn::Join': [
          '',
          [{ 'Fn::GetAtt': [logicalId(stacks.auth.pool.userPool), 'ProviderName'] }, ':', { Ref: logicalId(client) }],
        ],
      });
      expect(attachment.RoleMappings.web).toEqual({
        Type: 'Token',
        AmbiguousRoleResolution: 'Deny',
        IdentityProvider: provider(stacks.auth.clients.web),
      });
      if (passwordless) {
        expect(attachment.RoleMappings.passwordless).toEqual({
          Type: 'Token',
          AmbiguousRoleResolution: 'Deny',
          IdentityProvider: provider(passwordless),
        });
      }
      expect(attachment.RoleMappings.rules).toEqual(
        rules && {
          Type: 'Rules',
          AmbiguousRoleResolution: 'Deny',
          IdentityProvider: provider(rules),
          RulesConfiguration: {
            Rules: config.identityPool.rules.map((rule) => ({
              Claim: rule.claim,
              MatchType: rule.matchType,
              Value: rule.value,
              RoleARN: {
                'Fn::GetAtt': [logicalId((access.ruleRoles[rule.role] ?? access.groupRoles[rule.role])!), 'Arn'],
              },
            })),
          },
        },
      );
      expect(attachment.Roles).toEqual({
        authenticated: { 'Fn::GetAtt': [logicalId(access.authenticatedRole), 'Arn'] },
        unauthenticated: { 'Fn::GetAtt': [logicalId(access.guestRole), 'Arn'] },
      });
    });

    it('bases rules and principal tags only on claims no app client lets users write', () => {
      for (const rule of config.identityPool.rules) expect(CLIENT_WRITABLE_ATTRIBUTES.has(rule.claim)).toBe(false);
      const tags = single<Record<string, unknown>>(auth, 'AWS::Cognito::IdentityPoolPrincipalTag');
      expect(tags).toEqual({
        IdentityPoolId: poolRef,
        IdentityProviderName: { 'Fn::GetAtt': [logicalId(stacks.auth.pool.userPool), 'ProviderName'] },
        PrincipalTags: config.identityPool.principalTags,
        UseDefaults: false,
      });
      for (const claim of Object.values(tags.PrincipalTags as Record<string, string>)) {
        expect(CLIENT_WRITABLE_ATTRIBUTES.has(claim)).toBe(false);
      }
    });

    it('attaches each group its role, so ID tokens carry cognito:roles and cognito:preferred_role', () => {
      for (const group of config.groups) {
        auth.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
          GroupName: group.name,
          RoleArn: { 'Fn::GetAtt': [logicalId(access.groupRoles[group.name]!), 'Arn'] },
        });
      }
    });

    it("gives each group role exactly its entry's tenant access (none, read or write)", () => {
      for (const group of config.groups) {
        const statements = policyStatements(roles(auth)[logicalId(access.groupRoles[group.name]!)]!);
        const tenantActions = statements
          .filter((s) => s.Sid === 'TenantObjects' || s.Sid === 'TenantItems')
          .flatMap((s) => list(s.Action));
        const writes = tenantActions.filter((a) => /Put|Delete|Update|Write/.test(a));
        expect(tenantActions.length > 0).toBe(group.tenantAccess !== 'none');
        expect(writes.length > 0).toBe(group.tenantAccess === 'write');
      }
    });

    it('never grants a wildcard action, Scan or PartiQL, and confines every DynamoDB and ListBucket grant', () => {
      for (const [, role] of cognitoRoles(auth)) {
        for (const statement of policyStatements(role)) {
          expect(statement.Effect).toBe('Allow');
          for (const action of list(statement.Action)) {
            expect(action).not.toContain('*');
            expect(action).not.toMatch(
              /^dynamodb:(Scan|PartiQL|ExecuteStatement|BatchExecuteStatement|ExecuteTransaction)/,
            );
          }
          const actions = list(statement.Action);
          if (actions.some((a) => a.startsWith('dynamodb:'))) {
            expect(statement.Condition).toEqual({
              'ForAllValues:StringEquals': {
                'dynamodb:LeadingKeys': [expect.stringMatching(/^(IDENTITY|TENANT)#\$\{/)],
              },
              Null: { 'dynamodb:LeadingKeys': 'false' },
            });
          }
          if (actions.includes('s3:ListBucket')) {
            expect(actions).toEqual(['s3:ListBucket']);
            expect(Object.keys(statement.Condition?.StringLike ?? {})).toEqual(['s3:prefix']);
          }
        }
      }
    });

    it('gives the guest role no permission while guest access is off', () => {
      expect(roles(auth)[logicalId(access.guestRole)]!.Properties.Policies).toBeUndefined();
    });

    it('reads the data names from the Data stack outputs and deploys after it', () => {
      expect(stacks.auth.dependencies).toContain(stacks.data);
      const outputs = templates.data.toJSON().Outputs as Record<string, unknown>;
      expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['DataBucketName', 'DataTableName']));
      expect(JSON.stringify(auth.toJSON())).toContain(
        JSON.stringify({ 'Fn::GetStackOutput': { StackName: stacks.data.stackName, OutputName: 'DataBucketName' } }),
      );
    });
  },
);

describe('identity pool with guest access on', () => {
  const { templates, stacks } = synthStage('dev', { identityPool: { allowGuests: true } });
  const guest = roles(templates.auth)[logicalId(stacks.auth.identityPool.guestRole)]!;

  it('allows unauthenticated identities', () => {
    templates.auth.hasResourceProperties('AWS::Cognito::IdentityPool', { AllowUnauthenticatedIdentities: true });
  });

  it('lets the guest role only read and list the public prefix', () => {
    const statements = policyStatements(guest);
    expect(statements.map((s) => [s.Sid, s.Action])).toEqual([
      ['PublicObjects', 's3:GetObject'],
      ['PublicList', 's3:ListBucket'],
    ]);
    expect(JSON.stringify(statements[0]!.Resource)).toMatch(/"\/public\/\*"\]\]\}$/);
    expect(statements[1]!.Condition).toEqual({ StringLike: { 's3:prefix': ['public/', 'public/*'] } });
    expect(JSON.stringify(guest.Properties.AssumeRolePolicyDocument)).not.toContain('sts:TagSession');
  });
});

describe('identity pool without rules', () => {
  const { templates, stacks } = synthStage('dev', {
    identityPool: { rules: [], ruleRoles: [] },
    passwordless: { customChallenge: { enabled: false, testOutbox: false } },
  });

  it('creates no rules client and keeps only the token-based mapping', () => {
    expect(stacks.auth.clients.rules).toBeUndefined();
    const attachment = single<{ RoleMappings: Record<string, { Type: string }> }>(
      templates.auth,
      'AWS::Cognito::IdentityPoolRoleAttachment',
    );
    expect(Object.keys(attachment.RoleMappings)).toEqual(['web']);
    const pool = single<{ CognitoIdentityProviders: unknown[] }>(templates.auth, 'AWS::Cognito::IdentityPool');
    expect(pool.CognitoIdentityProviders).toHaveLength(1);
    expect(Object.keys(templates.auth.toJSON().Outputs as object)).not.toContain('RulesClientId');
  });
});
