import { ListUsersCommand } from '@aws-sdk/client-cognito-identity-provider';
import type { APIGatewayProxyHandler } from 'aws-lambda';
import { cognitoClient } from '../../shared/cognito';
import { listEnv, requireEnv } from '../../shared/env';
import { runRoute } from '../../shared/http';
import { callerFromCognito, requireScope } from '../caller';
import { listUsersInput, parseUsersQuery, toSafeUser } from './users';

const userPoolId = requireEnv('USER_POOL_ID');
const requiredScope = requireEnv('REQUIRED_SCOPE');
const allowedOrigins = listEnv('ALLOWED_ORIGINS');

/** `GET /admin/users`: one page of the pool's users, safe attributes only (admin scope). */
export const handler: APIGatewayProxyHandler = async (event) =>
  runRoute('adminUsers', event, allowedOrigins, async () => {
    const caller = callerFromCognito(event);
    requireScope(caller, requiredScope);
    const query = parseUsersQuery(event.queryStringParameters);
    const page = await cognitoClient.send(new ListUsersCommand(listUsersInput(userPoolId, query)));
    return {
      statusCode: 200,
      body: {
        users: (page.Users ?? []).map(toSafeUser),
        ...(page.PaginationToken ? { nextToken: page.PaginationToken } : {}),
      },
    };
  });
