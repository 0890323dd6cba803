import { DOCUMENT_LIMITS, KEY_PREFIX, MACHINE_CALLERS_ACCEPTED, TENANT_PATH_PARAMETER } from '../../lambda/contract';
import { Duration, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import { ConfigError } from '../config/load';
import type { StageConfig } from '../config/schema';
import type { ApiAuthorizers } from './api-authorizer';
import { ReferenceFunction } from './lambda-function';
import type { ReferenceRestApi } from './rest-api';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** Item-level table actions a route may be granted (never Scan, PartiQL or a wildcard). */
export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem';

/** One route of the API: what it is, who may call it, and what its function may touch. */
export interface RouteSpec {
  /**
   * `<METHOD> <path>`, path parameters as `{name}` segments (all required). The stage config
   * names the scope the route requires under this key (`api.routes`).
   */
  readonly route: `${HttpMethod} /${string}`;
  /** Construct id of the route's function; its logical ids derive from it, so keep it once deployed. */
  readonly id: string;
  /** Handler folder under `lambda/api/` (the entry is `<folder>/handler.ts`). */
  readonly handler: string;
  /** What the function does (its Lambda description). */
  readonly description: string;
  /**
   * `cognito`: the user pool authorizer, which accepts only access tokens with the route's scope.
   * `tenant`: the tenant Lambda authorizer, which also requires the scope, a group with
   * `tenantRoutes`, and `{tenantId}` equal to the caller's `tenant_id`.
   */
  readonly authorizer: 'cognito' | 'tenant';
  /** Query string parameters the route accepts, all optional. @default - none */
  readonly query?: readonly string[];
  /** JSON body the request must match (validated by API Gateway, then by the handler). @default - no body */
  readonly body?: 'document';
  /**
   * Actions on the protected table, only on items whose partition key starts with the prefix of
   * `partition` (`dynamodb:LeadingKeys`); TABLE_NAME names the table. @default - no table access
   */
  readonly table?: { readonly actions: readonly TableAction[]; readonly partition: keyof typeof KEY_PREFIX };
  /** Actions on the user pool; USER_POOL_ID names it. @default - no user pool access */
  readonly userPool?: readonly string[];
}

/**
 * The route table: every route of the API, one entry each. Add a route here (and its handler
 * under lambda/api/, and its scope under `api.routes` in config/shared.ts); docs/fork-guide.md
 * "Add a route" walks through it.
 */
export const ROUTES: readonly RouteSpec[] = [
  {
    route: 'GET /me',
    id: 'Me',
    handler: 'me',
    description: 'GET /me: the caller as the verified access token describes them',
    authorizer: 'cognito',
  },
  {
    route: 'GET /documents/{id}',
    id: 'GetDocument',
    handler: 'get-document',
    description: "GET /documents/{id}: the caller's document",
    authorizer: 'cognito',
    table: { actions: ['dynamodb:GetItem'], partition: 'user' },
  },
  {
    route: 'PUT /documents/{id}',
    id: 'PutDocument',
    handler: 'put-document',
    description: "PUT /documents/{id}: writes the caller's document",
    authorizer: 'cognito',
    body: 'document',
    table: { actions: ['dynamodb:PutItem'], partition: 'user' },
  },
  {
    route: `GET /tenants/{${TENANT_PATH_PARAMETER}}/documents`,
    id: 'TenantDocuments',
    handler: 'tenant-documents',
    description: "GET /tenants/{tenantId}/documents: the caller's tenant's documents",
    authorizer: 'tenant',
    query: ['limit', 'nextToken'],
    table: { actions: ['dynamodb:Query'], partition: 'tenant' },
  },
  {
    route: 'GET /admin/users',
    id: 'AdminUsers',
    handler: 'admin-users',
    description: "GET /admin/users: lists the users of the caller's tenant (safe attributes only)",
    authorizer: 'cognito',
    query: ['limit', 'nextToken'],
    userPool: ['cognito-idp:ListUsers'],
  },
];

/** A route's method and path: `GET /documents/{id}` -> `['GET', '/documents/{id}']`. */
export function splitRoute(route: RouteSpec['route']): [HttpMethod, string] {
  const space = route.indexOf(' ');
  return [route.slice(0, space) as HttpMethod, route.slice(space + 1)];
}

/** The routes whose `api.routes` entry accepts machine callers (`machines: true`). */
export function machineRoutes(routes: readonly RouteSpec[], config: Pick<StageConfig, 'api'>): string[] {
  return routes.map((r) => r.route).filter((route) => config.api.routes[route]?.machines === true);
}

/**
 * The routes behind the tenant authorizer with the scope each requires, and those of them that
 * accept machine callers: what the API stack hands the authorizer (the offline browser test
 * serves the API with the same rules).
 */
export function tenantAuthorizerRoutes(
  routes: readonly RouteSpec[],
  config: Pick<StageConfig, 'api' | 'resourceServer'>,
): { scopesByRoute: Record<string, string[]>; machineRoutes: string[] } {
  const scopes = routeScopes(routes, config);
  const tenantRoutes: string[] = routes.filter((r) => r.authorizer === 'tenant').map((r) => r.route);
  return {
    scopesByRoute: Object.fromEntries(tenantRoutes.map((route) => [route, [scopes[route]!]])),
    machineRoutes: machineRoutes(routes, config).filter((route) => tenantRoutes.includes(route)),
  };
}

/**
 * The full scope (`<resource server>/<scope>`) each route requires, from `api.routes` in the stage
 * config. Fails, naming the field, when a route of the table has no entry or an entry names no
 * route of the table.
 */
export function routeScopes(
  routes: readonly RouteSpec[],
  config: Pick<StageConfig, 'api' | 'resourceServer'>,
): Record<string, string> {
  const configured = config.api.routes;
  const known = routes.map((r) => r.route);
  const problems = [
    ...known
      .filter((route) => !(route in configured))
      .map((route) => `api.routes: got no entry for "${route}"; every route of the route table needs { scope }`),
    ...Object.keys(configured)
      .filter((route) => !known.includes(route as RouteSpec['route']))
      .map(
        (route) =>
          `api.routes["${route}"]: not a route of the route table (lib/constructs/api-routes.ts); routes: ${known.map((r) => JSON.stringify(r)).join(', ')}`,
      ),
  ];
  if (problems.length > 0) {
    throw new ConfigError('api.routes, checked against the route table in lib/constructs/api-routes.ts', problems);
  }
  return Object.fromEntries(
    known.map((route) => [route, `${config.resourceServer.identifier}/${configured[route]!.scope}`]),
  );
}

export interface ApiRoutesProps {
  readonly restApi: ReferenceRestApi;
  readonly authorizers: ApiAuthorizers;
  /** The routes to create. */
  readonly routes: readonly RouteSpec[];
  /** Full scope name each route requires, by route (see `routeScopes`). */
  readonly scopes: Readonly<Record<string, string>>;
  /** Routes that accept machine callers (see `machineRoutes`); their handlers get MACHINE_CALLERS. @default - none */
  readonly machineRoutes?: readonly string[];
  /** The protected table (documents per user under `USER#`, per tenant under `TENANT#`). */
  readonly table: dynamodb.ITable;
  /** The user pool routes with `userPool` actions work on. */
  readonly userPool: cognito.IUserPool;
  /** Origins the handlers echo in `Access-Control-Allow-Origin`. @default - none */
  readonly allowedOrigins?: readonly string[];
  readonly functions: StageConfig['functions'];
}

/** Handlers that call AWS get more than the 5 s default: two SDK attempts plus a clean answer. */
const AWS_CALLING_HANDLER_TIMEOUT = Duration.seconds(10);

/**
 * One method and one function per entry of the route table, each function with only the
 * permissions its entry grants. The handler gets REQUIRED_SCOPE (and checks it again) and
 * ALLOWED_ORIGINS; a table grant adds TABLE_NAME, a user-pool grant USER_POOL_ID.
 */
export class ApiRoutes extends Construct {
  /** The function of each route, by route (`GET /me`). */
  readonly functions: Readonly<Record<string, ReferenceFunction>>;

  private readonly props: ApiRoutesProps;
  private documentModelOnce?: apigw.Model;

  constructor(scope: Construct, id: string, props: ApiRoutesProps) {
    super(scope, id);
    this.props = props;
    this.functions = Object.fromEntries(props.routes.map((spec) => [spec.route, this.addRoute(spec)]));
  }

  private addRoute(spec: RouteSpec): ReferenceFunction {
    const { restApi, authorizers } = this.props;
    const [method, path] = splitRoute(spec.route);
    const scope = this.props.scopes[spec.route];
    if (!scope) throw new Error(`ApiRoutes: no scope for route "${spec.route}"`);
    const pathParameters = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    if (spec.authorizer === 'tenant' && !pathParameters.includes(TENANT_PATH_PARAMETER)) {
      throw new Error(`ApiRoutes: tenant route "${spec.route}" has no {${TENANT_PATH_PARAMETER}} path parameter`);
    }

    const fn = new ReferenceFunction(this, spec.id, {
      entry: `api/${spec.handler}/handler.ts`,
      description: spec.description,
      settings: this.props.functions,
      timeout: spec.table || spec.userPool ? AWS_CALLING_HANDLER_TIMEOUT : undefined,
      environment: {
        REQUIRED_SCOPE: scope,
        ALLOWED_ORIGINS: (this.props.allowedOrigins ?? []).join(','),
        ...(spec.userPool ? { USER_POOL_ID: this.props.userPool.userPoolId } : {}),
        ...(this.props.machineRoutes?.includes(spec.route) ? { MACHINE_CALLERS: MACHINE_CALLERS_ACCEPTED } : {}),
      },
    });
    if (spec.table) this.allowTable(fn, spec.table.actions, KEY_PREFIX[spec.table.partition]);
    if (spec.userPool) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...spec.userPool], resources: [this.props.userPool.userPoolArn] }),
      );
    }

    const requestParameters = Object.fromEntries([
      ...pathParameters.map((name) => [`method.request.path.${name}`, true]),
      ...(spec.query ?? []).map((name) => [`method.request.querystring.${name}`, false]),
    ]) as Record<string, boolean>;
    // API Gateway validates a body only against the model of its Content-Type and skips validation
    // for a type with no model; `$default` maps the same model to every other type, so no
    // Content-Type bypasses the check (the handler then refuses anything but application/json: 415).
    const model = spec.body === 'document' ? this.documentModel() : undefined;
    const authorizer = spec.authorizer === 'cognito' ? authorizers.cognito : authorizers.tenant;
    if (!authorizer)
      throw new Error(
        `ApiRoutes: route "${spec.route}" needs the ${spec.authorizer} authorizer, which was not created`,
      );
    const methodResource = restApi.api.root.resourceForPath(path).addMethod(method, this.integration(fn), {
      ...(spec.authorizer === 'cognito'
        ? { authorizer, authorizationType: apigw.AuthorizationType.COGNITO, authorizationScopes: [scope] }
        : { authorizer, authorizationType: apigw.AuthorizationType.CUSTOM }),
      ...(Object.keys(requestParameters).length > 0 ? { requestParameters } : {}),
      ...(model ? { requestModels: { 'application/json': model, $default: model } } : {}),
      requestValidator: model ? restApi.bodyValidator : restApi.parameterValidator,
    });
    if (spec.authorizer === 'tenant') {
      Validations.of(methodResource.node.defaultChild as IConstruct).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          "Uses the Lambda (tenant) authorizer on purpose: it verifies the same user-pool access token with aws-jwt-verify and also checks that {tenantId} equals the token's tenant_id claim, which a Cognito authorizer cannot express.",
      });
    }
    return fn;
  }

  /** Lambda proxy integration; no test-invoke permission (only the deployed stage may invoke). */
  private integration(fn: ReferenceFunction): apigw.LambdaIntegration {
    return new apigw.LambdaIntegration(fn.function, { proxy: true, allowTestInvoke: false });
  }

  /**
   * Grants `actions` on the table only for items whose partition key starts with `prefix`
   * (`dynamodb:LeadingKeys`), and names the table in TABLE_NAME. `Null: false` makes the condition
   * fail when a request carries no partition key at all (ForAllValues alone would then pass).
   */
  private allowTable(fn: ReferenceFunction, actions: readonly string[], prefix: string): void {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...actions],
        resources: [this.props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}*`] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      }),
    );
    fn.addEnvironment('TABLE_NAME', this.props.table.tableName);
  }

  /** JSON schema of a document body; the handler checks the same limits again with zod. */
  private documentModel(): apigw.Model {
    this.documentModelOnce ??= this.props.restApi.api.addModel('DocumentInput', {
      contentType: 'application/json',
      description: 'Body of PUT /documents/{id}',
      schema: {
        schema: apigw.JsonSchemaVersion.DRAFT4,
        title: 'DocumentInput',
        type: apigw.JsonSchemaType.OBJECT,
        required: ['title', 'body'],
        additionalProperties: false,
        properties: {
          title: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: DOCUMENT_LIMITS.titleMaxLength },
          body: { type: apigw.JsonSchemaType.STRING, maxLength: DOCUMENT_LIMITS.bodyMaxLength },
        },
      },
    });
    return this.documentModelOnce;
  }
}
