import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import { decodePayload } from './auth';
import type { DemoConfig } from './config';

/** Temporary credentials of the identity-pool role, as the SDK clients take them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export interface IdentityCredentials {
  /** For the SDK clients only; the page never shows the secret. */
  readonly credentials: AwsCredentials;
  readonly identityId: string;
  readonly accessKeyId: string;
  readonly expiration: string;
  /** The role the token-based mapping picks: the ID token's `cognito:preferred_role`. */
  readonly preferredRole: string;
  /** Every role the user's groups give (`cognito:roles`). */
  readonly roles: string;
}

/**
 * Exchanges the ID token for temporary AWS credentials of the identity pool (enhanced flow:
 * GetId, then GetCredentialsForIdentity; neither call is signed). The identity pool's token-based
 * mapping gives the role in the token's `cognito:preferred_role` (the group with the lowest
 * precedence). The secret key is never shown.
 */
export async function identityPoolCredentials(
  config: DemoConfig,
  identityPoolId: string,
  idToken: string,
): Promise<IdentityCredentials> {
  const client = new CognitoIdentityClient({ region: config.region });
  const issuer = new URL(config.issuer);
  const logins = { [`${issuer.host}${issuer.pathname}`]: idToken };
  const { IdentityId } = await client.send(new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins }));
  if (!IdentityId) throw new Error('GetId returned no identity id');
  const { Credentials } = await client.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
  if (!Credentials?.AccessKeyId || !Credentials.SecretKey) {
    throw new Error('GetCredentialsForIdentity returned no credentials');
  }
  const claims = decodePayload(idToken);
  const text = (value: unknown) => (Array.isArray(value) ? value.join(', ') : typeof value === 'string' ? value : '');
  return {
    credentials: {
      accessKeyId: Credentials.AccessKeyId,
      secretAccessKey: Credentials.SecretKey,
      sessionToken: Credentials.SessionToken,
      expiration: Credentials.Expiration,
    },
    identityId: IdentityId,
    accessKeyId: Credentials.AccessKeyId,
    expiration: Credentials.Expiration?.toISOString() ?? '',
    preferredRole: text(claims['cognito:preferred_role']) || '(none: no group with a role)',
    roles: text(claims['cognito:roles']),
  };
}
