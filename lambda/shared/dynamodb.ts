import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SDK_CLIENT_CONFIG } from './sdk';

/** Module-scope client, reused across warm invocations (tests mock it with aws-sdk-client-mock). */
export const dynamoDbClient = new DynamoDBClient(SDK_CLIENT_CONFIG);
