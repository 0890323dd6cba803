import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { join } from 'node:path';
import { stages } from '../config';
import { ConfigError, parseStageConfig } from '../lib/config/load';
import { stageInput, type DeepPartial } from './helpers/app';
import type { StageConfigInput } from '../lib/config/schema';

function problemsOf(
  stage: string,
  patch: DeepPartial<StageConfigInput> | ((input: StageConfigInput) => unknown),
): string[] {
  const input = typeof patch === 'function' ? patch(structuredClone(stageInput(stage))) : stageInput(stage, patch);
  try {
    parseStageConfig(input, `config/${stage}.ts`);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('stage config files', () => {
  it.each(Object.keys(stages))('%s is valid', (stage) => {
    expect(problemsOf(stage, {})).toEqual([]);
  });

  it('applies safe defaults to omitted fields', () => {
    const config = parseStageConfig(
      {
        project: 'acme',
        stage: 'qa',
        production: false,
        webClient: { callbackUrls: ['https://app.example.com/cb'] },
        domain: { prefix: 'acme-qa' },
      },
      'inline',
    );
    expect(config.userPool).toMatchObject({
      featurePlan: 'ESSENTIALS',
      selfSignUp: false,
      mfa: 'REQUIRED',
      removalPolicy: 'RETAIN',
      deletionProtection: true,
      passwordPolicy: { minLength: 12, requireSymbols: true },
      tokenValidity: { accessTokenMinutes: 60, idTokenMinutes: 60, refreshTokenDays: 30 },
      threatProtection: { standardAuth: 'OFF', customAuth: 'OFF' },
    });
    expect(config.identityProviders).toEqual({ oidc: [], saml: [] });
    expect(config.groups.map((g) => [g.name, g.precedence])).toEqual([
      ['admins', 1],
      ['editors', 10],
      ['readers', 100],
    ]);
    expect(config.defaultGroup).toBe('readers');
    expect(config.api).toEqual({
      stageName: 'v1',
      corsOrigins: [],
      throttling: { rateLimit: 50, burstLimit: 100 },
      authorizerCacheTtlSeconds: 60,
      executionLogLevel: 'ERROR',
      dataTrace: false,
      logRetentionDays: 90,
      cloudWatchRole: true,
      scopes: { read: 'read', write: 'write', admin: 'admin' },
      tenantGroups: null,
      waf: { enabled: false, rateLimit: 1000, associateUserPool: false },
    });
  });

  it('prefixes every message with the file it came from', () => {
    expect(() => parseStageConfig({}, 'config/broken.ts')).toThrow(/^Invalid configuration in config\/broken\.ts:/);
  });
});

describe('a bad config names the field, the bad value and what is allowed', () => {
  const cases: [string, string, DeepPartial<StageConfigInput> | ((input: StageConfigInput) => unknown), string][] = [
    [
      'misspelled field',
      'dev',
      (c) => ({ ...c, userPool: { ...c.userPool, featurPlan: 'PLUS' } }),
      'userPool.featurPlan: unknown field (did you mean "featurePlan"?); allowed: featurePlan, threatProtection,',
    ],
    [
      'unknown top-level field',
      'dev',
      (c) => ({ ...c, colour: 'blue' }),
      'colour: unknown field; allowed: project, stage, production,',
    ],
    [
      'feature plan outside the enum',
      'dev',
      { userPool: { featurePlan: 'GOLD' as never } },
      'userPool.featurePlan: got "GOLD"; expected one of "LITE" | "ESSENTIALS" | "PLUS"',
    ],
    [
      'pre token generation V2 on LITE',
      'dev',
      { userPool: { featurePlan: 'LITE' }, domain: { managedLogin: 'CLASSIC_HOSTED_UI' } },
      'triggers.preTokenGeneration.enabled: got true; pre token generation V2 needs userPool.featurePlan "ESSENTIALS" or "PLUS", but the plan is "LITE"',
    ],
    [
      'threat protection below PLUS',
      'dev',
      { userPool: { threatProtection: { standardAuth: 'ENFORCED' } } },
      'userPool.threatProtection.standardAuth: got "ENFORCED"; threat protection "ENFORCED" needs userPool.featurePlan "PLUS", but the plan is "ESSENTIALS"',
    ],
    [
      'custom-auth threat protection below PLUS',
      'dev',
      { userPool: { threatProtection: { customAuth: 'AUDIT' } } },
      'userPool.threatProtection.customAuth: got "AUDIT"; threat protection "AUDIT" needs userPool.featurePlan "PLUS"',
    ],
    [
      'password history on LITE',
      'dev',
      {
        userPool: { featurePlan: 'LITE', passwordPolicy: { passwordHistorySize: 3 } },
        triggers: { preTokenGeneration: { enabled: false } },
        domain: { managedLogin: 'CLASSIC_HOSTED_UI' },
      },
      'userPool.passwordPolicy.passwordHistorySize: got 3; password history needs userPool.featurePlan "ESSENTIALS" or "PLUS"',
    ],
    [
      'managed login on LITE',
      'dev',
      { userPool: { featurePlan: 'LITE' }, triggers: { preTokenGeneration: { enabled: false } } },
      'domain.managedLogin: got "MANAGED_LOGIN"; managed login needs userPool.featurePlan "ESSENTIALS" or "PLUS"',
    ],
    [
      'RETAIN-less production',
      'prod',
      { userPool: { removalPolicy: 'DESTROY' } },
      'userPool.removalPolicy: got "DESTROY"; production stages must use "RETAIN"',
    ],
    [
      'production data that would be deleted with the stack',
      'prod',
      { data: { removalPolicy: 'DESTROY' } },
      'data.removalPolicy: got "DESTROY"; production stages must use "RETAIN"',
    ],
    [
      'production without deletion protection',
      'prod',
      { userPool: { deletionProtection: false } },
      'userPool.deletionProtection: got false; production stages must set true',
    ],
    [
      'production with optional MFA',
      'prod',
      { userPool: { mfa: 'OPTIONAL' } },
      'userPool.mfa: got "OPTIONAL"; production stages must use "REQUIRED"',
    ],
    [
      'production with short passwords',
      'prod',
      { userPool: { passwordPolicy: { minLength: 10 } } },
      'userPool.passwordPolicy.minLength: got 10; production stages need at least 12',
    ],
    [
      'password shorter than Cognito allows',
      'dev',
      { userPool: { passwordPolicy: { minLength: 6 } } },
      'userPool.passwordPolicy.minLength: got 6; expected >= 8',
    ],
    [
      'plain-http callback outside localhost',
      'dev',
      { webClient: { callbackUrls: ['http://app.example.com/callback'] } },
      'webClient.callbackUrls[0]: got "http://app.example.com/callback"; redirect URLs must use https (http is allowed only for localhost)',
    ],
    [
      'localhost callback in production',
      'prod',
      { webClient: { logoutUrls: ['https://app.example.com/', 'http://localhost:3000/'] } },
      'webClient.logoutUrls[1]: got "http://localhost:3000/"; localhost redirect URLs are allowed only when production is false',
    ],
    [
      'callback with a fragment',
      'dev',
      { webClient: { callbackUrls: ['https://app.example.com/#/cb'] } },
      'webClient.callbackUrls[0]: got "https://app.example.com/#/cb"; a redirect URL may not contain a #fragment',
    ],
    [
      'callback that is not a URL',
      'dev',
      { webClient: { callbackUrls: ['app.example.com/callback'] } },
      'webClient.callbackUrls[0]: got "app.example.com/callback"; expected an absolute http(s) URL',
    ],
    [
      'no callback URL',
      'dev',
      { webClient: { callbackUrls: [] } },
      'webClient.callbackUrls: got []; expected at least 1 item(s)',
    ],
    [
      'missing required section',
      'dev',
      (c) => ({ ...c, webClient: undefined }),
      'webClient: got nothing (the field is required); expected object',
    ],
    [
      'both a prefix and a custom domain',
      'dev',
      {
        domain: {
          customDomain: {
            domainName: 'auth.example.com',
            certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc-123',
          },
        },
      },
      'domain: got {"prefix":"example-authref-dev","customDomain":',
    ],
    [
      'domain prefix with a reserved word',
      'dev',
      { domain: { prefix: 'my-aws-login' } },
      'domain.prefix: got "my-aws-login"; a Cognito domain prefix may not contain "aws"',
    ],
    [
      'custom domain certificate outside us-east-1',
      'dev',
      (c) => ({
        ...c,
        domain: {
          customDomain: {
            domainName: 'auth.example.com',
            certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123',
          },
        },
      }),
      'domain.customDomain.certificateArn: got "arn:aws:acm:eu-west-1:123456789012:certificate/abc-123"; expected an ACM certificate ARN in us-east-1',
    ],
    [
      'default group that does not exist',
      'dev',
      { defaultGroup: 'members' },
      'defaultGroup: got "members"; not a configured group; allowed: "admins", "editors", "readers"',
    ],
    [
      'duplicate group',
      'dev',
      {
        groups: [
          { name: 'admins', precedence: 1, description: 'a' },
          { name: 'admins', precedence: 2, description: 'b' },
        ],
        defaultGroup: 'admins',
      },
      'groups[1].name: got "admins"; duplicate group name',
    ],
    [
      'machine client scope that the resource server lacks',
      'dev',
      { machineClient: { scopes: ['delete'] } },
      'machineClient.scopes[0]: got "delete"; not a resourceServer scope; allowed: "read", "write", "admin"',
    ],
    [
      'inline identity-provider secret',
      'dev',
      (c) => ({ ...c, identityProviders: { google: { clientId: 'id', clientSecret: 'shh' } } }),
      'identityProviders.google.clientSecret: unknown field; allowed: clientId, clientSecretName, scopes',
    ],
    [
      'token lifetime above 60 minutes',
      'dev',
      { userPool: { tokenValidity: { accessTokenMinutes: 120 } } },
      'userPool.tokenValidity.accessTokenMinutes: got 120; expected <= 60',
    ],
    [
      'refresh token lifetime above the bound',
      'dev',
      { userPool: { tokenValidity: { refreshTokenDays: 365 } } },
      'userPool.tokenValidity.refreshTokenDays: got 365; expected <= 90',
    ],
    [
      'malformed account id',
      'dev',
      { env: { account: '1234' } },
      'env.account: got "1234"; expected a 12-digit AWS account id',
    ],
    [
      'email domain with a wildcard',
      'dev',
      { userPool: { emailDomains: { allow: ['*.example.com'] } } },
      'userPool.emailDomains.allow[0]: got "*.example.com"; expected a lower-case DNS domain',
    ],
    [
      'email domain both allowed and denied',
      'dev',
      { userPool: { emailDomains: { allow: ['example.com'], deny: ['example.com'] } } },
      'userPool.emailDomains.deny[0]: got "example.com"; domain is in both allow and deny',
    ],
    [
      'wrong type',
      'dev',
      { userPool: { selfSignUp: 'yes' as never } },
      'userPool.selfSignUp: got "yes"; expected boolean',
    ],
    [
      'production API without WAF',
      'prod',
      { api: { waf: { enabled: false, associateUserPool: false } } },
      'api.waf.enabled: got false; production stages must set true',
    ],
    [
      'production API with data trace',
      'prod',
      { api: { dataTrace: true } },
      'api.dataTrace: got true; production stages must set false',
    ],
    [
      'CORS origin with a path',
      'dev',
      { api: { corsOrigins: ['https://app.example.com/callback'] } },
      'api.corsOrigins[0]: got "https://app.example.com/callback"; a CORS origin is scheme://host[:port] only, without path or trailing slash (e.g. "https://app.example.com")',
    ],
    [
      'plain-http CORS origin outside localhost',
      'dev',
      { api: { corsOrigins: ['http://app.example.com'] } },
      'api.corsOrigins[0]: got "http://app.example.com"; CORS origins must use https (http only for localhost)',
    ],
    [
      'localhost CORS origin in production',
      'prod',
      { api: { corsOrigins: ['https://app.example.com', 'http://localhost:5173'] } },
      'api.corsOrigins[1]: got "http://localhost:5173"; localhost CORS origins are allowed only when production is false',
    ],
    [
      'wildcard CORS origin',
      'dev',
      { api: { corsOrigins: ['*'] } },
      'api.corsOrigins[0]: got "*"; expected an absolute http(s) URL',
    ],
    [
      'route scope the resource server lacks',
      'dev',
      { api: { scopes: { write: 'edit' } } },
      'api.scopes.write: got "edit"; not a resourceServer scope; allowed: "read", "write", "admin"',
    ],
    [
      'tenant group that does not exist',
      'dev',
      { api: { tenantGroups: ['staff'] } },
      'api.tenantGroups[0]: got "staff"; not a configured group; allowed: "admins", "editors", "readers"',
    ],
    [
      'user-pool WAF association without WAF',
      'dev',
      { api: { waf: { enabled: false, associateUserPool: true } } },
      'api.waf.associateUserPool: got true; needs api.waf.enabled true (there is no web ACL to associate)',
    ],
    [
      'authorizer cache longer than the bound',
      'dev',
      { api: { authorizerCacheTtlSeconds: 3600 } },
      'api.authorizerCacheTtlSeconds: got 3600; expected <= 300',
    ],
  ];

  it.each(cases)('%s', (_name, stage, patch, expected) => {
    const problems = problemsOf(stage, patch);
    expect(problems.join('\n')).toContain(expected);
  });
});

describe('bin/app.ts', () => {
  it('refuses an unknown stage and lists the known ones', () => {
    const root = join(__dirname, '..');
    let output = '';
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'bin/app.ts'], {
        cwd: root,
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ stage: 'staging' }), CDK_OUTDIR: '/tmp/unused' },
        stdio: 'pipe',
      });
    } catch (error) {
      output = String((error as { stderr: Buffer }).stderr);
    }
    expect(output).toContain('Unknown stage "staging" (from --context stage=...); allowed: dev, prod');
  });
});

describe('parseStageConfig on arbitrary input', () => {
  // Cross-field rules run even when single fields are already invalid; they must not crash.
  it('either returns a config or throws ConfigError, never another error', () => {
    const leafPaths: string[][] = [];
    const walk = (value: unknown, path: string[]): void => {
      if (value && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) walk(child, [...path, key]);
      }
      leafPaths.push(path);
    };
    walk(stageInput('prod'), []);
    const mutated = fc.tuple(fc.constantFrom(...leafPaths), fc.anything()).map(([path, value]) => {
      const input = structuredClone(stageInput('prod')) as Record<string, unknown>;
      if (path.length === 0) return value;
      let node: Record<string, unknown> = input;
      for (const key of path.slice(0, -1)) node = node[key] as Record<string, unknown>;
      node[path[path.length - 1] as string] = value;
      return input;
    });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.anything()), (input) => {
        try {
          parseStageConfig(input, 'fuzz');
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          expect(error.problems.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
