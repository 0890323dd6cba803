import type { APIGatewayRequestAuthorizerHandler } from 'aws-lambda';
import { jsonEnv, listEnv, requireEnv } from '../../shared/env';
import { errorFields, log } from '../../shared/log';
import { authorize, createVerifier, Unauthorized } from './authorize';
import { parseAuthorizerRules } from './decide';

const verifier = createVerifier({ userPoolId: requireEnv('USER_POOL_ID'), clientIds: listEnv('CLIENT_IDS') });
const rules = jsonEnv('AUTHORIZER_RULES', parseAuthorizerRules);

// Download the pool's JWKS during the cold start instead of on the first request. Started here and
// awaited in the handler (the TS config is CommonJS-typed, so no top-level await). If it fails,
// verify() fetches again on demand, and a request it cannot verify gets 401.
const jwksReady = verifier.hydrate().then(
  () => true,
  (error: unknown) => {
    log.warn('authorizer.jwksPrefetchFailed', errorFields(error));
    return false;
  },
);

/**
 * Lambda REQUEST authorizer of `GET /tenants/{tenantId}/documents`. Fails closed: any problem with
 * the token (or anything unexpected) is 401 "Unauthorized"; a valid token without the permission
 * gets a Deny policy (403). The policy names only this request's method ARN, and API Gateway
 * caches it by Authorization header + path + method, so an Allow is never reused for another user
 * or tenant.
 */
export const handler: APIGatewayRequestAuthorizerHandler = async (event) => {
  await jwksReady;
  try {
    const { decision, policy } = await authorize(verifier, event, rules);
    log.info('authorizer.decision', {
      effect: decision.effect,
      reason: decision.effect === 'Deny' ? decision.reason : undefined,
      principal: decision.principalId,
    });
    return policy;
  } catch (error) {
    log.warn('authorizer.unauthorized', {
      reason: error instanceof Unauthorized ? error.reason : 'unexpected error',
      ...(error instanceof Unauthorized ? {} : errorFields(error)),
    });
    // The exact message "Unauthorized" is what makes API Gateway answer 401.
    throw new Error('Unauthorized');
  }
};
