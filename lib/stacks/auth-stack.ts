import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';
import { AppClients } from '../constructs/app-clients';
import { IdentityPoolAccess } from '../constructs/identity-pool-access';
import { FederatedIdentityProviders } from '../constructs/identity-providers';
import { LoginDomain } from '../constructs/login-domain';
import { ThreatProtectionActions, UserPoolLogExport } from '../constructs/threat-protection';
import { AuthUserPool } from '../constructs/user-pool';
import { UserPoolGroups } from '../constructs/user-pool-groups';
import { UserPoolTriggers, type TriggerSpec } from '../constructs/user-pool-triggers';
import type { DataStack } from './data-stack';

export interface AuthStackProps extends StackProps {
  readonly config: StageConfig;
  /**
   * The stack of the protected data the identity-pool roles grant access to. This stack reads
   * its outputs, so it deploys after it.
   */
  readonly data: DataStack;
  /** Triggers as data, beyond the families. @default TRIGGERS */
  readonly triggers?: readonly TriggerSpec[];
}

/**
 * Everything Cognito: the user pool, its groups, app clients, domain, federation, and the
 * identity pool with its roles. The roles live here because the groups carry them and they
 * trust the identity pool; in another stack they would form a cross-stack cycle.
 */
export class AuthStack extends Stack {
  readonly pool: AuthUserPool;
  readonly clients: AppClients;
  readonly groups: UserPoolGroups;
  /** The login domain; absent while `domain.remove` (step 1 of a domain change) is set. */
  readonly domain?: LoginDomain;
  readonly identityProviders: FederatedIdentityProviders;
  readonly triggers: UserPoolTriggers;
  readonly identityPool: IdentityPoolAccess;
  /** Risk actions; only with `userPool.threatProtection.actions`. */
  readonly threatActions?: ThreatProtectionActions;
  readonly logExport: UserPoolLogExport;

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

    const { actions } = config.userPool.threatProtection;
    if (actions) {
      this.threatActions = new ThreatProtectionActions(this, 'ThreatActions', {
        userPool,
        actions,
        email: config.email,
      });
    }
    this.logExport = new UserPoolLogExport(this, 'LogExport', {
      userPool,
      settings: config.userPool.logExport,
      // Security records: kept as long as the stage's data is.
      removalPolicy: config.data.removalPolicy === 'RETAIN' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.identityProviders = new FederatedIdentityProviders(this, 'Federation', {
      userPool,
      settings: config.identityProviders,
    });

    this.triggers = new UserPoolTriggers(this, 'Triggers', {
      userPool,
      config,
      linkProviderNames: this.identityProviders.linkProviderNames,
      triggers: props.triggers,
    });

    this.clients = new AppClients(this, 'Clients', {
      userPool,
      resourceServer: config.resourceServer,
      webClient: config.webClient,
      machineClients: config.machineClients,
      tokenValidity: config.userPool.tokenValidity,
      refreshTokenRotation: config.refreshTokenRotation,
      readableCustomAttributes: config.userPool.authorizationAttributes,
      identityProviders: this.identityProviders.clientProviders,
      writeEmailVerified: this.identityProviders.mapsEmailVerified,
      rulesClient: config.identityPool.rules.length > 0,
      allowUserPasswordAuth: config.migration.enabled,
      allowChoiceBasedAuth: config.passwordless.choiceBased.emailOtp || config.passwordless.choiceBased.passkey,
      passwordlessClient: config.passwordless.customChallenge.enabled,
    });
    this.triggers.preTokenGeneration?.acceptMachineClients(
      config.machineClients.flatMap((entry) => {
        const client = this.clients.machines[entry.name];
        return client
          ? [
              {
                name: entry.name,
                client,
                tenant: entry.tenant,
                scopes: entry.scopes.map((scope) => `${config.resourceServer.identifier}/${scope}`),
              },
            ]
          : [];
      }),
    );
    const userClients = [this.clients.web, ...(this.clients.rules ? [this.clients.rules] : [])];
    for (const provider of this.identityProviders.providers) {
      for (const client of userClients) client.node.addDependency(provider);
    }

    this.identityPool = new IdentityPoolAccess(this, 'IdentityPool', {
      userPool,
      webClient: this.clients.web,
      rulesClient: this.clients.rules,
      additionalTokenClients: this.clients.passwordless ? { passwordless: this.clients.passwordless } : {},
      groups: config.groups,
      settings: config.identityPool,
      data: props.data.arnsFor(this),
      // Identity ids key the protected data: the pool lives as long as that data does.
      removalPolicy: config.data.removalPolicy,
    });

    this.groups = new UserPoolGroups(this, 'Groups', {
      userPool,
      groups: config.groups,
      roles: this.identityPool.groupRoles,
    });

    if (!config.domain.remove) {
      this.domain = new LoginDomain(this, 'Login', {
        userPool,
        settings: config.domain,
        clients: userClients,
      });
    }

    // What a frontend needs; nothing secret (the machine client's secret stays in Cognito).
    const outputs: Record<string, [string, string]> = {
      Region: [this.region, 'AWS region of the user pool'],
      UserPoolId: [userPool.userPoolId, 'Cognito user pool id'],
      UserPoolArn: [userPool.userPoolArn, 'Cognito user pool ARN'],
      IssuerUrl: [userPool.userPoolProviderUrl, 'OIDC issuer of the user pool tokens'],
      WebClientId: [this.clients.web.userPoolClientId, 'Public web client id (PKCE, no secret)'],
      ...(this.domain
        ? { LoginDomainUrl: [this.domain.baseUrl, 'Base URL of managed login and the OAuth endpoints'] }
        : {}),
      ResourceServerIdentifier: [config.resourceServer.identifier, 'Prefix of the API OAuth scopes'],
      IdentityPoolId: [this.identityPool.identityPool.identityPoolId, 'Cognito identity pool id'],
      GroupRoleArns: [
        this.toJsonString(
          Object.fromEntries(Object.entries(this.identityPool.groupRoles).map(([name, role]) => [name, role.roleArn])),
        ),
        'IAM role ARN per group (JSON); a member of several groups may pass one as CustomRoleArn',
      ],
    };
    if (this.clients.rules) {
      outputs.RulesClientId = [
        this.clients.rules.userPoolClientId,
        'Public client whose identity-pool role comes from rules',
      ];
    }
    const machines = Object.entries(this.clients.machines);
    if (machines.length > 0) {
      outputs.MachineClientIds = [
        this.toJsonString(Object.fromEntries(machines.map(([name, client]) => [name, client.userPoolClientId]))),
        'Machine client id per machineClients name (JSON); their secrets are not output',
      ];
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
