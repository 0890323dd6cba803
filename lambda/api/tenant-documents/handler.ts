import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyHandler } from 'aws-lambda';
import { dynamoClient } from '../../shared/dynamodb-document';
import { listEnv, requireEnv } from '../../shared/env';
import { forbidden, runRoute } from '../../shared/http';
import { log } from '../../shared/log';
import { callerFromTenantAuthorizer, requireScope } from '../caller';
import { listInput, parseListQuery, toPage } from './list';

const tableName = requireEnv('TABLE_NAME');
const requiredScope = requireEnv('REQUIRED_SCOPE');
const allowedOrigins = listEnv('ALLOWED_ORIGINS');

/**
 * `GET /tenants/{tenantId}/documents`: the caller's tenant's documents. The Lambda authorizer
 * allowed the request only if `{tenantId}` equals the token's `tenant_id`; this handler checks the
 * path against the authorizer's verified tenant again and queries only that partition. Items that
 * are not document summaries are left out and counted in the log (reasons only, never content).
 */
export const handler: APIGatewayProxyHandler = async (event) =>
  runRoute('tenantDocuments', event, allowedOrigins, async () => {
    const caller = callerFromTenantAuthorizer(event);
    requireScope(caller, requiredScope);
    if (event.pathParameters?.tenantId !== caller.tenantId) throw forbidden('path tenant is not the caller tenant');
    const query = parseListQuery(event.queryStringParameters);
    const result = await dynamoClient.send(new QueryCommand(listInput(tableName, caller.tenantId, query)));
    const page = toPage(result.Items ?? [], result.LastEvaluatedKey);
    if (page.skipped.length > 0) {
      log.warn('tenantDocuments.skippedItems', {
        tenant: caller.tenantId,
        count: page.skipped.length,
        reasons: [...new Set(page.skipped)],
      });
    }
    if (page.endedEarly) log.error('tenantDocuments.lastKeyNotRepresentable', { tenant: caller.tenantId });
    return { statusCode: 200, body: page.body };
  });
