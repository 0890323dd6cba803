import { TENANT_PATH_PARAMETER } from '../../lambda/contract';
import { ROUTES, routeScopes } from '../../lib/constructs/api-routes';
import type { StageConfig } from '../../lib/config/schema';
import type { DemoConfig, DemoRoute } from '../../demo/src/config';
import { requireOutput, type StageOutputs, type StageStack } from '../smoke/outputs';

/** The stack outputs the demo page is configured from. */
export const DEMO_OUTPUTS = {
  Auth: ['Region', 'IssuerUrl', 'WebClientId', 'LoginDomainUrl', 'IdentityPoolId'],
  Api: ['ApiUrl'],
  Data: ['DataBucketName'],
} as const satisfies Partial<Record<StageStack, readonly string[]>>;

/** Every route of the route table with the full scope the stage config gives it. */
export function demoRoutes(config: StageConfig): DemoRoute[] {
  const scopes = routeScopes(ROUTES, config);
  return ROUTES.map((r) => ({ route: r.route, scope: scopes[r.route]!, authorizer: r.authorizer }));
}

/** The page's configuration: the stage config for names and rules, the outputs for ids and URLs. */
export function demoConfig(config: StageConfig, outputs: StageOutputs): DemoConfig {
  const apiUrl = requireOutput(outputs, 'ApiUrl');
  return {
    stage: config.stage,
    region: requireOutput(outputs, 'Region'),
    issuer: requireOutput(outputs, 'IssuerUrl'),
    loginDomainUrl: requireOutput(outputs, 'LoginDomainUrl'),
    webClientId: requireOutput(outputs, 'WebClientId'),
    scopes: config.webClient.oidcScopes.join(' '),
    apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
    routes: demoRoutes(config),
    tenantParameter: TENANT_PATH_PARAMETER,
    tenantClaim: 'tenant_id',
    identityPoolId: requireOutput(outputs, 'IdentityPoolId'),
    bucketName: requireOutput(outputs, 'DataBucketName'),
    // Only stages with passwordless.customChallenge.enabled have this output.
    ...(outputs.PasswordlessClientId ? { passwordlessClientId: outputs.PasswordlessClientId } : {}),
  };
}
