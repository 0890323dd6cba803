import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyHandler } from 'aws-lambda';
import { dynamoClient } from '../../shared/dynamodb-document';
import { listEnv, requireEnv } from '../../shared/env';
import { forbidden, runRoute } from '../../shared/http';
import { callerFromTenantAuthorizer, requireScope } from '../caller';
import { listInput, parseListQuery, toPage } from './list';

const tableName = requireEnv('TABLE_NAME');
const requiredScope = requireEnv('REQUIRED_SCOPE');
const allowedOrigins = listEnv('ALLOWED_ORIGINS');

/**
 * `GET /tenants/{tenantId}/documents`: the caller's tenant's documents. The Lambda authorizer
 * allowed the request only if `{tenantId}` equals the token's `tenant_id`; this handler checks the
 * path against the authorizer's verified tenant again and queries only that partition.
 */
export const handler: APIGatewayProxyHandler = async (event) =>
  runRoute('tenantDocuments', event, allowedOrigins, async () => {
    const caller = callerFromTenantAuthorizer(event);
    requireScope(caller, requiredScope);
    if (event.pathParameters?.tenantId !== caller.tenantId) throw forbidden('path tenant is not the caller tenant');
    const query = parseListQuery(event.queryStringParameters);
    const page = await dynamoClient.send(new QueryCommand(listInput(tableName, caller.tenantId, query)));
    return { statusCode: 200, body: toPage(page.Items ?? [], page.LastEvaluatedKey) };
  });
