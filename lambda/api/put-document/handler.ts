import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyHandler } from 'aws-lambda';
import { dynamoClient } from '../../shared/dynamodb-document';
import { listEnv, requireEnv } from '../../shared/env';
import { runRoute } from '../../shared/http';
import { callerFromCognito, requireScope } from '../caller';
import { acceptsMachineCallers } from '../machine-callers';
import {
  documentItem,
  parseDocumentId,
  parseDocumentInput,
  requireJsonContentType,
  toDocumentView,
} from '../documents';

const tableName = requireEnv('TABLE_NAME');
const requiredScope = requireEnv('REQUIRED_SCOPE');
const allowedOrigins = listEnv('ALLOWED_ORIGINS');

/** `PUT /documents/{id}`: creates or replaces one of the caller's own documents. */
export const handler: APIGatewayProxyHandler = async (event) =>
  runRoute('putDocument', event, allowedOrigins, async () => {
    const caller = callerFromCognito(event, acceptsMachineCallers);
    requireScope(caller, requiredScope);
    const id = parseDocumentId(event.pathParameters);
    requireJsonContentType(event.headers);
    const input = parseDocumentInput(event.body, event.isBase64Encoded);
    const item = documentItem(caller.sub, id, input, new Date());
    await dynamoClient.send(new PutCommand({ TableName: tableName, Item: item }));
    return { statusCode: 200, body: toDocumentView(item) };
  });
