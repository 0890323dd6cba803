import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { join } from 'node:path';
import { stages } from '../config';
import { ConfigError, parseStageConfig } from '../lib/config/load';
import { stageInput, type DeepPartial } from './helpers/app';
import { RULE_SECTIONS, type StageConfigInput } from '../lib/config/schema';

/** Rules across fields that reported a problem in some test of this file. */
const rulesSeen = new Set<string>();

function problemsOf(
  stage: string,
  patch: DeepPartial<StageConfigInput> | ((input: StageConfigInput) => unknown),
): string[] {
  const input = typeof patch === 'function' ? patch(structuredClone(stageInput(stage))) : stageInput(stage, patch);
  try {
    parseStageConfig(input, `config/${stage}.ts`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const rule of error.rules) rulesSeen.add(rule);
    return [...error.problems];
  }
  return [];
}

/** The least a stage file must say. */
const MINIMAL: StageConfigInput = {
  project: 'acme',
  stage: 'qa',
  production: false,
  groups: [{ name: 'members', precedence: 1, description: 'Members.' }],
  resourceServer: { scopes: [{ name: 'read', description: 'Read.' }] },
  webClient: { callbackUrls: ['https://app.example.com/cb'] },
  domain: { prefix: 'acme-qa' },
  api: { routes: {} },
};

describe('stage config files', () => {
  it.each(Object.keys(stages))('%s is valid', (stage) => {
    expect(problemsOf(stage, {})).toEqual([]);
  });

  it.each(Object.keys(stages))('%s in config/index.ts names a config with that stage', (stage) => {
    expect(parseStageConfig(stages[stage], `config/${stage}.ts`).stage).toBe(stage);
  });

  it('applies safe defaults to omitted fields, none naming a group or scope', () => {
    const config = parseStageConfig(MINIMAL, 'inline');
    expect(config.userPool).toMatchObject({
      featurePlan: 'ESSENTIALS',
      selfSignUp: false,
      mfa: 'REQUIRED',
      removalPolicy: 'RETAIN',
      deletionProtection: true,
      passwordPolicy: { minLength: 12, requireSymbols: true },
      tokenValidity: { accessTokenMinutes: 60, idTokenMinutes: 60, refreshTokenDays: 30 },
      threatProtection: { standardAuth: 'OFF', customAuth: 'OFF' },
      authorizationAttributes: ['tenant_id'],
    });
    expect(config.identityProviders).toEqual({ oidc: [], saml: [] });
    // A group grants nothing it does not say.
    expect(config.groups).toEqual([
      {
        name: 'members',
        precedence: 1,
        description: 'Members.',
        scopes: [],
        tenantAccess: 'none',
        tenantRoutes: false,
      },
    ]);
    expect(config.defaultGroup).toBeNull();
    expect(config.resourceServer).toMatchObject({ identifier: 'api', name: 'Reference API' });
    expect(config.machineClients).toEqual([]);
    expect(config.api.routes).toEqual({});
    expect(config.refreshTokenRotation).toEqual({ enabled: true, retryGracePeriodSeconds: 10 });
    expect(config.triggers.preTokenGeneration).toEqual({ enabled: true, everyoneScopes: [] });
    expect(config.api).toEqual({
      stageName: 'v1',
      corsOrigins: [],
      throttling: { rateLimit: 50, burstLimit: 100 },
      authorizerCacheTtlSeconds: 60,
      executionLogLevel: 'ERROR',
      dataTrace: false,
      logRetentionDays: 90,
      cloudWatchRole: true,
      routes: {},
      waf: { enabled: false, rateLimit: 1000, associateUserPool: false },
    });
    expect(config.identityPool).toEqual({
      allowGuests: false,
      principalTags: { tenant: 'custom:tenant_id' },
      ruleRoles: [],
      rules: [],
    });
  });

  it('accepts the passwordless and migration options in their allowed combinations', () => {
    expect(
      problemsOf('prod', {
        email: { fromAddress: 'no-reply@example.com', sesIdentity: 'no-reply@example.com' },
        migration: { enabled: true },
        passwordless: { customChallenge: { enabled: true, usersWithMfa: 'allow' } },
      }),
    ).toEqual([]);
    expect(
      problemsOf('dev', {
        email: { fromAddress: 'no-reply@example.com', useForUserPool: true, sesRegion: 'eu-west-1' },
        passwordless: { choiceBased: { emailOtp: true, passkey: true } },
      }),
    ).toEqual([]);
    // A pool in Frankfurt may send through SES in Frankfurt or in one of Cognito's launch regions.
    for (const sesRegion of ['eu-central-1', 'eu-west-1', 'us-east-1', 'us-west-2']) {
      expect(
        problemsOf('dev', {
          env: { region: 'eu-central-1' },
          email: { fromAddress: 'no-reply@example.com', useForUserPool: true, sesRegion },
        }),
      ).toEqual([]);
    }
  });

  it('trusts no identity provider for account linking unless the config says so', () => {
    const config = parseStageConfig(
      stageInput('dev', {
        identityProviders: {
          google: { clientId: 'g', clientSecretName: 'g-secret' },
          oidc: [
            { name: 'Okta', issuerUrl: 'https://example.okta.com', clientId: 'o', clientSecretName: 'o-secret' },
            {
              name: 'Corp',
              issuerUrl: 'https://corp.example.com',
              clientId: 'c',
              clientSecretName: 'c-secret',
              trustEmailVerified: true,
            },
          ],
        },
      }),
      'inline',
    );
    expect(config.identityProviders.google?.trustEmailVerified).toBe(false);
    expect(config.identityProviders.oidc.map((p) => [p.name, p.trustEmailVerified])).toEqual([
      ['Okta', false],
      ['Corp', true],
    ]);
  });

  it('keeps migration and passwordless off by default', () => {
    const config = parseStageConfig(MINIMAL, 'inline');
    expect(config.email).toBeUndefined();
    expect(config.migration).toEqual({ enabled: false });
    expect(config.passwordless).toEqual({
      customChallenge: {
        enabled: false,
        codeLength: 6,
        codeTtlSeconds: 180,
        maxAttempts: 3,
        testOutbox: false,
        testOutboxAddresses: 'success+smoke*@simulator.amazonses.com',
        usersWithMfa: 'refuse',
        emailLimit: { maxEmails: 3, windowSeconds: 900 },
        lockout: { maxWrongAnswers: 5, windowSeconds: 3600 },
      },
      choiceBased: { emailOtp: false, passkey: false, passkeyUserVerification: 'REQUIRED' },
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
      'pre token generation V3 on LITE',
      'dev',
      { userPool: { featurePlan: 'LITE' }, domain: { managedLogin: 'CLASSIC_HOSTED_UI' } },
      'triggers.preTokenGeneration.enabled: got true; pre token generation V3 needs userPool.featurePlan "ESSENTIALS" or "PLUS", but the plan is "LITE"',
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
      'production below the PLUS plan',
      'prod',
      {
        userPool: { featurePlan: 'ESSENTIALS', threatProtection: { standardAuth: 'OFF', customAuth: 'OFF' } },
      },
      'userPool.featurePlan: got "ESSENTIALS"; production stages must use "PLUS" (threat protection needs it)',
    ],
    [
      'production with threat protection only auditing password sign-in',
      'prod',
      { userPool: { threatProtection: { standardAuth: 'AUDIT' } } },
      'userPool.threatProtection.standardAuth: got "AUDIT"; production stages must use "ENFORCED"',
    ],
    [
      'production without threat protection for custom auth',
      'prod',
      { userPool: { threatProtection: { customAuth: 'OFF' } } },
      'userPool.threatProtection.customAuth: got "OFF"; production stages must use "ENFORCED"',
    ],
    [
      'the prod stage with its production flag turned off',
      'prod',
      { production: false },
      'production: got false; a stage named "prod" must set production: true',
    ],
    [
      'wildcard host in a callback URL',
      'prod',
      { webClient: { callbackUrls: ['https://*.example.com/callback'] } },
      'webClient.callbackUrls[0]: got "https://*.example.com/callback"; redirect URLs are matched exactly; name each host, without wildcards',
    ],
    [
      'web client without the openid scope',
      'dev',
      { webClient: { oidcScopes: ['email'] } },
      'webClient.oidcScopes: got ["email"]; must include "openid"',
    ],
    [
      'refresh-token rotation grace period above what Cognito accepts',
      'dev',
      { refreshTokenRotation: { retryGracePeriodSeconds: 61 } },
      'refreshTokenRotation.retryGracePeriodSeconds: got 61; Cognito accepts 0-60 seconds',
    ],
    [
      'refresh-token rotation grace period below zero',
      'dev',
      { refreshTokenRotation: { retryGracePeriodSeconds: -1 } },
      'refreshTokenRotation.retryGracePeriodSeconds: got -1; Cognito accepts 0-60 seconds',
    ],
    [
      'production without refresh-token rotation',
      'prod',
      { refreshTokenRotation: { enabled: false } },
      'refreshTokenRotation.enabled: got false; production stages must set true',
    ],
    [
      'machine client without scopes',
      'dev',
      { machineClients: [{ name: 'default', scopes: [], tenant: 'acme' }] },
      'machineClients[0].scopes: got []; an enabled machine client needs at least one scope',
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
      'duplicate scope',
      'dev',
      {
        resourceServer: {
          scopes: [
            { name: 'read', description: 'Read documents.' },
            { name: 'read', description: 'Read everything.' },
          ],
        },
      },
      'resourceServer.scopes[1].name: got "read"; duplicate scope name',
    ],
    [
      'machine client scope that the resource server lacks',
      'dev',
      { machineClients: [{ name: 'default', scopes: ['delete'], tenant: 'acme' }] },
      'machineClients[0].scopes[0]: got "delete"; not a resourceServer scope; allowed: "read", "write", "admin"',
    ],
    [
      'machine client whose tenant is not a tenant id',
      'dev',
      { machineClients: [{ name: 'default', scopes: ['read'], tenant: 'Acme/Sub' }] },
      'machineClients[0].tenant: got "Acme/Sub"; not a tenant id; tenant ids are 1-63 lower-case letters, digits or hyphens, starting with a letter or digit',
    ],
    [
      'two machine clients with the same name',
      'dev',
      {
        machineClients: [
          { name: 'reports', scopes: ['read'], tenant: 'acme' },
          { name: 'reports', scopes: ['read'], tenant: 'globex' },
        ],
      },
      'machineClients[1].name: got "reports"; another machine client has this name',
    ],
    [
      'machine clients without the pre token trigger (no tenant claim)',
      'dev',
      { triggers: { preTokenGeneration: { enabled: false } } },
      'machineClients[0].enabled: got true; needs triggers.preTokenGeneration.enabled true',
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
      'identity-pool role rule on a claim users can write',
      'dev',
      { identityPool: { rules: [{ claim: 'email', value: 'boss@example.com', role: 'admins' }] } },
      'identityPool.rules[0].claim: got "email"; a role rule may not read this claim: users can change it through an app client (writable: email, given_name, family_name, name, locale, email_verified)',
    ],
    [
      'identity-pool role rule on email_verified (writable once an IdP maps it)',
      'dev',
      { identityPool: { rules: [{ claim: 'email_verified', value: 'true', role: 'finance' }] } },
      'identityPool.rules[0].claim: got "email_verified"; a role rule may not read this claim',
    ],
    [
      'identity-pool rule naming a role that does not exist',
      'dev',
      { identityPool: { rules: [{ claim: 'custom:department', value: 'hr', role: 'hr' }] } },
      'identityPool.rules[0].role: got "hr"; not a role; allowed: "admins", "editors", "readers", "finance"',
    ],
    [
      'rule role named like a group',
      'dev',
      { identityPool: { ruleRoles: [{ name: 'editors', description: 'Shadows the group role.' }], rules: [] } },
      'identityPool.ruleRoles[0].name: got "editors"; a group already has this name',
    ],
    [
      'rule role description IAM would refuse',
      'dev',
      { identityPool: { ruleRoles: [{ name: 'finance', description: 'Finanzabteilung 📈' }] } },
      'identityPool.ruleRoles[0].description: got "Finanzabteilung 📈"; expected 1-1000 characters IAM accepts in a role description',
    ],
    [
      'group granting a scope the resource server lacks',
      'dev',
      (c) => ({ ...c, groups: c.groups.map((g, i) => (i === 1 ? { ...g, scopes: ['write', 'delete'] } : g)) }),
      'groups[1].scopes[1]: got "delete"; not a resourceServer scope; allowed: "read", "write", "admin"',
    ],
    [
      'group tenant access outside the enum',
      'dev',
      (c) => ({ ...c, groups: c.groups.map((g) => ({ ...g, tenantAccess: 'admin' })) }),
      'groups[0].tenantAccess: got "admin"; expected one of "none" | "read" | "write"',
    ],
    [
      'scope for everyone that the resource server lacks',
      'dev',
      { triggers: { preTokenGeneration: { everyoneScopes: ['browse'] } } },
      'triggers.preTokenGeneration.everyoneScopes[0]: got "browse"; not a resourceServer scope',
    ],
    [
      'principal tag from a claim users can write',
      'dev',
      { identityPool: { principalTags: { tenant: 'custom:tenant_id', team: 'given_name' } } },
      'identityPool.principalTags.team: got "given_name"; a principal tag may not come from this claim',
    ],
    [
      'principal tags without the tenant tag the policies read',
      'dev',
      (c) => ({ ...c, identityPool: { principalTags: { department: 'custom:department' } } }),
      'identityPool.principalTags: got {"department":"custom:department"}; map the "tenant" tag (the tenant policies read ${aws:PrincipalTag/tenant})',
    ],
    [
      'principal tag key in the aws: namespace',
      'dev',
      { identityPool: { principalTags: { tenant: 'custom:tenant_id', 'aws:userid': 'sub' } } },
      'identityPool.principalTags.aws:userid: got "aws:userid"; expected an IAM tag key: 1-128 letters, digits or _ . : / = + - @, not starting with "aws:"',
    ],
    [
      'more rules than an identity pool allows',
      'dev',
      {
        identityPool: {
          rules: Array.from({ length: 26 }, (_, i) => ({
            claim: 'custom:department',
            value: `d${i}`,
            role: 'finance',
          })),
        },
      },
      'identityPool.rules: got [',
    ],
    [
      'passwordless codes without an SES sender',
      'dev',
      (c) => ({ ...c, email: undefined, passwordless: { customChallenge: { enabled: true } } }),
      'passwordless.customChallenge.enabled: got true; needs the `email` section: the SES sender of the sign-in codes',
    ],
    [
      'passwordless codes that would bypass required MFA',
      'prod',
      { email: { fromAddress: 'no-reply@example.com' }, passwordless: { customChallenge: { enabled: true } } },
      'passwordless.customChallenge.usersWithMfa: got "refuse"; with userPool.mfa "REQUIRED" every user has MFA, so "refuse" would refuse everyone; an emailed code is a single factor that skips the TOTP password sign-in asks for: set userPool.mfa to "OPTIONAL", or usersWithMfa to "allow" to accept that',
    ],
    [
      'test outbox in production',
      'prod',
      {
        email: { fromAddress: 'no-reply@example.com' },
        passwordless: { customChallenge: { enabled: true, usersWithMfa: 'allow', testOutbox: true } },
      },
      'passwordless.customChallenge.testOutbox: got true; production stages may not store sign-in codes in a test outbox',
    ],
    [
      'migration on a function too small for scrypt',
      'dev',
      { migration: { enabled: true }, functions: { memoryMb: 256 } },
      'functions.memoryMb: got 256; migration.enabled needs at least 512 MB: the migrate-user trigger checks each password with scrypt',
    ],
    [
      'test outbox without passwordless codes',
      'dev',
      { passwordless: { customChallenge: { enabled: false, testOutbox: true } } },
      'passwordless.customChallenge.testOutbox: got true; the test outbox needs passwordless.customChallenge.enabled',
    ],
    [
      'code valid longer than the sign-in session',
      'dev',
      { passwordless: { customChallenge: { codeTtlSeconds: 300 } } },
      'passwordless.customChallenge.codeTtlSeconds: got 300; expected <= 180',
    ],
    [
      'more than three attempts',
      'dev',
      { passwordless: { customChallenge: { maxAttempts: 5 } } },
      'passwordless.customChallenge.maxAttempts: got 5; expected <= 3',
    ],
    [
      'choice-based passkeys on LITE',
      'dev',
      {
        userPool: { featurePlan: 'LITE' },
        triggers: { preTokenGeneration: { enabled: false } },
        domain: { managedLogin: 'CLASSIC_HOSTED_UI' },
        passwordless: { choiceBased: { passkey: true } },
      },
      'passwordless.choiceBased.passkey: got true; choice-based sign-in (passkey) needs userPool.featurePlan "ESSENTIALS" or "PLUS", but the plan is "LITE"',
    ],
    [
      'choice-based passwordless with required MFA',
      'prod',
      { passwordless: { choiceBased: { passkey: true } } },
      'passwordless.choiceBased.passkey: got true; Cognito offers passwordless first factors only to users without MFA, and userPool.mfa "REQUIRED" gives every user MFA; set userPool.mfa to "OPTIONAL"',
    ],
    [
      "email OTP without the pool's SES email",
      'dev',
      { passwordless: { choiceBased: { emailOtp: true } } },
      'passwordless.choiceBased.emailOtp: got true; email OTP sign-in needs the user pool to send email through Amazon SES: set email.useForUserPool to true',
    ],
    [
      'SES identity that does not own the sender',
      'dev',
      { email: { fromAddress: 'no-reply@example.com', sesIdentity: 'other.org' } },
      'email.sesIdentity: got "other.org"; must be email.fromAddress or its domain ("example.com")',
    ],
    [
      'SES email for the pool in an environment-agnostic stage without an SES region',
      'dev',
      { email: { fromAddress: 'no-reply@example.com', useForUserPool: true } },
      'email.sesRegion: got nothing (the field is required); required when email.useForUserPool is true and env.region is not set',
    ],
    [
      "SES region Cognito does not accept for the pool's region",
      'dev',
      {
        env: { region: 'eu-west-3' },
        email: { fromAddress: 'no-reply@example.com', useForUserPool: true, sesRegion: 'eu-west-1' },
      },
      'email.sesRegion: got "eu-west-1"; a user pool in eu-west-3 (env.region) can send email only through SES in "eu-west-3"',
    ],
    [
      'sender that is not an email address',
      'dev',
      { email: { fromAddress: 'no-reply' } },
      'email.fromAddress: got "no-reply"; expected an email address with a lower-case domain',
    ],
    [
      'authorization attributes without tenant_id',
      'dev',
      { userPool: { authorizationAttributes: ['department'] } },
      'userPool.authorizationAttributes: got ["department"]; must include "tenant_id"',
    ],
    [
      'duplicate authorization attribute',
      'dev',
      { userPool: { authorizationAttributes: ['tenant_id', 'tenant_id'] } },
      'userPool.authorizationAttributes[1]: got "tenant_id"; duplicate attribute name',
    ],
    [
      'principal tag from a custom attribute the pool does not have',
      'dev',
      { identityPool: { principalTags: { tenant: 'custom:tenant_id', region: 'custom:region' } } },
      'identityPool.principalTags.region: got "custom:region"; not a custom attribute of the pool; allowed: "custom:tenant_id", "custom:department"',
    ],
    [
      'identity-pool rule comparing the tenant with a value that is no tenant id',
      'dev',
      { identityPool: { rules: [{ claim: 'custom:tenant_id', value: 'Acme/Sub', role: 'finance' }] } },
      'identityPool.rules[0].value: got "Acme/Sub"; not a tenant id; tenant ids are 1-63 lower-case letters, digits or hyphens, starting with a letter or digit',
    ],
    [
      'identity-pool rule matching a tenant prefix with characters no tenant id has',
      'dev',
      {
        identityPool: {
          rules: [{ claim: 'custom:tenant_id', matchType: 'StartsWith', value: 'acme/', role: 'finance' }],
        },
      },
      'identityPool.rules[0].value: got "acme/"; expected lower-case letters, digits or hyphens (the characters of a tenant id)',
    ],
    [
      'test outbox for a whole domain',
      'dev',
      { passwordless: { customChallenge: { testOutboxAddresses: '*@gmail.com' } } },
      'passwordless.customChallenge.testOutboxAddresses: got "*@gmail.com"; expected a lower-case address, or a pattern with one "*" after a literal start of at least 4 characters',
    ],
    [
      'test outbox for nearly a whole domain',
      'dev',
      { passwordless: { customChallenge: { testOutboxAddresses: 'a*@example.com' } } },
      'passwordless.customChallenge.testOutboxAddresses: got "a*@example.com"; expected a lower-case address',
    ],
    [
      'email limit window shorter than a code lifetime',
      'dev',
      { passwordless: { customChallenge: { codeTtlSeconds: 180, emailLimit: { windowSeconds: 120 } } } },
      'passwordless.customChallenge.emailLimit.windowSeconds: got 120; must be at least passwordless.customChallenge.codeTtlSeconds (180): a shorter window resets while a code is still valid',
    ],
    [
      'lockout window shorter than a code lifetime',
      'dev',
      { passwordless: { customChallenge: { lockout: { windowSeconds: 60 } } } },
      'passwordless.customChallenge.lockout.windowSeconds: got 60; must be at least passwordless.customChallenge.codeTtlSeconds (180)',
    ],
    [
      'lockout that never locks anyone out',
      'dev',
      { passwordless: { customChallenge: { lockout: { maxWrongAnswers: 0 } } } },
      'passwordless.customChallenge.lockout.maxWrongAnswers: got 0; ',
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
      { api: { routes: { 'PUT /documents/{id}': { scope: 'edit' } } } },
      'api.routes["PUT /documents/{id}"].scope: got "edit"; not a resourceServer scope; allowed: "read", "write", "admin"',
    ],
    [
      'route key that is not a method and a path',
      'dev',
      { api: { routes: { 'documents/{id}': { scope: 'read' } } } },
      'api.routes["documents/{id}"]: got "documents/{id}"; expected a route key "<METHOD> <path>" such as "GET /documents/{id}"',
    ],
    [
      'user-pool WAF association without WAF',
      'dev',
      { api: { waf: { enabled: false, associateUserPool: true } } },
      'api.waf.associateUserPool: got true; needs api.waf.enabled true (there is no web ACL to associate)',
    ],
    [
      'threat protection actions below PLUS',
      'dev',
      { userPool: { threatProtection: { actions: {} } } },
      'userPool.threatProtection.actions: got {',
    ],
    [
      'threat protection actions without an ENFORCED mode',
      'prod',
      { userPool: { threatProtection: { standardAuth: 'AUDIT', customAuth: 'AUDIT', actions: {} } } },
      'userPool.threatProtection.actions: got {"compromisedCredentials":"BLOCK"',
    ],
    [
      'threat protection actions with a risk action Cognito does not know',
      'prod',
      { userPool: { threatProtection: { actions: { highRisk: 'DENY' as never } } } },
      'userPool.threatProtection.actions.highRisk: got "DENY"; expected one of "NO_ACTION" | "MFA_IF_CONFIGURED" | "MFA_REQUIRED" | "BLOCK"',
    ],
    [
      'threat notices without an SES sender',
      'prod',
      { userPool: { threatProtection: { actions: { notifyUsers: true } } } },
      'userPool.threatProtection.actions.notifyUsers: got true; needs the email section (a verified SES sender)',
    ],
    [
      'user-activity log export below PLUS',
      'dev',
      { userPool: { logExport: { userActivity: true } } },
      'userPool.logExport.userActivity: got true; user-activity log export needs userPool.featurePlan "PLUS", but the plan is "ESSENTIALS"',
    ],
    [
      'user-activity log export without threat protection',
      'dev',
      { userPool: { featurePlan: 'PLUS', logExport: { userActivity: true } } },
      'userPool.logExport.userActivity: got true; needs userPool.threatProtection.standardAuth or customAuth "AUDIT" or "ENFORCED"',
    ],
    [
      'log export retention CloudWatch does not offer',
      'prod',
      { userPool: { logExport: { retentionDays: 100 } } },
      'userPool.logExport.retentionDays: got 100',
    ],
    [
      'alarm email that is no address',
      'dev',
      { alarms: { email: 'oncall' } },
      'alarms.email: got "oncall"; expected an email address with a lower-case domain',
    ],
    [
      'alarm email without alarms',
      'dev',
      { alarms: { enabled: false, email: 'oncall@example.com' } },
      'alarms.email: got "oncall@example.com"; needs alarms.enabled true',
    ],
    [
      'alarm threshold of zero',
      'dev',
      { alarms: { thresholds: { functionErrors: 0 } } },
      'alarms.thresholds.functionErrors: got 0; ',
    ],
    [
      'negative 4XX rate',
      'dev',
      { alarms: { thresholds: { api4xxRatePercent: -5 } } },
      'alarms.thresholds.api4xxRatePercent: got -5; ',
    ],
    [
      'trigger duration alarm at or above the 5-second budget',
      'dev',
      { alarms: { thresholds: { triggerDurationP99Ms: 5000 } } },
      'alarms.thresholds.triggerDurationP99Ms: got 5000; expected <= 4999',
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

  it('has a case for every rule across fields (docs/config.md lists them)', () => {
    const all = RULE_SECTIONS.flatMap((section) => section.rules.map((rule) => rule.id));
    expect(all.filter((id) => !rulesSeen.has(id))).toEqual([]);
  });
});

describe('bin/app.ts', () => {
  it('refuses an unknown stage and lists the known ones (config/index.ts)', () => {
    const root = join(__dirname, '..');
    let output = '';
    try {
      execFileSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'bin/app.ts'], {
        cwd: root,
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ stage: 'nosuchstage' }), CDK_OUTDIR: '/tmp/unused' },
        stdio: 'pipe',
      });
    } catch (error) {
      output = String((error as { stderr: Buffer }).stderr);
    }
    expect(output).toContain(
      `Unknown stage "nosuchstage" (from --context stage=...); allowed: ${Object.keys(stages).join(', ')}`,
    );
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
