import { Duration } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import {
  type ClientWritableAttribute,
  IDP_MAPPED_WRITABLE_ATTRIBUTES,
  MACHINE_CLIENT_WRITABLE_ATTRIBUTES,
  WEB_CLIENT_WRITABLE_ATTRIBUTES,
} from '../config/client-attributes';
import type { StageConfig } from '../config/schema';
import { DEFAULT_MACHINE_CLIENT } from '../config/sections/clients';

/** Standard attributes the web client reads (and so may appear in its ID tokens). */
const WEB_READ_STANDARD: cognito.StandardAttributesMask = {
  email: true,
  emailVerified: true,
  givenName: true,
  familyName: true,
  fullname: true,
  locale: true,
};

/** CDK's name for each attribute a client may write (the list itself is lib/config/client-attributes.ts). */
const MASK_KEY: Record<ClientWritableAttribute, keyof cognito.StandardAttributesMask> = {
  email: 'email',
  given_name: 'givenName',
  family_name: 'familyName',
  name: 'fullname',
  locale: 'locale',
  email_verified: 'emailVerified',
};

function writable(names: readonly ClientWritableAttribute[]): cognito.ClientAttributes {
  return new cognito.ClientAttributes().withStandardAttributes(
    Object.fromEntries(names.map((name) => [MASK_KEY[name], true])),
  );
}

export interface AppClientsProps {
  readonly userPool: cognito.IUserPool;
  readonly resourceServer: StageConfig['resourceServer'];
  readonly webClient: StageConfig['webClient'];
  /** Machine-to-machine clients; only the enabled ones are created. @default - none */
  readonly machineClients?: StageConfig['machineClients'];
  readonly tokenValidity: StageConfig['userPool']['tokenValidity'];
  /**
   * Refresh-token rotation of the clients users sign in through (web, rules, passwordless).
   * @default - no rotation
   */
  readonly refreshTokenRotation?: StageConfig['refreshTokenRotation'];
  /** Custom attributes the web client may read (their names without `custom:`). @default - none */
  readonly readableCustomAttributes?: readonly string[];
  /** Federated identity providers the web client offers next to the user pool. @default - none */
  readonly identityProviders?: readonly cognito.UserPoolClientIdentityProvider[];
  /**
   * Whether an identity provider maps `email_verified`. Cognito then needs the client to hold
   * write access to it (users still cannot set it themselves through UpdateUserAttributes).
   * @default false
   */
  readonly writeEmailVerified?: boolean;
  /**
   * Also create `rules`, a second public client with the web client's settings. The identity pool
   * maps each client separately, so this is the client whose users get their IAM role from
   * rules-based mapping (the web client's come from their groups, token-based).
   * @default false
   */
  readonly rulesClient?: boolean;
  /**
   * Allow `USER_PASSWORD_AUTH` on the web client: only for user migration, because Cognito must
   * receive the plaintext password to let the migrate-user trigger check it against the legacy
   * hash (SRP never reveals it). @default false
   */
  readonly allowUserPasswordAuth?: boolean;
  /** Allow `USER_AUTH` (choice-based sign-in: email OTP, passkeys) on the web client. @default false */
  readonly allowChoiceBasedAuth?: boolean;
  /** Create the passwordless client (`CUSTOM_AUTH` + refresh only). @default false */
  readonly passwordlessClient?: boolean;
}

/**
 * The resource server with the API scopes, and the app clients:
 * - `web`: public SPA / mobile client. Authorization code + PKCE, no secret, SRP + refresh
 *   (plus USER_PASSWORD_AUTH only for user migration, USER_AUTH only for choice-based sign-in).
 *   It may request only OpenID scopes; API scopes reach its access tokens only through the pre
 *   token generation trigger, from group membership, so a user cannot ask for `api/admin`.
 * - `rules` (optional): a second public client like `web`, for the identity pool's rules-based
 *   role mapping.
 * - `machines`: confidential client-credentials clients for service-to-service calls, one per
 *   enabled `machineClients` entry; the pre token trigger gives their tokens the entry's tenant.
 * - `passwordless` (optional): public client for the email-code custom challenge; CUSTOM_AUTH and
 *   refresh only, no OAuth (custom auth runs only through the API, never managed login).
 */
export class AppClients extends Construct {
  readonly resourceServer: cognito.UserPoolResourceServer;
  readonly web: cognito.UserPoolClient;
  readonly rules?: cognito.UserPoolClient;
  /** The enabled machine clients, by config name. */
  readonly machines: Readonly<Record<string, cognito.UserPoolClient>>;
  readonly passwordless?: cognito.UserPoolClient;
  /** Clients whose users sign in (every client but the machine client): the API accepts their tokens. */
  get userClients(): cognito.UserPoolClient[] {
    return [this.web, ...(this.rules ? [this.rules] : []), ...(this.passwordless ? [this.passwordless] : [])];
  }

  /** Full scope names (`<identifier>/<name>`), by short name. */
  readonly scopes: Readonly<Record<string, cognito.OAuthScope>>;

  constructor(scope: Construct, id: string, props: AppClientsProps) {
    super(scope, id);
    const serverScopes = props.resourceServer.scopes.map(
      (s) => new cognito.ResourceServerScope({ scopeName: s.name, scopeDescription: s.description }),
    );
    this.resourceServer = new cognito.UserPoolResourceServer(this, 'ResourceServer', {
      userPool: props.userPool,
      identifier: props.resourceServer.identifier,
      userPoolResourceServerName: props.resourceServer.name,
      scopes: serverScopes,
    });
    this.scopes = Object.fromEntries(
      serverScopes.map((s) => [s.scopeName, cognito.OAuthScope.resourceServer(this.resourceServer, s)]),
    );

    const validity = props.tokenValidity;
    const common = {
      userPool: props.userPool,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      authSessionValidity: Duration.minutes(3),
      accessTokenValidity: Duration.minutes(validity.accessTokenMinutes),
      idTokenValidity: Duration.minutes(validity.idTokenMinutes),
      refreshTokenValidity: Duration.days(validity.refreshTokenDays),
    } satisfies Partial<cognito.UserPoolClientProps>;
    // Only clients users sign in through get refresh tokens, so only they rotate. With rotation
    // CDK leaves ALLOW_REFRESH_TOKEN_AUTH out of ExplicitAuthFlows: Cognito refuses
    // REFRESH_TOKEN_AUTH on a rotating client, which refreshes through GetTokensFromRefreshToken
    // or the token endpoint instead (docs/api.md, "Refresh tokens").
    const rotation = props.refreshTokenRotation;
    const userFacing = {
      ...common,
      ...(rotation?.enabled
        ? { refreshTokenRotationGracePeriod: Duration.seconds(rotation.retryGracePeriodSeconds) }
        : {}),
    } satisfies Partial<cognito.UserPoolClientProps>;

    const publicClient = {
      ...userFacing,
      generateSecret: false,
      authFlows: {
        userSrp: true,
        ...(props.allowUserPasswordAuth ? { userPassword: true } : {}),
        ...(props.allowChoiceBasedAuth ? { user: true } : {}),
      },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: props.webClient.oidcScopes.map((name) => OIDC_SCOPES[name]),
        callbackUrls: props.webClient.callbackUrls,
        logoutUrls: props.webClient.logoutUrls,
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO, ...(props.identityProviders ?? [])],
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes(WEB_READ_STANDARD)
        .withCustomAttributes(...(props.readableCustomAttributes ?? [])),
      writeAttributes: writable([
        ...WEB_CLIENT_WRITABLE_ATTRIBUTES,
        ...(props.writeEmailVerified ? IDP_MAPPED_WRITABLE_ATTRIBUTES : []),
      ]),
    } satisfies cognito.UserPoolClientProps;
    this.web = new cognito.UserPoolClient(this, 'WebClient', publicClient);
    if (props.rulesClient) {
      // Same settings, but SRP only: migration and choice-based sign-in go through the web client.
      this.rules = new cognito.UserPoolClient(this, 'RulesClient', { ...publicClient, authFlows: { userSrp: true } });
    }

    const machines: Record<string, cognito.UserPoolClient> = {};
    for (const entry of props.machineClients ?? []) {
      if (!entry.enabled) continue;
      const client = new cognito.UserPoolClient(this, machineClientConstructId(entry.name), {
        ...common,
        generateSecret: true,
        oAuth: {
          flows: { clientCredentials: true },
          scopes: entry.scopes.map((name) => {
            const scope = this.scopes[name];
            if (!scope)
              throw new Error(`machineClients["${entry.name}"].scopes: "${name}" is not a resource server scope`);
            return scope;
          }),
        },
        supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
        // Explicit and minimal; no user signs in through this client.
        readAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
        writeAttributes: writable(MACHINE_CLIENT_WRITABLE_ATTRIBUTES),
      });
      // No user sign-in flow at all. CDK omits ExplicitAuthFlows for an empty AuthFlow, and
      // Cognito then enables SRP and custom auth by default; refresh alone is the minimum it accepts.
      const cfnMachine = client.node.defaultChild as cognito.CfnUserPoolClient;
      cfnMachine.explicitAuthFlows = ['ALLOW_REFRESH_TOKEN_AUTH'];
      machines[entry.name] = client;
    }
    this.machines = machines;

    if (props.passwordlessClient) {
      this.passwordless = new cognito.UserPoolClient(this, 'PasswordlessClient', {
        ...userFacing,
        generateSecret: false,
        authFlows: { custom: true },
        disableOAuth: true,
        supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
        readAttributes: publicClient.readAttributes,
        writeAttributes: writable(WEB_CLIENT_WRITABLE_ATTRIBUTES),
      });
    }
  }
}

/**
 * Construct id of a machine client: its logical id derives from it, so it must not change once
 * deployed. The entry named DEFAULT_MACHINE_CLIENT keeps `MachineClient`, the id of the single
 * machine client of earlier versions, so upgrading keeps that client (its id and secret).
 */
export function machineClientConstructId(name: string): string {
  if (name === DEFAULT_MACHINE_CLIENT) return 'MachineClient';
  return `MachineClient${name.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase())}`;
}

const OIDC_SCOPES: Record<StageConfig['webClient']['oidcScopes'][number], cognito.OAuthScope> = {
  openid: cognito.OAuthScope.OPENID,
  email: cognito.OAuthScope.EMAIL,
  profile: cognito.OAuthScope.PROFILE,
};
