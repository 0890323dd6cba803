import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';

export interface LoginDomainProps {
  readonly userPool: cognito.IUserPool;
  readonly settings: StageConfig['domain'];
  /** Clients that get a managed-login style (needed for managed login pages to render). */
  readonly clients: readonly cognito.IUserPoolClient[];
}

/**
 * The managed login domain: a Cognito prefix domain or your own domain (ACM certificate in
 * us-east-1). With managed login (version 2) each client needs a branding style, so a default
 * style is created per client from Cognito's provided values.
 */
export class LoginDomain extends Construct {
  readonly domain: cognito.UserPoolDomain;
  /** Base URL of the hosted pages, e.g. https://<prefix>.auth.<region>.amazoncognito.com. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: LoginDomainProps) {
    super(scope, id);
    const { settings } = props;
    const managed = settings.managedLogin === 'MANAGED_LOGIN';
    const common = {
      userPool: props.userPool,
      managedLoginVersion: managed
        ? cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN
        : cognito.ManagedLoginVersion.CLASSIC_HOSTED_UI,
    };
    if (settings.customDomain) {
      this.domain = new cognito.UserPoolDomain(this, 'Domain', {
        ...common,
        customDomain: {
          domainName: settings.customDomain.domainName,
          certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', settings.customDomain.certificateArn),
        },
      });
    } else if (settings.prefix) {
      this.domain = new cognito.UserPoolDomain(this, 'Domain', {
        ...common,
        cognitoDomain: { domainPrefix: settings.prefix },
      });
    } else {
      throw new Error('LoginDomain: settings need a prefix or a customDomain (the config schema checks this)');
    }
    this.baseUrl = this.domain.baseUrl();

    if (managed) {
      props.clients.forEach((client, index) => {
        const style = new cognito.CfnManagedLoginBranding(this, `Branding${index}`, {
          userPoolId: props.userPool.userPoolId,
          clientId: client.userPoolClientId,
          useCognitoProvidedValues: true,
        });
        // Branding can only be created once the domain uses managed login.
        style.node.addDependency(this.domain);
      });
    }
  }
}
