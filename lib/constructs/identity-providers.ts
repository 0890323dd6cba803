import { SecretValue } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';

const SAML_EMAIL_CLAIM = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';

export interface FederatedIdentityProvidersProps {
  readonly userPool: cognito.IUserPool;
  readonly settings: StageConfig['identityProviders'];
}

/**
 * Optional federation (Google, generic OIDC, SAML), off unless configured. Client secrets are
 * CloudFormation dynamic references to Secrets Manager (`{{resolve:secretsmanager:...}}`): the
 * value never appears in code, config or template. Only `email` (and, where the IdP asserts it,
 * `email_verified`) is mapped; never an authorization attribute.
 */
export class FederatedIdentityProviders extends Construct {
  readonly providers: readonly cognito.IUserPoolIdentityProvider[];
  /** What app clients list in `supportedIdentityProviders`. */
  readonly clientProviders: readonly cognito.UserPoolClientIdentityProvider[];
  /** True when a provider maps `email_verified` (the client then needs write access to it). */
  readonly mapsEmailVerified: boolean;
  /** Provider names as configured in the pool (`Google`, OIDC and SAML names). */
  readonly providerNames: readonly string[];
  /**
   * Providers whose `email_verified` the config trusts for account linking (`trustEmailVerified`).
   * SAML providers are never among them: they map no `email_verified`.
   */
  readonly linkProviderNames: readonly string[];

  constructor(scope: Construct, id: string, props: FederatedIdentityProvidersProps) {
    super(scope, id);
    const { settings, userPool } = props;
    const providers: cognito.IUserPoolIdentityProvider[] = [];
    const clientProviders: cognito.UserPoolClientIdentityProvider[] = [];

    if (settings.google) {
      providers.push(
        new cognito.UserPoolIdentityProviderGoogle(this, 'Google', {
          userPool,
          clientId: settings.google.clientId,
          clientSecretValue: SecretValue.secretsManager(settings.google.clientSecretName),
          scopes: settings.google.scopes,
          attributeMapping: {
            email: cognito.ProviderAttribute.GOOGLE_EMAIL,
            emailVerified: cognito.ProviderAttribute.GOOGLE_EMAIL_VERIFIED,
          },
        }),
      );
      clientProviders.push(cognito.UserPoolClientIdentityProvider.GOOGLE);
    }
    for (const oidc of settings.oidc) {
      providers.push(
        new cognito.UserPoolIdentityProviderOidc(this, `Oidc-${oidc.name}`, {
          userPool,
          name: oidc.name,
          issuerUrl: oidc.issuerUrl,
          clientId: oidc.clientId,
          // A dynamic reference, resolved by CloudFormation at deploy time.
          clientSecret: SecretValue.secretsManager(oidc.clientSecretName).unsafeUnwrap(),
          scopes: oidc.scopes,
          attributeMapping: {
            email: cognito.ProviderAttribute.other('email'),
            emailVerified: cognito.ProviderAttribute.other('email_verified'),
          },
        }),
      );
      clientProviders.push(cognito.UserPoolClientIdentityProvider.custom(oidc.name));
    }
    for (const saml of settings.saml) {
      providers.push(
        new cognito.UserPoolIdentityProviderSaml(this, `Saml-${saml.name}`, {
          userPool,
          name: saml.name,
          metadata: cognito.UserPoolIdentityProviderSamlMetadata.url(saml.metadataUrl),
          attributeMapping: { email: cognito.ProviderAttribute.other(SAML_EMAIL_CLAIM) },
        }),
      );
      clientProviders.push(cognito.UserPoolClientIdentityProvider.custom(saml.name));
    }

    this.providers = providers;
    this.clientProviders = clientProviders;
    this.mapsEmailVerified = settings.google !== undefined || settings.oidc.length > 0;
    this.providerNames = [
      ...(settings.google ? ['Google'] : []),
      ...settings.oidc.map((p) => p.name),
      ...settings.saml.map((p) => p.name),
    ];
    this.linkProviderNames = [
      ...(settings.google?.trustEmailVerified ? ['Google'] : []),
      ...settings.oidc.filter((p) => p.trustEmailVerified).map((p) => p.name),
    ];
  }
}
