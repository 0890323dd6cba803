import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyHandler } from 'aws-lambda';
import { dynamoClient } from '../../shared/dynamodb-document';
import { listEnv, requireEnv } from '../../shared/env';
import { notFound, runRoute } from '../../shared/http';
import { callerFromCognito, requireScope } from '../caller';
import { acceptsMachineCallers } from '../machine-callers';
import { documentKey, parseDocumentId, toDocumentView } from '../documents';

const tableName = requireEnv('TABLE_NAME');
const requiredScope = requireEnv('REQUIRED_SCOPE');
const allowedOrigins = listEnv('ALLOWED_ORIGINS');

/** `GET /documents/{id}`: one of the caller's own documents (partition `USER#<sub>`). */
export const handler: APIGatewayProxyHandler = async (event) =>
  runRoute('getDocument', event, allowedOrigins, async () => {
    const caller = callerFromCognito(event, acceptsMachineCallers);
    requireScope(caller, requiredScope);
    const id = parseDocumentId(event.pathParameters);
    const { Item } = await dynamoClient.send(
      new GetCommand({ TableName: tableName, Key: documentKey(caller.sub, id), ConsistentRead: true }),
    );
    if (!Item) throw notFound('no such document');
    return { statusCode: 200, body: toDocumentView(Item) };
  });
