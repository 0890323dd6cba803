import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { StageConfig } from '../config/schema';

export interface ReferenceRestApiProps {
  /** The `api` section of the stage config. */
  readonly settings: StageConfig['api'];
  /** Production stages keep their access logs when the stack is deleted. @default false */
  readonly production?: boolean;
  /** X-Ray tracing on the stage. @default false */
  readonly tracing?: boolean;
}

/**
 * One JSON line per request in the access log. Only facts API Gateway establishes about the
 * request: no request header (not even User-Agent, which the WAF logs keep in production), no
 * query string, no body, no token; the resource path is the route template (`/documents/{id}`),
 * not the path the client sent. The caller is identified by the `sub` / client id / principal the
 * authorizers verified.
 */
const ACCESS_LOG_FIELDS: Record<string, string> = {
  requestId: apigw.AccessLogField.contextRequestId(),
  requestTime: apigw.AccessLogField.contextRequestTime(),
  ip: apigw.AccessLogField.contextIdentitySourceIp(),
  httpMethod: apigw.AccessLogField.contextHttpMethod(),
  resourcePath: apigw.AccessLogField.contextResourcePath(),
  protocol: apigw.AccessLogField.contextProtocol(),
  status: apigw.AccessLogField.contextStatus(),
  responseLength: apigw.AccessLogField.contextResponseLength(),
  responseLatencyMs: apigw.AccessLogField.contextResponseLatency(),
  integrationLatencyMs: apigw.AccessLogField.contextIntegrationLatency(),
  sub: apigw.AccessLogField.contextAuthorizerClaims('sub'),
  clientId: apigw.AccessLogField.contextAuthorizerClaims('client_id'),
  principalId: apigw.AccessLogField.contextAuthorizerPrincipalId(),
  errorType: apigw.AccessLogField.contextErrorResponseType(),
  wafStatus: apigw.AccessLogField.contextWafResponseCode(),
  xrayTraceId: apigw.AccessLogField.contextXrayTraceId(),
};

/**
 * The REST API and its stage, set up the way docs/security.md asks: regional endpoint; stage-wide
 * throttling; JSON access logs to their own log group; execution logging at ERROR/INFO with data
 * trace only when the config allows it; no stage cache (responses are per user); CORS from an
 * origin allowlist, on preflight and on the DEFAULT_4XX / DEFAULT_5XX gateway responses; and two
 * request validators for methods to use. Routes are added by ApiRoutes.
 *
 * Execution logging needs the account-level CloudWatch role of API Gateway (one per account and
 * region). With `settings.cloudWatchRole` the API creates it and sets it in the account settings,
 * retained on stack deletion so other APIs of the account keep logging; otherwise the account
 * must already have one.
 */
export class ReferenceRestApi extends Construct {
  readonly api: apigw.RestApi;
  readonly accessLogs: logs.LogGroup;
  /** Validates the body against the method's model and the required parameters. */
  readonly bodyValidator: apigw.RequestValidator;
  /** Validates the required path / query / header parameters. */
  readonly parameterValidator: apigw.RequestValidator;

  constructor(scope: Construct, id: string, props: ReferenceRestApiProps) {
    super(scope, id);
    const { settings } = props;
    const [primaryOrigin] = settings.corsOrigins;

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    this.api = new apigw.RestApi(this, 'Api', {
      description: 'Reference API protected by Cognito (user pool authorizer with scopes, tenant authorizer)',
      endpointConfiguration: { types: [apigw.EndpointType.REGIONAL] },
      cloudWatchRole: settings.cloudWatchRole,
      // The role is the account's setting, shared by every API of the account and region: deleting
      // it with this stack would break their logging, so it stays.
      ...(settings.cloudWatchRole ? { cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN } : {}),
      deployOptions: {
        stageName: settings.stageName,
        throttlingRateLimit: settings.throttling.rateLimit,
        throttlingBurstLimit: settings.throttling.burstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
        loggingLevel: apigw.MethodLoggingLevel[settings.executionLogLevel],
        dataTraceEnabled: settings.dataTrace,
        metricsEnabled: true,
        tracingEnabled: props.tracing ?? false,
        // Responses are per user: a stage cache keyed by path would serve one user's data to another.
        cacheClusterEnabled: false,
        cachingEnabled: false,
      },
      ...(primaryOrigin
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: settings.corsOrigins,
              allowMethods: ['GET', 'PUT', 'OPTIONS'],
              allowHeaders: ['Authorization', 'Content-Type'],
              allowCredentials: false,
            },
          }
        : {}),
    });

    // Errors API Gateway answers itself (authorizer 401/403, validation 400, throttling 429, WAF,
    // 5XX) also need CORS headers, or the browser hides them from the app. A gateway response can
    // only carry a fixed value, so it names the primary (first) origin.
    if (primaryOrigin) {
      for (const [name, type] of [
        ['Default4xx', apigw.ResponseType.DEFAULT_4XX],
        ['Default5xx', apigw.ResponseType.DEFAULT_5XX],
      ] as const) {
        this.api.addGatewayResponse(name, {
          type,
          responseHeaders: {
            'Access-Control-Allow-Origin': `'${primaryOrigin}'`,
            Vary: "'Origin'",
          },
        });
      }
    }

    this.bodyValidator = this.api.addRequestValidator('BodyAndParameters', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    this.parameterValidator = this.api.addRequestValidator('Parameters', {
      validateRequestBody: false,
      validateRequestParameters: true,
    });

    this.acknowledgeCloudWatchRole();
  }

  /** The stage every route is deployed to. */
  get stage(): apigw.Stage {
    return this.api.deploymentStage;
  }

  private acknowledgeCloudWatchRole(): void {
    const role = this.api.node.tryFindChild('CloudWatchRole')?.node.defaultChild;
    if (!role) return;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'The account-level role API Gateway uses to write execution and access logs of every API in this account and region; AWS maintains exactly this managed policy for it (log groups are created by API Gateway with generated names).',
    });
  }
}
