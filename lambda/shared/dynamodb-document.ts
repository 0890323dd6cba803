import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDbClient } from './dynamodb';

/**
 * Module-scope DynamoDB document client over the shared low-level client, reused across warm
 * invocations (tests mock it with aws-sdk-client-mock). Items are plain objects; `undefined`
 * fields are dropped, not stored.
 */
export const dynamoClient = DynamoDBDocumentClient.from(dynamoDbClient, {
  marshallOptions: { removeUndefinedValues: true },
});
