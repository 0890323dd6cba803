import type { APIGatewayProxyHandler } from 'aws-lambda';
import { listEnv, requireEnv } from '../../shared/env';
import { runRoute } from '../../shared/http';
import { callerFromCognito, requireScope } from '../caller';
import { acceptsMachineCallers } from '../machine-callers';
import { describeCaller } from './me';

const allowedOrigins = listEnv('ALLOWED_ORIGINS');
const requiredScope = requireEnv('REQUIRED_SCOPE');

/** `GET /me`: who the verified access token says the caller is. Calls no AWS API. */
export const handler: APIGatewayProxyHandler = async (event) =>
  runRoute('me', event, allowedOrigins, () => {
    const caller = callerFromCognito(event, acceptsMachineCallers);
    requireScope(caller, requiredScope);
    return { statusCode: 200, body: describeCaller(caller) };
  });
