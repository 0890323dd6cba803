import type * as CognitoIdpModule from '@aws-sdk/client-cognito-identity-provider';
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

type LibDynamoDb = typeof LibDynamoDbModule;

/**
 * Like mockCognito, for the DynamoDB document client: loads `@aws-sdk/lib-dynamodb` in the
 * handler's registry and mocks `DynamoDBDocumentClient`. Use the returned `lib` for command classes.
 */
export function mockDynamo(requireInRegistry: (id: string) => unknown) {
  const lib = requireInRegistry('@aws-sdk/lib-dynamodb') as LibDynamoDb;
  return { lib, mock: mockClient(lib.DynamoDBDocumentClient) };
}
