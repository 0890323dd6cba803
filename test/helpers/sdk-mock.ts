import type * as CognitoIdpModule from '@aws-sdk/client-cognito-identity-provider';
import type * as DynamoDbModule from '@aws-sdk/client-dynamodb';
import type * as SesV2Module from '@aws-sdk/client-sesv2';
import type * as LibDynamoDbModule from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

type CognitoIdp = typeof CognitoIdpModule;

/**
 * Loads the Cognito SDK in the registry a handler is loaded into (see loadHandler) and mocks its
 * client, so the handler's module-scope client is the mock. Tests must use the returned `sdk`
 * for command classes: the mock matches commands by class.
 */
export function mockCognito(requireInRegistry: (id: string) => unknown) {
  const sdk = requireInRegistry('@aws-sdk/client-cognito-identity-provider') as CognitoIdp;
  return { sdk, mock: mockClient(sdk.CognitoIdentityProviderClient) };
}

type DynamoDb = typeof DynamoDbModule;
type SesV2 = typeof SesV2Module;

/** Like mockCognito, for the DynamoDB client (legacy directory, test outbox). */
export function mockDynamoDb(requireInRegistry: (id: string) => unknown) {
  const sdk = requireInRegistry('@aws-sdk/client-dynamodb') as DynamoDb;
  return { sdk, mock: mockClient(sdk.DynamoDBClient) };
}

/** Like mockCognito, for the SES v2 client (sign-in code emails). */
export function mockSes(requireInRegistry: (id: string) => unknown) {
  const sdk = requireInRegistry('@aws-sdk/client-sesv2') as SesV2;
  return { sdk, mock: mockClient(sdk.SESv2Client) };
}

type LibDynamoDb = typeof LibDynamoDbModule;

/**
 * Like mockCognito, for the DynamoDB document client: loads `@aws-sdk/lib-dynamodb` in the
 * handler's registry and mocks `DynamoDBDocumentClient`. Use the returned `lib` for command classes.
 */
export function mockDynamo(requireInRegistry: (id: string) => unknown) {
  const lib = requireInRegistry('@aws-sdk/lib-dynamodb') as LibDynamoDb;
  return { lib, mock: mockClient(lib.DynamoDBDocumentClient) };
}
