import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { SDK_CLIENT_CONFIG } from './sdk';

/** Module-scope client, reused across warm invocations (tests mock it with aws-sdk-client-mock). */
export const cognitoClient = new CognitoIdentityProviderClient(SDK_CLIENT_CONFIG);
