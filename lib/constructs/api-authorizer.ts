import { type Duration, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { TENANT_PATH_PARAMETER, type AuthorizerRules } from '../../lambda/contract';
import type { StageConfig } from '../config/schema';
import { ReferenceFunction } from './lambda-function';

export interface ApiAuthorizersProps {
  readonly userPool: cognito.IUserPool;
  /**
   * App clients whose user access tokens the tenant authorizer accepts (`client_id`), e.g. the
   * web client. Must not be empty.
   */
  readonly userClientIds: readonly string[];
  /** Whether any route uses the Cognito authorizer (an authorizer no method uses fails the synth). @default true */
  readonly cognitoRoutes?: boolean;
  /**
   * The routes behind the tenant authorizer (`GET /tenants/{tenantId}/documents`), each with the
   * full scope names (`<resource server>/<scope>`) it requires, e.g. `api/read`. None: no tenant
   * authorizer and no function for it.
   */
  readonly tenantRouteScopes: Readonly<Record<string, readonly string[]>>;
  /** Groups whose members pass the tenant authorizer; empty = nobody. */
  readonly tenantGroups: readonly string[];
  /** Tenant routes (keys of tenantRouteScopes) that accept machine callers. @default - none */
  readonly machineRoutes?: readonly string[];
  /**
   * Machine clients whose client-credentials tokens the machine routes accept (their tenant is in
   * the token). Only passed to the function when a tenant route accepts machines. @default - none
   */
  readonly machineClientIds?: readonly string[];
  /** How long API Gateway caches a decision; 0 turns caching off. */
  readonly cacheTtl: Duration;
  /** Stage-wide function settings. */
  readonly functions: StageConfig['functions'];
}

/**
 * The two authorizers of the API:
 * - `cognito`: the Cognito user pools authorizer. API Gateway checks signature, issuer and expiry;
 *   methods add `authorizationScopes`, which makes it accept only access tokens with that scope.
 * - `tenant`: a Lambda REQUEST authorizer (aws-jwt-verify) for rules the gateway cannot express:
 *   client id, the route's scope, group membership (or, on a machine route, a machine client),
 *   and `tenant_id` claim == `{tenantId}` in the path. Its cache key is the Authorization header + request path + method, so a decision is
 *   never reused for another token, tenant or route.
 */
export class ApiAuthorizers extends Construct {
  /** The Cognito user pools authorizer (unless no route uses it). */
  readonly cognito?: apigw.CognitoUserPoolsAuthorizer;
  /** The tenant Lambda authorizer and its function (only when a route uses it). */
  readonly tenant?: apigw.RequestAuthorizer;
  readonly tenantFunction?: ReferenceFunction;

  constructor(scope: Construct, id: string, props: ApiAuthorizersProps) {
    super(scope, id);
    if (props.userClientIds.length === 0) {
      throw new Error('ApiAuthorizers: userClientIds must name at least one app client, got []');
    }
    for (const [route, scopes] of Object.entries(props.tenantRouteScopes)) {
      if (scopes.length === 0) throw new Error(`ApiAuthorizers: tenant route "${route}" must require a scope, got []`);
    }
    const ttl = props.cacheTtl.toSeconds();
    if (!Token.isUnresolved(ttl) && (ttl < 0 || ttl > 3600)) {
      throw new Error(`ApiAuthorizers: cacheTtl must be 0-3600 s, got ${ttl} s`);
    }

    if (props.cognitoRoutes !== false) {
      this.cognito = new apigw.CognitoUserPoolsAuthorizer(this, 'UserPool', {
        cognitoUserPools: [props.userPool],
        resultsCacheTtl: props.cacheTtl,
      });
    }
    if (Object.keys(props.tenantRouteScopes).length === 0) return;

    const machineRoutes = props.machineRoutes ?? [];
    for (const route of machineRoutes) {
      if (!(route in props.tenantRouteScopes)) {
        throw new Error(`ApiAuthorizers: machine route "${route}" is not a tenant route`);
      }
    }
    const rules: AuthorizerRules = {
      scopesByRoute: props.tenantRouteScopes,
      allowedGroups: props.tenantGroups,
      tenantParameter: TENANT_PATH_PARAMETER,
      machineRoutes,
    };
    const machineClientIds = machineRoutes.length > 0 ? (props.machineClientIds ?? []) : [];
    this.tenantFunction = new ReferenceFunction(this, 'TenantFunction', {
      entry: 'api/authorizer/handler.ts',
      description: 'API Gateway Lambda authorizer: verified access token, group and tenant == path tenant',
      settings: props.functions,
      environment: {
        USER_POOL_ID: props.userPool.userPoolId,
        CLIENT_IDS: props.userClientIds.join(','),
        ...(machineClientIds.length > 0 ? { MACHINE_CLIENT_IDS: machineClientIds.join(',') } : {}),
        AUTHORIZER_RULES: JSON.stringify(rules),
      },
    });

    this.tenant = new apigw.RequestAuthorizer(this, 'Tenant', {
      handler: this.tenantFunction.function,
      identitySources: [
        apigw.IdentitySource.header('Authorization'),
        apigw.IdentitySource.context('path'),
        apigw.IdentitySource.context('httpMethod'),
      ],
      resultsCacheTtl: props.cacheTtl,
    });
  }
}
