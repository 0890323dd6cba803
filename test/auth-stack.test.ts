import { Match, type Template } from 'aws-cdk-lib/assertions';
import {
  CLIENT_WRITABLE_ATTRIBUTES,
  IDP_MAPPED_WRITABLE_ATTRIBUTES,
  MACHINE_CLIENT_WRITABLE_ATTRIBUTES,
  WEB_CLIENT_WRITABLE_ATTRIBUTES,
} from '../lib/config/client-attributes';
import { DEFAULT_MACHINE_CLIENT } from '../lib/config/sections/clients';
import { machineClientConstructId } from '../lib/constructs/app-clients';
import { SHIPPED_STAGES, synthShipped, synthStage, type SynthesizedStage } from './helpers/app';

// The shipped stages: every expectation below comes from the stage's own config.
const byStage: [string, SynthesizedStage][] = SHIPPED_STAGES.map((stage) => [stage, synthShipped(stage)]);

function resources(template: Template, type: string): Record<string, { Properties: Record<string, unknown> }> {
  return template.findResources(type) as Record<string, { Properties: Record<string, unknown> }>;
}
function clients(template: Template) {
  return Object.values(resources(template, 'AWS::Cognito::UserPoolClient')).map((r) => r.Properties);
}
function clientByLogicalId(template: Template, prefix: string) {
  const entry = Object.entries(resources(template, 'AWS::Cognito::UserPoolClient')).find(([id]) =>
    id.startsWith(prefix),
  );
  if (!entry) throw new Error(`no client ${prefix}`);
  return entry[1].Properties;
}
function webClient(template: Template) {
  return clientByLogicalId(template, 'ClientsWebClient');
}
function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

describe.each(byStage)('user pool (%s)', (_stage, { templates, config }) => {
  const auth = templates.auth;

  it('signs in with email, case-insensitively, and verifies email before an update takes effect', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    });
  });

  it('allows self sign-up only when the stage config says so', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: !config.userPool.selfSignUp },
    });
  });

  it('offers TOTP MFA only (no SMS), as required as the config says (production: required)', () => {
    expect(config.production ? config.userPool.mfa : 'REQUIRED').toBe('REQUIRED');
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: config.userPool.mfa === 'REQUIRED' ? 'ON' : 'OPTIONAL',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
    });
  });

  it('enforces a strong password policy (12+ characters, all classes)', () => {
    const pool = Object.values(resources(auth, 'AWS::Cognito::UserPool'))[0]!.Properties;
    const policy = (pool.Policies as { PasswordPolicy: Record<string, unknown> }).PasswordPolicy;
    expect(policy).toMatchObject({
      RequireLowercase: true,
      RequireUppercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
    });
    expect(policy.MinimumLength).toBeGreaterThanOrEqual(12);
  });

  it('keeps every authorization attribute immutable', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith(
        config.userPool.authorizationAttributes.map((name) =>
          Match.objectLike({ Name: name, Mutable: false, AttributeDataType: 'String' }),
        ),
      ),
    });
  });

  it('uses the feature plan from config', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPool', { UserPoolTier: config.userPool.featurePlan });
  });

  it('has one group per config entry with its precedence and description', () => {
    for (const group of config.groups) {
      auth.hasResourceProperties('AWS::Cognito::UserPoolGroup', {
        GroupName: group.name,
        Precedence: group.precedence,
        Description: group.description,
      });
    }
    auth.resourceCountIs('AWS::Cognito::UserPoolGroup', config.groups.length);
  });

  it('defines the resource server with the configured scopes', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: config.resourceServer.identifier,
      Scopes: config.resourceServer.scopes.map((s) => ({ ScopeName: s.name, ScopeDescription: s.description })),
    });
  });

  it('serves managed login on the configured domain', () => {
    const managed = config.domain.managedLogin === 'MANAGED_LOGIN';
    auth.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: config.domain.prefix ?? config.domain.customDomain?.domainName,
      ManagedLoginVersion: managed ? 2 : 1,
    });
    if (managed) auth.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', { UseCognitoProvidedValues: true });
  });

  it('outputs what a frontend needs and nothing secret', () => {
    const outputs = auth.toJSON().Outputs as Record<string, { Value: unknown }>;
    const rulesClient = config.identityPool.rules.length > 0;
    const passwordless = config.passwordless.customChallenge.enabled;
    // Outputs of the features the config turns on.
    const optional = [
      ...(rulesClient ? ['RulesClientId'] : []),
      ...(config.machineClients.some((m) => m.enabled) ? ['MachineClientIds'] : []),
      ...(passwordless ? ['PasswordlessClientId'] : []),
      ...(config.migration.enabled ? ['LegacyUsersTableName'] : []),
      ...(config.passwordless.customChallenge.testOutbox ? ['TestOutboxTableName'] : []),
    ];
    // CDK publishes what the API stack references (weak cross-stack references) as extra outputs:
    // the pool id and ARN and the ids of the clients whose users call the API, plus the machine
    // clients' ids when a tenant route accepts machine callers, nothing else.
    const published = Object.keys(outputs).filter((name) => name.startsWith('PublishOutput'));
    // With alarms on, the Monitoring stack also reads every function's name and every client's id
    // (metric dimensions; identifiers, not secrets). Machine clients' ids are published when a
    // tenant route accepts machine callers or when they are alarmed.
    const resources = auth.toJSON().Resources as Record<string, { Type: string }>;
    const watched = new Set(
      Object.entries(resources)
        .filter(([, r]) => r.Type === 'AWS::Lambda::Function' || r.Type === 'AWS::Cognito::UserPoolClient')
        .map(([id]) => JSON.stringify({ Ref: id })),
    );
    const values = published.map((name) => JSON.stringify(outputs[name]!.Value));
    const forMonitoring = values.filter(
      (value) => watched.has(value) && !/^\{"Ref":"Clients(Web|Rules|Passwordless|Machine)Client\w*"\}$/.test(value),
    );
    if (config.alarms.enabled) {
      const functions = Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function').length;
      expect(forMonitoring.length).toBe(functions);
    } else {
      expect(forMonitoring).toEqual([]);
    }
    const machineRoute = Object.values(config.api.routes).some((route) => route.machines);
    const machineIds = machineRoute || config.alarms.enabled ? config.machineClients.filter((m) => m.enabled) : [];
    expect(values.filter((value) => !forMonitoring.includes(value)).sort()).toEqual([
      expect.stringMatching(/^\{"Fn::GetAtt":\["UserPool\w+","Arn"\]\}$/),
      ...machineIds
        .map((m) => `{"Ref":"Clients${machineClientConstructId(m.name)}`)
        .sort()
        .map((prefix) => expect.stringMatching(new RegExp(`^${prefix.replace(/[{}]/g, '\\$&')}\\w*"\\}$`)) as unknown),
      ...(passwordless ? [expect.stringMatching(/^\{"Ref":"ClientsPasswordlessClient\w+"\}$/) as unknown] : []),
      ...(rulesClient ? [expect.stringMatching(/^\{"Ref":"ClientsRulesClient\w+"\}$/) as unknown] : []),
      expect.stringMatching(/^\{"Ref":"ClientsWebClient\w+"\}$/),
      expect.stringMatching(/^\{"Ref":"UserPool\w+"\}$/),
    ]);
    expect(
      Object.keys(outputs)
        .filter((name) => !published.includes(name))
        .sort(),
    ).toEqual(
      [
        'GroupRoleArns',
        'IdentityPoolId',
        'IssuerUrl',
        'LoginDomainUrl',
        'Region',
        'ResourceServerIdentifier',
        'UserPoolArn',
        'UserPoolId',
        'WebClientId',
        ...optional,
      ].sort(),
    );
    // The machine client's secret (GetAtt ClientSecret) must never be an output.
    expect(JSON.stringify(outputs)).not.toContain('ClientSecret');
  });
});

describe.each(byStage)('app clients (%s)', (_stage, { templates, config }) => {
  const auth = templates.auth;
  const all = clients(auth);
  // A rotating client refreshes through GetTokensFromRefreshToken; Cognito refuses REFRESH_TOKEN_AUTH on it.
  const refreshFlow = config.refreshTokenRotation.enabled ? [] : ['ALLOW_REFRESH_TOKEN_AUTH'];

  it('every client prevents user-existence errors, revokes tokens and keeps sessions short', () => {
    // web, and rules (identity-pool rules-based mapping), machine and passwordless when enabled
    const optional = [config.identityPool.rules.length > 0, config.passwordless.customChallenge.enabled];
    const machines = config.machineClients.filter((m) => m.enabled).length;
    expect(all).toHaveLength(1 + optional.filter(Boolean).length + machines);
    for (const client of all) {
      expect(client).toMatchObject({
        PreventUserExistenceErrors: 'ENABLED',
        EnableTokenRevocation: true,
        AuthSessionValidity: 3,
        TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      });
      expect(client.AccessTokenValidity).toBeLessThanOrEqual(60);
      expect(client.IdTokenValidity).toBeLessThanOrEqual(60);
      expect(client.AccessTokenValidity).toBe(config.userPool.tokenValidity.accessTokenMinutes);
      expect(client.RefreshTokenValidity).toBe(config.userPool.tokenValidity.refreshTokenDays * 24 * 60);
      expect(client.RefreshTokenValidity).toBeLessThanOrEqual(90 * 24 * 60);
    }
  });

  it('every client sets explicit auth flows, never admin password auth', () => {
    for (const client of all) {
      expect(Array.isArray(client.ExplicitAuthFlows)).toBe(true);
      expect(client.ExplicitAuthFlows).not.toContain('ALLOW_ADMIN_USER_PASSWORD_AUTH');
      expect(client.ExplicitAuthFlows).not.toContain('ADMIN_NO_SRP_AUTH');
    }
  });

  it('every client has explicit read/write attributes and none can write an authorization attribute', () => {
    for (const client of all) {
      expect(Array.isArray(client.ReadAttributes) && (client.ReadAttributes as unknown[]).length).toBeTruthy();
      expect(Array.isArray(client.WriteAttributes) && (client.WriteAttributes as unknown[]).length).toBeTruthy();
      expect((client.WriteAttributes as string[]).filter((a) => a.startsWith('custom:'))).toEqual([]);
    }
  });

  it('allows USER_PASSWORD_AUTH only on the web client and only for migration; CUSTOM_AUTH only on the passwordless client', () => {
    const withPassword = all.filter((c) => (c.ExplicitAuthFlows as string[]).includes('ALLOW_USER_PASSWORD_AUTH'));
    expect(withPassword).toEqual(config.migration.enabled ? [webClient(auth)] : []);
    for (const client of all) {
      const custom = (client.ExplicitAuthFlows as string[]).includes('ALLOW_CUSTOM_AUTH');
      expect(custom).toBe(client.AllowedOAuthFlowsUserPoolClient === false && client.GenerateSecret === false);
      // Choice-based sign-in (USER_AUTH) only on the web client, and only when the config turns it on.
      const { emailOtp, passkey } = config.passwordless.choiceBased;
      const userAuth = (client.ExplicitAuthFlows as string[]).includes('ALLOW_USER_AUTH');
      expect(userAuth).toBe(client === webClient(auth) && (emailOtp || passkey));
    }
  });

  it('web client: public PKCE client, code grant only, SRP + refresh, minimal OpenID scopes', () => {
    const web = webClient(auth);
    expect(web).toMatchObject({
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: config.webClient.oidcScopes,
      CallbackURLs: config.webClient.callbackUrls,
      LogoutURLs: config.webClient.logoutUrls,
    });
    expect(web.SupportedIdentityProviders).toContain('COGNITO');
    expect([...(web.ExplicitAuthFlows as string[])].sort()).toEqual(
      [
        ...refreshFlow,
        'ALLOW_USER_SRP_AUTH',
        // Only with migration: Cognito needs the plaintext password to check the legacy hash.
        ...(config.migration.enabled ? ['ALLOW_USER_PASSWORD_AUTH'] : []),
        ...(config.passwordless.choiceBased.emailOtp || config.passwordless.choiceBased.passkey
          ? ['ALLOW_USER_AUTH']
          : []),
      ].sort(),
    );
    // API scopes come from group membership (pre token trigger), never from what the client asks for.
    expect(JSON.stringify(web.AllowedOAuthScopes)).not.toContain('api/');
  });

  it('web client reads every authorization attribute but cannot write it', () => {
    const web = webClient(auth);
    const custom = config.userPool.authorizationAttributes.map((name) => `custom:${name}`);
    expect(web.ReadAttributes).toEqual(expect.arrayContaining([...custom, 'email']));
    for (const attribute of custom) expect(web.WriteAttributes).not.toContain(attribute);
  });

  const withRules = config.identityPool.rules.length > 0 ? it : it.skip;
  const enabledMachines = config.machineClients.filter((m) => m.enabled);
  const withMachine = enabledMachines.length > 0 ? it : it.skip;

  withRules(
    "rules client: the web client's settings with SRP + refresh only (its identity-pool role mapping differs)",
    () => {
      const { ExplicitAuthFlows: rulesFlows, ...rules } = clientByLogicalId(auth, 'ClientsRulesClient');
      const { ExplicitAuthFlows: _webFlows, ...web } = webClient(auth);
      expect(rules).toEqual(web);
      expect(sorted(rulesFlows as string[])).toEqual(sorted([...refreshFlow, 'ALLOW_USER_SRP_AUTH']));
    },
  );

  it('every client users sign in through rotates refresh tokens with the configured grace period; machine clients do not', () => {
    const { enabled, retryGracePeriodSeconds } = config.refreshTokenRotation;
    expect(config.production ? enabled : true).toBe(true);
    for (const client of all) {
      const machine = client.GenerateSecret === true;
      expect(client.RefreshTokenRotation).toEqual(
        enabled && !machine ? { Feature: 'ENABLED', RetryGracePeriodSeconds: retryGracePeriodSeconds } : undefined,
      );
    }
  });

  it('clients write exactly the attributes of lib/config/client-attributes.ts (what the config schema refuses)', () => {
    // An identity provider that maps email_verified needs the public clients to write it.
    const federated = Object.values(resources(auth, 'AWS::Cognito::UserPoolIdentityProvider')).some((idp) =>
      JSON.stringify(idp.Properties.AttributeMapping).includes('email_verified'),
    );
    const publicWrites = sorted([
      ...WEB_CLIENT_WRITABLE_ATTRIBUTES,
      ...(federated ? IDP_MAPPED_WRITABLE_ATTRIBUTES : []),
    ]);
    expect(sorted(webClient(auth).WriteAttributes as string[])).toEqual(publicWrites);
    if (config.identityPool.rules.length > 0) {
      expect(sorted(clientByLogicalId(auth, 'ClientsRulesClient').WriteAttributes as string[])).toEqual(publicWrites);
    }
    for (const machine of all.filter((c) => c.GenerateSecret === true)) {
      expect(sorted(machine.WriteAttributes as string[])).toEqual(sorted(MACHINE_CLIENT_WRITABLE_ATTRIBUTES));
    }
    for (const client of all) {
      for (const attribute of client.WriteAttributes as string[])
        expect(CLIENT_WRITABLE_ATTRIBUTES).toContain(attribute);
    }
  });

  withMachine(
    'machine clients: one per enabled entry, confidential, client credentials only, its configured API scopes, no user flows',
    () => {
      const machines = Object.entries(resources(auth, 'AWS::Cognito::UserPoolClient')).filter(
        ([, r]) => r.Properties.GenerateSecret === true,
      );
      expect(machines).toHaveLength(enabledMachines.length);
      for (const entry of enabledMachines) {
        const found = machines.find(([id]) => id.startsWith(`Clients${machineClientConstructId(entry.name)}`));
        expect(found).toBeDefined();
        const machine = found![1].Properties;
        expect(machine).toMatchObject({
          AllowedOAuthFlows: ['client_credentials'],
          ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        });
        const scopes = JSON.stringify(machine.AllowedOAuthScopes);
        for (const scope of entry.scopes) expect(scopes).toContain(`/${scope}`);
        expect((machine.AllowedOAuthScopes as unknown[]).length).toBe(entry.scopes.length);
      }
    },
  );

  // Day 2: the single machine client of earlier releases is the entry named "default"; its
  // logical id (and so its client id and secret) must survive the move to a list.
  const shippedDefault = enabledMachines.some((m) => m.name === DEFAULT_MACHINE_CLIENT) ? it : it.skip;
  shippedDefault('keeps the logical id of the machine client of earlier releases for the entry named "default"', () => {
    expect(Object.keys(resources(auth, 'AWS::Cognito::UserPoolClient'))).toContain('ClientsMachineClientC1276D41');
  });

  it('outputs each machine client id by name, never a secret', () => {
    const outputs = auth.toJSON().Outputs as Record<string, { Value: unknown }>;
    if (enabledMachines.length === 0) {
      expect(outputs.MachineClientIds).toBeUndefined();
      return;
    }
    const text = JSON.stringify(outputs.MachineClientIds!.Value);
    for (const entry of enabledMachines) expect(text).toContain(`\\"${entry.name}\\":`);
    expect(text).not.toContain('ClientSecret');
  });

  it('redirect URLs are HTTPS, localhost only outside production', () => {
    const urls = [...(webClient(auth).CallbackURLs as string[]), ...(webClient(auth).LogoutURLs as string[])];
    for (const url of urls) {
      const { protocol, hostname } = new URL(url);
      if (config.production) expect(protocol).toBe('https:');
      else expect(protocol === 'https:' || hostname === 'localhost').toBe(true);
    }
  });
});

describe.each(byStage)('user pool lifecycle and threat protection (%s)', (_stage, { templates, config }) => {
  const auth = templates.auth;
  const { userPool } = config;

  if (config.production) {
    it('production: retains the user pool and turns on deletion protection', () => {
      auth.hasResource('AWS::Cognito::UserPool', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }),
      });
    });

    it('production: enforces threat protection on the PLUS plan, custom auth included', () => {
      auth.hasResourceProperties('AWS::Cognito::UserPool', {
        UserPoolTier: 'PLUS',
        UserPoolAddOns: {
          AdvancedSecurityMode: 'ENFORCED',
          AdvancedSecurityAdditionalFlows: { CustomAuthMode: 'ENFORCED' },
        },
      });
    });
  } else {
    it('retention and deletion protection as configured', () => {
      auth.hasResource('AWS::Cognito::UserPool', {
        DeletionPolicy: userPool.removalPolicy === 'RETAIN' ? 'Retain' : 'Delete',
        Properties: Match.objectLike({ DeletionProtection: userPool.deletionProtection ? 'ACTIVE' : 'INACTIVE' }),
      });
    });
  }
});

describe('refresh-token rotation turned off (a non-production stage whose clients still use REFRESH_TOKEN_AUTH)', () => {
  const { templates } = synthStage('dev', { refreshTokenRotation: { enabled: false } });

  it('sets no rotation and keeps ALLOW_REFRESH_TOKEN_AUTH on every user-facing client', () => {
    const users = clients(templates.auth).filter((c) => c.GenerateSecret !== true);
    expect(users.length).toBeGreaterThan(1);
    for (const client of users) {
      expect(client.RefreshTokenRotation).toBeUndefined();
      expect(client.ExplicitAuthFlows).toContain('ALLOW_REFRESH_TOKEN_AUTH');
    }
  });
});

describe('token lifetimes (from config)', () => {
  // Distinct values, so a swapped mapping (access <-> ID) cannot pass.
  const { templates } = synthStage('dev', {
    userPool: { tokenValidity: { accessTokenMinutes: 15, idTokenMinutes: 45, refreshTokenDays: 7 } },
  });

  it('gives every client the configured access, ID and refresh token validity', () => {
    const all = clients(templates.auth);
    expect(all.length).toBeGreaterThan(0);
    for (const client of all) {
      expect(client).toMatchObject({
        AccessTokenValidity: 15,
        IdTokenValidity: 45,
        RefreshTokenValidity: 7 * 24 * 60,
      });
    }
  });
});

describe('federation (enabled by config)', () => {
  const federated = synthStage('dev', {
    identityProviders: {
      google: { clientId: 'google-client-id', clientSecretName: 'dev/google-client-secret' },
      oidc: [
        {
          name: 'Okta',
          issuerUrl: 'https://example.okta.com',
          clientId: 'okta-client',
          clientSecretName: 'dev/okta-secret',
        },
      ],
      saml: [{ name: 'Corp', metadataUrl: 'https://idp.example.com/metadata.xml' }],
    },
  });
  const auth = federated.templates.auth;
  const text = JSON.stringify(auth.toJSON());

  it('creates each provider, mapping only email and email_verified', () => {
    auth.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'Google',
      ProviderType: 'Google',
      AttributeMapping: { email: 'email', email_verified: 'email_verified' },
    });
    auth.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'Okta',
      ProviderType: 'OIDC',
      AttributeMapping: { email: 'email', email_verified: 'email_verified' },
    });
    auth.hasResourceProperties('AWS::Cognito::UserPoolIdentityProvider', {
      ProviderName: 'Corp',
      ProviderType: 'SAML',
      AttributeMapping: { email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress' },
    });
    for (const idp of Object.values(resources(auth, 'AWS::Cognito::UserPoolIdentityProvider'))) {
      expect(Object.keys(idp.Properties.AttributeMapping as object).every((k) => !k.startsWith('custom:'))).toBe(true);
    }
  });

  it('references client secrets in Secrets Manager, never inline', () => {
    expect(text).toContain('{{resolve:secretsmanager:dev/google-client-secret:SecretString:::}}');
    expect(text).toContain('{{resolve:secretsmanager:dev/okta-secret:SecretString:::}}');
  });

  it('lets the web client use them, with write access to the mapped email_verified only', () => {
    const web = webClient(auth);
    expect(web.SupportedIdentityProviders).toEqual(expect.arrayContaining(['COGNITO', 'Google', 'Okta', 'Corp']));
    expect(web.WriteAttributes).toContain('email_verified');
    expect((web.WriteAttributes as string[]).filter((a) => a.startsWith('custom:'))).toEqual([]);
  });

  it('public clients then write the shared list plus the IdP-mapped attributes, nothing else', () => {
    const expected = sorted([...WEB_CLIENT_WRITABLE_ATTRIBUTES, ...IDP_MAPPED_WRITABLE_ATTRIBUTES]);
    expect(sorted(webClient(auth).WriteAttributes as string[])).toEqual(expected);
    expect(sorted(clientByLogicalId(auth, 'ClientsRulesClient').WriteAttributes as string[])).toEqual(expected);
    expect(clientByLogicalId(auth, 'ClientsRulesClient').SupportedIdentityProviders).toEqual(
      webClient(auth).SupportedIdentityProviders,
    );
  });
});
