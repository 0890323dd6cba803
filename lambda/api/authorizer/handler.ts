import type { APIGatewayRequestAuthorizerHandler } from 'aws-lambda';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { jsonEnv, listEnv, requireEnv } from '../../shared/env';
import { errorFields, log } from '../../shared/log';
import { authorize, createVerifier, JwksFetcher, Unauthorized } from './authorize';
import { parseAuthorizerRules } from './decide';

const fetcher = new JwksFetcher();
// Machine clients whose tokens the machine routes accept (empty when no route accepts them).
const machineClientIds = listEnv('MACHINE_CLIENT_IDS');
const verifier = createVerifier(
  { userPoolId: requireEnv('USER_POOL_ID'), clientIds: [...listEnv('CLIENT_IDS'), ...machineClientIds] },
  new SimpleJwksCache({ fetcher }),
);
const rules = jsonEnv('AUTHORIZER_RULES', parseAuthorizerRules);

// Download the pool's JWKS during the cold start instead of on the first request. Started here and
// awaited by the first request (the TS config is CommonJS-typed, so no top-level await).
let coldStartDownload: Promise<boolean> | undefined = verifier.hydrate().then(
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
  // Worst case of one request: one JWKS download (JWKS_DOWNLOAD_MAX_MS, 2 s), well inside the 5 s
  // timeout. The first request of an instance waits for the cold-start download and then verifies
  // with what it brought, never downloading again (a failed download means 401 for this request);
  // later requests may download once, on demand (cold-start download failed, or an unknown key id).
  const waited = coldStartDownload !== undefined;
  if (coldStartDownload) await coldStartDownload;
  coldStartDownload = undefined;
  fetcher.allowDownloads(!waited);
  try {
    const { decision, policy } = await authorize(verifier, event, rules, machineClientIds);
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
