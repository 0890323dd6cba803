import { ListUsersCommand, type ListUsersCommandOutput } from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyHandler } from 'aws-lambda';
import { cognitoClient } from '../../shared/cognito';
import { listEnv, requireEnv } from '../../shared/env';
import { badRequest, forbidden, runRoute } from '../../shared/http';
import { callerFromCognito, requireScope } from '../caller';
import { acceptsMachineCallers } from '../machine-callers';
import { isRejectedPaginationToken, listUsersInput, parseUsersQuery, toTenantPage } from './users';

const userPoolId = requireEnv('USER_POOL_ID');
const requiredScope = requireEnv('REQUIRED_SCOPE');
const allowedOrigins = listEnv('ALLOWED_ORIGINS');

/**
 * `GET /admin/users`: one ListUsers page, reduced to the users of the caller's own tenant (the
 * verified `tenant_id` claim), safe attributes only (admin scope). A caller without a tenant is
 * refused before Cognito is called.
 */
export const handler: APIGatewayProxyHandler = async (event) =>
  runRoute('adminUsers', event, allowedOrigins, async () => {
    const caller = callerFromCognito(event, acceptsMachineCallers);
    requireScope(caller, requiredScope);
    if (caller.tenantId === undefined) throw forbidden('no tenant claim');
    const query = parseUsersQuery(event.queryStringParameters);
    let page: ListUsersCommandOutput;
    try {
      page = await cognitoClient.send(new ListUsersCommand(listUsersInput(userPoolId, query)));
    } catch (error) {
      if (isRejectedPaginationToken(error, query)) throw badRequest('nextToken rejected by Cognito');
      throw error;
    }
    return { statusCode: 200, body: toTenantPage(page.Users, page.PaginationToken, caller.tenantId) };
  });
