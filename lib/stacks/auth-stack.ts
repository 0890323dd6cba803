import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';
import { AppClients } from '../constructs/app-clients';
import { FederatedIdentityProviders } from '../constructs/identity-providers';
import { LoginDomain } from '../constructs/login-domain';
import { AUTHORIZATION_ATTRIBUTES, AuthUserPool } from '../constructs/user-pool';
import { UserPoolGroups } from '../constructs/user-pool-groups';
import { UserPoolTriggers } from '../constructs/user-pool-triggers';

export interface AuthStackProps extends StackProps {
  readonly config: StageConfig;
}

/** Everything Cognito: the user pool, its groups, app clients, domain and federation. */
export class AuthStack extends Stack {
  readonly pool: AuthUserPool;
  readonly clients: AppClients;
  readonly groups: UserPoolGroups;
  readonly domain: LoginDomain;
  readonly identityProviders: FederatedIdentityProviders;
  readonly triggers: UserPoolTriggers;

  constructor(scope: Construct, id: string, props: AuthStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.pool = new AuthUserPool(this, 'UserPool', {
      settings: config.userPool,
      choiceBased: config.passwordless.choiceBased,
      email: config.email,
      passkeyRelyingPartyId: config.domain.customDomain?.domainName,
    });
    const userPool = this.pool.userPool;

    this.identityProviders = new FederatedIdentityProviders(this, 'Federation', {
      userPool,
      settings: config.identityProviders,
    });

    this.triggers = new UserPoolTriggers(this, 'Triggers', {
      userPool,
      config,
      federatedProviderNames: this.identityProviders.providerNames,
    });

    this.clients = new AppClients(this, 'Clients', {
      userPool,
      resourceServer: config.resourceServer,
      webClient: config.webClient,
      machineClient: config.machineClient,
      tokenValidity: config.userPool.tokenValidity,
      readableCustomAttributes: AUTHORIZATION_ATTRIBUTES,
      identityProviders: this.identityProviders.clientProviders,
      writeEmailVerified: this.identityProviders.mapsEmailVerified,
      allowUserPasswordAuth: config.migration.enabled,
      allowChoiceBasedAuth: config.passwordless.choiceBased.emailOtp || config.passwordless.choiceBased.passkey,
      passwordlessClient: config.passwordless.customChallenge.enabled,
    });
    for (const provider of this.identityProviders.providers) {
      this.clients.web.node.addDependency(provider);
    }

    this.groups = new UserPoolGroups(this, 'Groups', { userPool, groups: config.groups });

    this.domain = new LoginDomain(this, 'Login', {
      userPool,
      settings: config.domain,
      clients: [this.clients.web],
    });

    // What a frontend needs; nothing secret (the machine client's secret stays in Cognito).
    const outputs: Record<string, [string, string]> = {
      Region: [this.region, 'AWS region of the user pool'],
      UserPoolId: [userPool.userPoolId, 'Cognito user pool id'],
      UserPoolArn: [userPool.userPoolArn, 'Cognito user pool ARN'],
      IssuerUrl: [userPool.userPoolProviderUrl, 'OIDC issuer of the user pool tokens'],
      WebClientId: [this.clients.web.userPoolClientId, 'Public web client id (PKCE, no secret)'],
      LoginDomainUrl: [this.domain.baseUrl, 'Base URL of managed login and the OAuth endpoints'],
      ResourceServerIdentifier: [config.resourceServer.identifier, 'Prefix of the API OAuth scopes'],
    };
    if (this.clients.machine) {
      outputs.MachineClientId = [this.clients.machine.userPoolClientId, 'Machine client id (its secret is not output)'];
    }
    if (this.clients.passwordless) {
      outputs.PasswordlessClientId = [
        this.clients.passwordless.userPoolClientId,
        'Passwordless (email code, CUSTOM_AUTH) client id',
      ];
    }
    if (this.triggers.legacyUsers) {
      outputs.LegacyUsersTableName = [
        this.triggers.legacyUsers.table.tableName,
        'Legacy user directory read by the migrate-user trigger (scripts/seed-legacy-users.ts)',
      ];
    }
    if (this.triggers.testOutbox) {
      outputs.TestOutboxTableName = [this.triggers.testOutbox.table.tableName, 'Dev-only outbox of sign-in codes'];
    }
    for (const [name, [value, description]] of Object.entries(outputs)) {
      new CfnOutput(this, name, { value, description });
    }
  }
}
