import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct, IConstruct } from 'constructs';
import { tenantRouteGroups, type StageConfig } from '../config/schema';
import { ApiAuthorizers } from '../constructs/api-authorizer';
import {
  ApiRoutes,
  machineRoutes,
  ROUTES,
  routeScopes,
  type RouteSpec,
  tenantAuthorizerRoutes,
} from '../constructs/api-routes';
import { ApiWaf } from '../constructs/api-waf';
import { ReferenceRestApi } from '../constructs/rest-api';

export interface ApiStackProps extends StackProps {
  readonly config: StageConfig;
  /** The user pool whose tokens the API accepts (and whose users /admin/users lists). */
  readonly userPool: cognito.IUserPool;
  /** App clients whose users may call the tenant route (the tenant authorizer's client allowlist). */
  readonly userClientIds: readonly string[];
  /** Machine clients whose tokens the routes with `machines: true` accept. @default - none */
  readonly machineClientIds?: readonly string[];
  /** The protected table the document routes read and write. */
  readonly table: dynamodb.ITable;
  /** The routes of the API. @default ROUTES (lib/constructs/api-routes.ts) */
  readonly routes?: readonly RouteSpec[];
}

/**
 * The REST API: stage settings, the Cognito and tenant authorizers, one function per route, and
 * (when the config says so) a WAF web ACL on the stage and the user pool.
 */
export class ApiStack extends Stack {
  readonly restApi: ReferenceRestApi;
  readonly authorizers: ApiAuthorizers;
  readonly routes: ApiRoutes;
  readonly waf?: ApiWaf;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const settings = config.api;
    const routes = props.routes ?? ROUTES;
    const scopes = routeScopes(routes, config);
    const forMachines = machineRoutes(routes, config);
    const tenantRoutes = tenantAuthorizerRoutes(routes, config);
    const logRemovalPolicy = config.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.restApi = new ReferenceRestApi(this, 'Rest', {
      settings,
      production: config.production,
      tracing: config.functions.tracing,
    });

    this.authorizers = new ApiAuthorizers(this, 'Authorizers', {
      userPool: props.userPool,
      userClientIds: props.userClientIds,
      cognitoRoutes: routes.some((r) => r.authorizer === 'cognito'),
      tenantRouteScopes: tenantRoutes.scopesByRoute,
      tenantGroups: tenantRouteGroups(config),
      machineRoutes: tenantRoutes.machineRoutes,
      machineClientIds: props.machineClientIds,
      cacheTtl: Duration.seconds(settings.authorizerCacheTtlSeconds),
      functions: config.functions,
    });

    this.routes = new ApiRoutes(this, 'Routes', {
      restApi: this.restApi,
      authorizers: this.authorizers,
      routes,
      scopes,
      machineRoutes: forMachines,
      table: props.table,
      userPool: props.userPool,
      allowedOrigins: settings.corsOrigins,
      functions: config.functions,
    });

    if (settings.waf.enabled) {
      this.waf = new ApiWaf(this, 'Waf', {
        rateLimit: settings.waf.rateLimit,
        stage: this.restApi.stage,
        userPool: settings.waf.associateUserPool ? props.userPool : undefined,
        logRetentionDays: settings.logRetentionDays,
        logRemovalPolicy,
      });
    } else {
      Validations.of(this.restApi.stage.node.defaultChild as IConstruct).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'WAF is off in this non-production stage (api.waf.enabled false) to save its cost; the config schema requires it when production is true.',
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.restApi.api.url, description: 'Base URL of the API stage' });
  }
}
