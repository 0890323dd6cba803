import { Duration, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, type IConstruct } from 'constructs';
import { DOCUMENT_LIMITS } from '../../lambda/api/limits';
import { KEY_PREFIX } from '../../lambda/shared/data-keys';
import type { StageConfig } from '../config/schema';
import { TENANT_PATH_PARAMETER, type ApiAuthorizers } from './api-authorizer';
import { ReferenceFunction } from './lambda-function';
import type { ReferenceRestApi } from './rest-api';

/** Full OAuth scope names (`<resource server>/<scope>`) each kind of route requires. */
export interface RouteScopes {
  readonly read: string;
  readonly write: string;
  readonly admin: string;
}

export interface ApiRoutesProps {
  readonly restApi: ReferenceRestApi;
  readonly authorizers: ApiAuthorizers;
  readonly scopes: RouteScopes;
  /** The protected table (documents per user under `USER#`, per tenant under `TENANT#`). */
  readonly table: dynamodb.ITable;
  /** The user pool `GET /admin/users` lists. */
  readonly userPool: cognito.IUserPool;
  /** Origins the handlers echo in `Access-Control-Allow-Origin`. @default - none */
  readonly allowedOrigins?: readonly string[];
  readonly functions: StageConfig['functions'];
}

/** Handlers that call AWS get more than the 5 s default: two SDK attempts plus a clean answer. */
const HANDLER_TIMEOUT = Duration.seconds(10);

/**
 * The routes, one function each with only the permissions its route needs:
 *
 * | Route                             | Authorizer      | Scope | Function may                          |
 * | --------------------------------- | --------------- | ----- | ------------------------------------- |
 * | GET /me                           | Cognito         | read  | nothing                               |
 * | GET /documents/{id}               | Cognito         | read  | GetItem on `USER#*` partitions        |
 * | PUT /documents/{id}               | Cognito         | write | PutItem on `USER#*` partitions        |
 * | GET /tenants/{tenantId}/documents | Lambda (tenant) | read  | Query on `TENANT#*` partitions        |
 * | GET /admin/users                  | Cognito         | admin | ListUsers on this pool                |
 */
export class ApiRoutes extends Construct {
  readonly me: ReferenceFunction;
  readonly getDocument: ReferenceFunction;
  readonly putDocument: ReferenceFunction;
  readonly tenantDocuments: ReferenceFunction;
  readonly adminUsers: ReferenceFunction;

  private readonly props: ApiRoutesProps;

  constructor(scope: Construct, id: string, props: ApiRoutesProps) {
    super(scope, id);
    this.props = props;
    const { restApi, authorizers, scopes } = props;
    const root = restApi.api.root;

    // GET /me
    this.me = this.handler('Me', 'me', 'GET /me: the caller as the verified access token describes them', scopes.read);
    root.addResource('me').addMethod('GET', this.integration(this.me), {
      ...this.cognito(scopes.read),
      requestValidator: restApi.parameterValidator,
    });

    // GET|PUT /documents/{id}
    const document = root.addResource('documents').addResource('{id}');
    const idParameter = { 'method.request.path.id': true };
    this.getDocument = this.handler(
      'GetDocument',
      'get-document',
      "GET /documents/{id}: the caller's document",
      scopes.read,
      HANDLER_TIMEOUT,
    );
    this.allowTable(this.getDocument, ['dynamodb:GetItem'], KEY_PREFIX.user);
    document.addMethod('GET', this.integration(this.getDocument), {
      ...this.cognito(scopes.read),
      requestParameters: idParameter,
      requestValidator: restApi.parameterValidator,
    });

    this.putDocument = this.handler(
      'PutDocument',
      'put-document',
      "PUT /documents/{id}: writes the caller's document",
      scopes.write,
      HANDLER_TIMEOUT,
    );
    this.allowTable(this.putDocument, ['dynamodb:PutItem'], KEY_PREFIX.user);
    // API Gateway validates a body only against the model of its Content-Type and skips validation
    // for a type with no model; `$default` maps the same model to every other type, so no
    // Content-Type bypasses the check (the handler then refuses anything but application/json: 415).
    const documentModel = this.documentModel();
    document.addMethod('PUT', this.integration(this.putDocument), {
      ...this.cognito(scopes.write),
      requestParameters: idParameter,
      requestModels: { 'application/json': documentModel, $default: documentModel },
      requestValidator: restApi.bodyValidator,
    });

    // GET /tenants/{tenantId}/documents (Lambda authorizer: the tenant must be the caller's)
    this.tenantDocuments = this.handler(
      'TenantDocuments',
      'tenant-documents',
      "GET /tenants/{tenantId}/documents: the caller's tenant's documents",
      scopes.read,
      HANDLER_TIMEOUT,
    );
    this.allowTable(this.tenantDocuments, ['dynamodb:Query'], KEY_PREFIX.tenant);
    const tenantMethod = root
      .addResource('tenants')
      .addResource(`{${TENANT_PATH_PARAMETER}}`)
      .addResource('documents')
      .addMethod('GET', this.integration(this.tenantDocuments), {
        authorizer: authorizers.tenant,
        authorizationType: apigw.AuthorizationType.CUSTOM,
        requestParameters: {
          [`method.request.path.${TENANT_PATH_PARAMETER}`]: true,
          'method.request.querystring.limit': false,
          'method.request.querystring.nextToken': false,
        },
        requestValidator: restApi.parameterValidator,
      });
    Validations.of(tenantMethod.node.defaultChild as IConstruct).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        "Uses the Lambda (tenant) authorizer on purpose: it verifies the same user-pool access token with aws-jwt-verify and also checks that {tenantId} equals the token's tenant_id claim, which a Cognito authorizer cannot express.",
    });

    // GET /admin/users
    this.adminUsers = this.handler(
      'AdminUsers',
      'admin-users',
      "GET /admin/users: lists the users of the caller's tenant (safe attributes only)",
      scopes.admin,
      HANDLER_TIMEOUT,
      {
        USER_POOL_ID: props.userPool.userPoolId,
      },
    );
    this.adminUsers.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['cognito-idp:ListUsers'], resources: [props.userPool.userPoolArn] }),
    );
    root
      .addResource('admin')
      .addResource('users')
      .addMethod('GET', this.integration(this.adminUsers), {
        ...this.cognito(scopes.admin),
        requestParameters: { 'method.request.querystring.limit': false, 'method.request.querystring.nextToken': false },
        requestValidator: restApi.parameterValidator,
      });
  }

  private handler(
    id: string,
    folder: string,
    description: string,
    requiredScope: string,
    timeout?: Duration,
    environment: Record<string, string> = {},
  ): ReferenceFunction {
    return new ReferenceFunction(this, id, {
      entry: `api/${folder}/handler.ts`,
      description,
      settings: this.props.functions,
      timeout,
      environment: {
        REQUIRED_SCOPE: requiredScope,
        ALLOWED_ORIGINS: (this.props.allowedOrigins ?? []).join(','),
        ...environment,
      },
    });
  }

  /** Lambda proxy integration; no test-invoke permission (only the deployed stage may invoke). */
  private integration(fn: ReferenceFunction): apigw.LambdaIntegration {
    return new apigw.LambdaIntegration(fn.function, { proxy: true, allowTestInvoke: false });
  }

  /** Cognito authorizer that accepts only access tokens carrying `scope`. */
  private cognito(scope: string): apigw.MethodOptions {
    return {
      authorizer: this.props.authorizers.cognito,
      authorizationType: apigw.AuthorizationType.COGNITO,
      authorizationScopes: [scope],
    };
  }

  /**
   * Grants `actions` on the table only for items whose partition key starts with `prefix`
   * (`dynamodb:LeadingKeys`), and names the table in TABLE_NAME. `Null: false` makes the condition
   * fail when a request carries no partition key at all (ForAllValues alone would then pass).
   */
  private allowTable(fn: ReferenceFunction, actions: string[], prefix: string): void {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions,
        resources: [this.props.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}*`] },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      }),
    );
    fn.addEnvironment('TABLE_NAME', this.props.table.tableName);
  }

  /** JSON schema of the PUT body; the handler checks the same limits again with zod. */
  private documentModel(): apigw.Model {
    return this.props.restApi.api.addModel('DocumentInput', {
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
  }
}
