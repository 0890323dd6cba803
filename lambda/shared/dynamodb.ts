import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SDK_CLIENT_CONFIG } from './sdk';

/**
 * Module-scope DynamoDB document client, reused across warm invocations (tests mock it with
 * aws-sdk-client-mock). Items are plain objects; `undefined` fields are dropped, not stored.
 */
export const dynamoClient = DynamoDBDocumentClient.from(new DynamoDBClient(SDK_CLIENT_CONFIG), {
  marshallOptions: { removeUndefinedValues: true },
});
