import { DOCUMENT_LIMITS } from '../lambda/contract';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { parseAuthorizerRules } from '../lambda/api/authorizer/decide';
import { ConfigError, parseStageConfig } from '../lib/config/load';
import { tenantRouteGroups, type StageConfig } from '../lib/config/schema';
import { ROUTES, routeScopes, splitRoute } from '../lib/constructs/api-routes';
import { SHIPPED_STAGES, stageInput, synthInput, synthShipped, synthStage } from './helpers/app';
import { LAMBDA_RUNTIME } from '../lib/constructs/lambda-function';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[]; DeletionPolicy?: string };
type Resources = Record<string, Resource>;
interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Condition?: unknown;
}

// The shipped stages; what each must show is computed from its config and the route table.
const shipped = SHIPPED_STAGES.map((stage) => [stage, synthShipped(stage)] as const);

/**
 * Every route of the route table as the template must show it: method + path, authorizer type,
 * and (Cognito authorizer) the scope its config entry names. The tenant authorizer checks the
 * scope itself (its rules are checked below).
 */
function expectedRoutes(config: StageConfig) {
  const scopes = routeScopes(ROUTES, config);
  return ROUTES.map((spec) => {
    const [method, path] = splitRoute(spec.route);
    const cognito = spec.authorizer === 'cognito';
    return {
      method,
      path,
      auth: cognito ? 'COGNITO_USER_POOLS' : 'CUSTOM',
      scopes: cognito ? [scopes[spec.route]!] : undefined,
    };
  });
}

/** Full path of every API Gateway resource, by logical id (the root has no resource). */
function resourcePaths(template: Template): Map<string, string> {
  const resources = template.findResources('AWS::ApiGateway::Resource') as Resources;
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const cached = paths.get(id);
    if (cached) return cached;
    const props = resources[id]!.Properties;
    const parent = props.ParentId as { Ref?: string };
    const parentPath = parent.Ref ? pathOf(parent.Ref) : '';
    const path = `${parentPath}/${String(props.PathPart)}`;
    paths.set(id, path);
    return path;
  };
  Object.keys(resources).forEach(pathOf);
  return paths;
}

interface MethodRow {
  id: string;
  method: string;
  path: string;
  props: Record<string, unknown>;
}

function methods(template: Template): MethodRow[] {
  const paths = resourcePaths(template);
  return Object.entries(template.findResources('AWS::ApiGateway::Method') as Resources).map(([id, r]) => {
    const resourceId = r.Properties.ResourceId as { Ref?: string; 'Fn::GetAtt'?: string[] };
    return {
      id,
      method: String(r.Properties.HttpMethod),
      path: resourceId.Ref ? paths.get(resourceId.Ref)! : '/',
      props: r.Properties,
    };
  });
}

function logicalIdOf(template: Template, type: string, props: Record<string, unknown>): string {
  const [id] = Object.keys(template.findResources(type, { Properties: props }));
  if (!id) throw new Error(`no ${type} with ${JSON.stringify(props)}`);
  return id;
}

function statementsFor(template: Template, functionPath: string): Statement[] {
  const functions = template.findResources('AWS::Lambda::Function') as Resources;
  const [, fn] = Object.entries(functions).find(([id]) => id.startsWith(functionPath)) ?? [];
  if (!fn) throw new Error(`no function ${functionPath}`);
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const role = (template.findResources('AWS::IAM::Role') as Resources)[roleId]!;
  expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  expect(role.Properties.Policies).toBeUndefined();
  return Object.values(template.findResources('AWS::IAM::Policy') as Resources)
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** Statements other than the ones every ReferenceFunction has (own log group, X-Ray). */
function ownStatements(template: Template, functionPath: string): Statement[] {
  return statementsFor(template, functionPath).filter((s) => {
    const actions = ([] as string[]).concat(s.Action);
    return !actions.every((a) => a.startsWith('logs:') || a.startsWith('xray:'));
  });
}

/** Cross-stack references, as CDK assertions (`Match`) and as jest matchers. */
const poolArn = { 'Fn::GetStackOutput': Match.objectLike({ StackName: Match.stringLikeRegexp('-Auth$') }) };
const fromStack = (suffix: string, output: RegExp) => ({
  'Fn::GetStackOutput': expect.objectContaining({
    StackName: expect.stringMatching(new RegExp(`${suffix}$`)) as unknown,
    OutputName: expect.stringMatching(output) as unknown,
  }) as unknown,
});
const tableArnRef = fromStack('-Data', /Table.*Arn/);
const poolArnRef = fromStack('-Auth', /UserPool.*Arn/);

describe.each(shipped)('API stack (%s)', (_stage, synthesized) => {
  const api = synthesized.templates.api;
  const { config } = synthesized;
  const rows = methods(api);
  const cognitoAuthorizer = logicalIdOf(api, 'AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
  const tenantAuthorizer = logicalIdOf(api, 'AWS::ApiGateway::Authorizer', { Type: 'REQUEST' });
  const expected = expectedRoutes(config);
  const scopes = routeScopes(ROUTES, config);

  it('protects every non-OPTIONS method with the Cognito or the tenant (Lambda) authorizer', () => {
    const protectedMethods = rows.filter((m) => m.method !== 'OPTIONS');
    expect(protectedMethods.length).toBe(expected.length);
    for (const m of protectedMethods) {
      expect(['COGNITO_USER_POOLS', 'CUSTOM']).toContain(m.props.AuthorizationType);
      const authorizer = m.props.AuthorizationType === 'CUSTOM' ? tenantAuthorizer : cognitoAuthorizer;
      expect(m.props.AuthorizerId).toEqual({ Ref: authorizer });
    }
  });

  it.each(expected)('$method $path: $auth with scopes $scopes', (route) => {
    const m = rows.find((r) => r.method === route.method && r.path === route.path);
    expect(m).toBeDefined();
    expect(m!.props.AuthorizationType).toBe(route.auth);
    expect(m!.props.AuthorizationScopes).toEqual(route.scopes);
  });

  it('requires an OAuth scope (so an access token) on every Cognito-authorized method', () => {
    for (const m of rows.filter((r) => r.props.AuthorizationType === 'COGNITO_USER_POOLS')) {
      expect((m.props.AuthorizationScopes as string[]).length).toBeGreaterThan(0);
      const serverScopes = config.resourceServer.scopes.map(
        (scope) => `${config.resourceServer.identifier}/${scope.name}`,
      );
      for (const scope of m.props.AuthorizationScopes as string[]) expect(serverScopes).toContain(scope);
    }
  });

  it('leaves only CORS preflight methods (MOCK, 204) without authorization', () => {
    for (const m of rows.filter((r) => r.props.AuthorizationType === 'NONE' || !r.props.AuthorizationType)) {
      expect(m.method).toBe('OPTIONS');
      expect(m.props.Integration).toMatchObject({ Type: 'MOCK' });
    }
  });

  it('validates parameters on every method and the body of PUT /documents/{id} against the model', () => {
    const validators = api.findResources('AWS::ApiGateway::RequestValidator') as Resources;
    const bodyValidator = Object.entries(validators).find(
      ([, v]) => v.Properties.ValidateRequestBody === true && v.Properties.ValidateRequestParameters === true,
    )?.[0];
    const parameterValidator = Object.entries(validators).find(
      ([, v]) => v.Properties.ValidateRequestBody === false && v.Properties.ValidateRequestParameters === true,
    )?.[0];
    expect(bodyValidator).toBeDefined();
    expect(parameterValidator).toBeDefined();
    for (const m of rows.filter((r) => r.method !== 'OPTIONS')) {
      const expected = m.method === 'PUT' ? bodyValidator : parameterValidator;
      expect(m.props.RequestValidatorId).toEqual({ Ref: expected });
    }
    const put = rows.find((r) => r.method === 'PUT')!;
    expect(put.props.RequestParameters).toEqual({ 'method.request.path.id': true });
    // The same model for application/json and for every other Content-Type ($default): a request
    // cannot skip body validation by sending another type.
    const models = put.props.RequestModels as Record<string, { Ref: string }>;
    expect(Object.keys(models).sort()).toEqual(['$default', 'application/json']);
    const modelId = models['application/json']!.Ref;
    expect(models.$default).toEqual({ Ref: modelId });
    const model = (api.findResources('AWS::ApiGateway::Model') as Resources)[modelId]!;
    expect(model.Properties.Schema).toEqual({
      $schema: 'http://json-schema.org/draft-04/schema#',
      title: 'DocumentInput',
      type: 'object',
      required: ['title', 'body'],
      additionalProperties: false,
      properties: {
        title: { type: 'string', minLength: 1, maxLength: DOCUMENT_LIMITS.titleMaxLength },
        body: { type: 'string', maxLength: DOCUMENT_LIMITS.bodyMaxLength },
      },
    });
    const tenant = rows.find((r) => r.path === '/tenants/{tenantId}/documents' && r.method === 'GET')!;
    expect(tenant.props.RequestParameters).toMatchObject({ 'method.request.path.tenantId': true });
  });

  it('throttles the stage, keeps caching off, and logs without data trace in production', () => {
    expect(config.production ? config.api.dataTrace : false).toBe(false);
    api.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: config.api.stageName,
      CacheClusterEnabled: false,
      TracingEnabled: config.functions.tracing,
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: config.api.throttling.rateLimit,
          ThrottlingBurstLimit: config.api.throttling.burstLimit,
          CachingEnabled: false,
          DataTraceEnabled: config.api.dataTrace,
          LoggingLevel: config.api.executionLogLevel,
          MetricsEnabled: true,
        },
      ],
    });
  });

  it('writes JSON access logs to their own log group, with no header or token field', () => {
    const stageResource = Object.values(api.findResources('AWS::ApiGateway::Stage') as Resources)[0]!;
    const setting = stageResource.Properties.AccessLogSetting as { DestinationArn: unknown; Format: string };
    const fields = JSON.parse(setting.Format) as Record<string, string>;
    // Exactly these fields (docs/api.md lists them): nothing a client writes into a header, the
    // query string or the body; resourcePath is the route template, not the requested path.
    expect(fields).toEqual({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      ip: '$context.identity.sourceIp',
      httpMethod: '$context.httpMethod',
      resourcePath: '$context.resourcePath',
      protocol: '$context.protocol',
      status: '$context.status',
      responseLength: '$context.responseLength',
      responseLatencyMs: '$context.responseLatency',
      integrationLatencyMs: '$context.integrationLatency',
      sub: '$context.authorizer.claims.sub',
      clientId: '$context.authorizer.claims.client_id',
      principalId: '$context.authorizer.principalId',
      errorType: '$context.error.responseType',
      wafStatus: '$context.wafResponseCode',
      xrayTraceId: '$context.xrayTraceId',
    });
    expect(setting.Format).not.toMatch(/header|Authorization|cookie|userAgent|input\.|querystring|requestOverride/i);
    const logGroupId = logicalIdOf(api, 'AWS::Logs::LogGroup', { RetentionInDays: config.api.logRetentionDays });
    expect(JSON.stringify(setting.DestinationArn)).toContain(logGroupId);
  });

  it('caches authorizer decisions briefly: Cognito by token, tenant by token + path + method', () => {
    api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: config.api.authorizerCacheTtlSeconds,
      ProviderARNs: [poolArn],
    });
    api.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization,context.path,context.httpMethod',
      AuthorizerResultTtlInSeconds: config.api.authorizerCacheTtlSeconds,
    });
  });

  it('configures the tenant authorizer with every user-facing client, the pool and the rules from config', () => {
    const authorizer = Object.values(api.findResources('AWS::Lambda::Function') as Resources).find((fn) =>
      String(fn.Properties.Description).includes('Lambda authorizer'),
    );
    const clientIds = JSON.stringify(
      (authorizer!.Properties.Environment as { Variables: { CLIENT_IDS: unknown } }).Variables.CLIENT_IDS,
    );
    // web, rules (identity-pool rules mapping) and, when enabled, passwordless; never the machine client
    const userClients =
      1 + (config.identityPool.rules.length > 0 ? 1 : 0) + (config.passwordless.customChallenge.enabled ? 1 : 0);
    expect(clientIds.match(/Fn::GetStackOutput/g)).toHaveLength(userClients);
    api.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('Lambda authorizer'),
      Timeout: Match.anyValue(),
      Environment: {
        Variables: {
          USER_POOL_ID: { 'Fn::GetStackOutput': Match.objectLike({ StackName: Match.stringLikeRegexp('-Auth$') }) },
          CLIENT_IDS: Match.anyValue(),
          AUTHORIZER_RULES: JSON.stringify({
            scopesByRoute: Object.fromEntries(
              ROUTES.filter((r) => r.authorizer === 'tenant').map((r) => [r.route, [scopes[r.route]]]),
            ),
            allowedGroups: tenantRouteGroups(config),
            tenantParameter: 'tenantId',
            machineRoutes: tenantMachineRoutes,
          }),
        },
      },
    });
  });

  // Machine callers: only the routes whose api.routes entry says machines: true.
  const tenantMachineRoutes = ROUTES.filter(
    (r) => r.authorizer === 'tenant' && config.api.routes[r.route]?.machines,
  ).map((r) => r.route);
  const enabledMachines = config.machineClients.filter((m) => m.enabled);

  it('passes the machine client ids to the tenant authorizer only when a tenant route accepts machines', () => {
    const authorizer = Object.values(api.findResources('AWS::Lambda::Function') as Resources).find((fn) =>
      String(fn.Properties.Description).includes('Lambda authorizer'),
    );
    const variables = (authorizer!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    if (tenantMachineRoutes.length === 0 || enabledMachines.length === 0) {
      expect(variables.MACHINE_CLIENT_IDS).toBeUndefined();
      return;
    }
    const ids = JSON.stringify(variables.MACHINE_CLIENT_IDS);
    expect(ids.match(/Fn::GetStackOutput/g)).toHaveLength(enabledMachines.length);
    // The user client list stays users only.
    expect(JSON.stringify(variables.CLIENT_IDS)).not.toMatch(/MachineClient/);
  });

  it('tells exactly the handlers of routes that accept machines to accept them (MACHINE_CALLERS)', () => {
    const functions = Object.values(api.findResources('AWS::Lambda::Function') as Resources);
    for (const spec of ROUTES) {
      const fn = functions.find((f) => String(f.Properties.Description).startsWith(`${spec.route}:`));
      const variables = (fn!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.MACHINE_CALLERS).toBe(config.api.routes[spec.route]?.machines ? 'accept' : undefined);
    }
  });

  it('runs the authorizer within 5 s and the handlers within 10 s, Node.js 24 on arm64', () => {
    const functions = api.findResources('AWS::Lambda::Function') as Resources;
    expect(Object.keys(functions)).toHaveLength(6);
    for (const [id, fn] of Object.entries(functions)) {
      expect(fn.Properties).toMatchObject({ Runtime: LAMBDA_RUNTIME.name, Architectures: ['arm64'] });
      expect(fn.Properties.Timeout).toBeLessThanOrEqual(id.startsWith('Authorizers') ? 5 : 10);
    }
  });

  it('lets API Gateway invoke each function only from this API (no test-invoke, no other API)', () => {
    const permissions = Object.values(api.findResources('AWS::Lambda::Permission') as Resources);
    expect(permissions).toHaveLength(ROUTES.length + 1);
    for (const p of permissions) {
      expect(p.Properties.Principal).toBe('apigateway.amazonaws.com');
      const arn = JSON.stringify(p.Properties.SourceArn);
      expect(arn).toContain('{"Ref":"RestApi');
      expect(arn).not.toContain('test-invoke-stage');
      expect(arn).toMatch(/\/authorizers\/|\{"Ref":"RestApiDeploymentStage/);
    }
  });

  it('gives each handler only what its route needs (least privilege, LeadingKeys per partition kind)', () => {
    const leading = (prefix: string) => ({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}*`] },
      Null: { 'dynamodb:LeadingKeys': 'false' },
    });
    const cases: [string, Statement[]][] = [
      ['RoutesMe', []],
      ['Authorizers', []],
      [
        'RoutesGetDocument',
        [
          {
            Action: 'dynamodb:GetItem',
            Effect: 'Allow',
            Resource: tableArnRef,
            Condition: leading('USER#'),
          },
        ],
      ],
      [
        'RoutesPutDocument',
        [
          {
            Action: 'dynamodb:PutItem',
            Effect: 'Allow',
            Resource: tableArnRef,
            Condition: leading('USER#'),
          },
        ],
      ],
      [
        'RoutesTenantDocuments',
        [
          {
            Action: 'dynamodb:Query',
            Effect: 'Allow',
            Resource: tableArnRef,
            Condition: leading('TENANT#'),
          },
        ],
      ],
      ['RoutesAdminUsers', [{ Action: 'cognito-idp:ListUsers', Effect: 'Allow', Resource: poolArnRef }]],
    ];
    for (const [fn, expected] of cases) {
      expect(ownStatements(api, fn)).toEqual(expected);
    }
  });

  it('never grants Scan, PartiQL, dynamodb:* or Resource "*" outside X-Ray', () => {
    for (const fn of ['Routes', 'Authorizers']) {
      for (const s of Object.keys(api.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith(fn))) {
        for (const statement of statementsFor(api, s)) {
          const actions = ([] as string[]).concat(statement.Action);
          expect(actions.filter((a) => /Scan|PartiQL|dynamodb:\*|BatchWrite|DeleteItem/.test(a))).toEqual([]);
          if (statement.Resource === '*') expect(actions.every((a) => a.startsWith('xray:'))).toBe(true);
        }
      }
    }
  });

  it('sets CORS from the allowlist on preflight and on DEFAULT_4XX / DEFAULT_5XX gateway responses', () => {
    const origin = config.api.corsOrigins[0]!;
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      api.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: {
          'gatewayresponse.header.Access-Control-Allow-Origin': `'${origin}'`,
          'gatewayresponse.header.Vary': "'Origin'",
        },
      });
    }
    for (const m of rows.filter((r) => r.method === 'OPTIONS')) {
      const integration = JSON.stringify(m.props.Integration);
      expect(integration).toContain(`'${origin}'`);
      expect(integration).not.toContain("'*'");
    }
  });

  it('passes the allowed origins and the required scope to every handler', () => {
    const functions = api.findResources('AWS::Lambda::Function') as Resources;
    for (const [id, fn] of Object.entries(functions)) {
      if (!id.startsWith('Routes')) continue;
      const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables.ALLOWED_ORIGINS).toBe(config.api.corsOrigins.join(','));
      expect(variables.REQUIRED_SCOPE).toMatch(/^api\/(read|write|admin)$/);
    }
  });

  it('creates the account CloudWatch role for execution logs and retains it with the account setting', () => {
    const account = Object.values(api.findResources('AWS::ApiGateway::Account') as Resources);
    expect(account).toHaveLength(1);
    expect(account[0]!.DeletionPolicy).toBe('Retain');
    api.hasResource('AWS::IAM::Role', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
        }),
      }),
    });
  });

  it('outputs the API URL', () => {
    api.hasOutput('ApiUrl', { Value: Match.anyValue() });
  });
});

describe.each(shipped)('WAF (%s)', (_stage, { templates, config, stacks }) => {
  const api = templates.api;
  const { waf } = config.api;
  const withWaf = waf.enabled ? it : it.skip;

  (waf.enabled ? it.skip : it)(
    'is off as configured (no web ACL; the missing association is an acknowledged finding)',
    () => {
      api.resourceCountIs('AWS::WAFv2::WebACL', 0);
      api.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    },
  );

  withWaf('puts a web ACL with managed rule groups and a per-IP rate limit in front of the stage', () => {
    api.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: [
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesAmazonIpReputationList' },
          },
        }),
        Match.objectLike({
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
        }),
        Match.objectLike({
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesKnownBadInputsRuleSet' } },
        }),
        Match.objectLike({
          Action: { Block: {} },
          Statement: {
            RateBasedStatement: {
              AggregateKeyType: 'IP',
              Limit: waf.rateLimit,
              EvaluationWindowSec: 300,
            },
          },
        }),
      ],
    });
  });

  withWaf('associates the web ACL with the API stage and, as configured, the user pool', () => {
    const webAcl = logicalIdOf(api, 'AWS::WAFv2::WebACL', { Scope: 'REGIONAL' });
    const stage = Object.keys(api.findResources('AWS::ApiGateway::Stage'))[0]!;
    api.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [webAcl, 'Arn'] },
      ResourceArn: { 'Fn::Join': ['', Match.arrayWith([':apigateway:', { Ref: stage }])] },
    });
    if (waf.associateUserPool) {
      api.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        WebACLArn: { 'Fn::GetAtt': [webAcl, 'Arn'] },
        ResourceArn: poolArn,
      });
    }
    api.resourceCountIs('AWS::WAFv2::WebACLAssociation', waf.associateUserPool ? 2 : 1);
  });

  withWaf('makes every association depend on the web ACL explicitly (Cognito WAF guide)', () => {
    const webAcl = logicalIdOf(api, 'AWS::WAFv2::WebACL', { Scope: 'REGIONAL' });
    const associations = Object.values(api.findResources('AWS::WAFv2::WebACLAssociation'));
    expect(associations).toHaveLength(waf.associateUserPool ? 2 : 1);
    for (const association of associations) expect(association.DependsOn).toContain(webAcl);
  });

  withWaf(
    'names the WAF log group per stack instance, so a re-created stack does not collide with a retained one',
    () => {
      // aws-waf-logs-<stack name>-<UUID of the stack id>: WAF needs the prefix, the UUID is new for
      // every stack creation while a retained log group of an earlier one may still exist.
      const uniqueName = {
        'Fn::Join': [
          '-',
          [
            `aws-waf-logs-${stacks.api.stackName}`,
            { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] },
          ],
        ],
      };
      const groups = api.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: uniqueName } });
      expect(Object.values(groups)).toHaveLength(1);
      expect(Object.values(groups)[0]?.DeletionPolicy).toBe(config.production ? 'Retain' : 'Delete');
      expect(JSON.stringify(api.findResources('AWS::WAFv2::LoggingConfiguration'))).toContain(
        JSON.stringify(uniqueName),
      );
    },
  );

  withWaf('logs WAF decisions with the Authorization and Cookie headers redacted', () => {
    api.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'cookie' } }],
      LogDestinationConfigs: [{ 'Fn::Join': ['', Match.arrayWith([':log-group:'])] }],
    });
  });
});

describe('API variants from config', () => {
  // Only the first group may call the tenant routes.
  const variant = synthStage('dev', {
    groups: stageInput('dev').groups.map((group, index) => ({ ...group, tenantRoutes: index === 0 })),
    api: {
      corsOrigins: [],
      cloudWatchRole: false,
      authorizerCacheTtlSeconds: 0,
      waf: { enabled: true, associateUserPool: false },
    },
  });
  const [onlyTenantGroup] = variant.config.groups;
  const api = variant.templates.api;

  it('associates WAF with the stage only when the config leaves the user pool out', () => {
    api.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    api.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { 'Fn::Join': ['', Match.arrayWith([':apigateway:'])] },
    });
  });

  it('has no CORS at all (no preflight, no gateway-response origin) without origins', () => {
    expect(methods(api).filter((m) => m.method === 'OPTIONS')).toEqual([]);
    api.resourceCountIs('AWS::ApiGateway::GatewayResponse', 0);
  });

  it('uses the account CloudWatch role already in place when cloudWatchRole is false', () => {
    api.resourceCountIs('AWS::ApiGateway::Account', 0);
    api.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
        }),
      },
      0,
    );
  });

  it('admits only the groups with tenantRoutes and turns authorizer caching off with TTL 0', () => {
    const rules = parseAuthorizerRules(
      JSON.parse(variant.stacks.api.authorizers.tenantFunction!.environment.AUTHORIZER_RULES!),
    );
    expect(rules.allowedGroups).toEqual([onlyTenantGroup!.name]);
    api.allResourcesProperties('AWS::ApiGateway::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
  });
});

describe('authorization matrix of the API functions (IAM policies evaluated offline)', () => {
  const ACCOUNT = '123456789012';
  const TABLE_ARN = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/ProtectedTable`;
  const POOL_ARN = `arn:aws:cognito-idp:eu-west-1:${ACCOUNT}:userpool/eu-west-1_EXAMPLE1`;
  // The grants come from the route table, the same in every stage.
  const api = shipped[0]![1].templates.api;

  /** The function's policy as IAM sees it once CloudFormation resolved the cross-stack ARNs. */
  function resolveArn(resource: unknown): string {
    if (typeof resource === 'string') return resource;
    const output = (resource as { 'Fn::GetStackOutput'?: { OutputName: string } })['Fn::GetStackOutput'];
    if (output?.OutputName.includes('Table')) return TABLE_ARN;
    if (output?.OutputName.includes('UserPool')) return POOL_ARN;
    const [logicalId] = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'] ?? [];
    if (logicalId) return `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${logicalId}:*`;
    throw new Error(`cannot resolve ${JSON.stringify(resource)}`);
  }

  function policyOf(functionPath: string) {
    const statements = statementsFor(api, functionPath).map((s) => ({ ...s, Resource: resolveArn(s.Resource) }));
    return { Version: '2012-10-17', Statement: statements };
  }

  async function decision(functionPath: string, action: string, resource: string, leadingKeys?: string[]) {
    const result = await runSimulation(
      {
        identityPolicies: [{ name: 'function', policy: policyOf(functionPath) }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action,
          principal: `arn:aws:iam::${ACCOUNT}:role/${functionPath}`,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: leadingKeys ? { 'dynamodb:LeadingKeys': leadingKeys } : {},
        },
      },
      {},
    );
    if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
    return result.overallResult;
  }

  const SUB_A = 'USER#a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809';
  it.each([
    ['RoutesGetDocument', 'dynamodb:GetItem', [SUB_A], 'Allowed'],
    ['RoutesGetDocument', 'dynamodb:GetItem', ['TENANT#acme'], 'ImplicitlyDenied'],
    ['RoutesGetDocument', 'dynamodb:GetItem', ['IDENTITY#eu-west-1:1234'], 'ImplicitlyDenied'],
    ['RoutesGetDocument', 'dynamodb:GetItem', undefined, 'ImplicitlyDenied'],
    ['RoutesGetDocument', 'dynamodb:PutItem', [SUB_A], 'ImplicitlyDenied'],
    ['RoutesGetDocument', 'dynamodb:Query', [SUB_A], 'ImplicitlyDenied'],
    ['RoutesGetDocument', 'dynamodb:Scan', undefined, 'ImplicitlyDenied'],
    ['RoutesPutDocument', 'dynamodb:PutItem', [SUB_A], 'Allowed'],
    ['RoutesPutDocument', 'dynamodb:PutItem', ['TENANT#acme'], 'ImplicitlyDenied'],
    ['RoutesPutDocument', 'dynamodb:DeleteItem', [SUB_A], 'ImplicitlyDenied'],
    ['RoutesPutDocument', 'dynamodb:GetItem', [SUB_A], 'ImplicitlyDenied'],
    ['RoutesTenantDocuments', 'dynamodb:Query', ['TENANT#acme'], 'Allowed'],
    ['RoutesTenantDocuments', 'dynamodb:Query', [SUB_A], 'ImplicitlyDenied'],
    ['RoutesTenantDocuments', 'dynamodb:Query', undefined, 'ImplicitlyDenied'],
    ['RoutesTenantDocuments', 'dynamodb:PutItem', ['TENANT#acme'], 'ImplicitlyDenied'],
    ['RoutesTenantDocuments', 'dynamodb:Scan', undefined, 'ImplicitlyDenied'],
    ['RoutesMe', 'dynamodb:GetItem', [SUB_A], 'ImplicitlyDenied'],
    ['RoutesAdminUsers', 'dynamodb:GetItem', [SUB_A], 'ImplicitlyDenied'],
    ['Authorizers', 'dynamodb:GetItem', [SUB_A], 'ImplicitlyDenied'],
  ])('%s: %s on %j is %s', async (fn, action, keys, expected) => {
    expect(await decision(fn, action, TABLE_ARN, keys)).toBe(expected);
  });

  it.each([
    ['RoutesAdminUsers', 'cognito-idp:ListUsers', POOL_ARN, 'Allowed'],
    ['RoutesAdminUsers', 'cognito-idp:ListUsers', POOL_ARN.replace('EXAMPLE1', 'OTHERPOOL'), 'ImplicitlyDenied'],
    ['RoutesAdminUsers', 'cognito-idp:AdminGetUser', POOL_ARN, 'ImplicitlyDenied'],
    ['RoutesAdminUsers', 'cognito-idp:AdminAddUserToGroup', POOL_ARN, 'ImplicitlyDenied'],
    ['RoutesMe', 'cognito-idp:ListUsers', POOL_ARN, 'ImplicitlyDenied'],
  ])('%s: %s on %s is %s', async (fn, action, resource, expected) => {
    expect(await decision(fn, action, resource)).toBe(expected);
  });
});

describe('route table vs. api.routes', () => {
  const config = parseStageConfig(stageInput('dev'), 'test');

  it('gives every route the full name of the scope its config entry names', () => {
    const scopes = routeScopes(ROUTES, config);
    for (const { route } of ROUTES) {
      expect(scopes[route]).toBe(`${config.resourceServer.identifier}/${config.api.routes[route]!.scope}`);
    }
  });

  it('refuses a route without an entry and an entry without a route, naming both', () => {
    const { 'GET /me': _me, ...withoutMe } = config.api.routes;
    const broken = {
      ...config,
      api: { ...config.api, routes: { ...withoutMe, 'GET /mee': { scope: 'read', machines: false } } },
    };
    expect(() => routeScopes(ROUTES, broken)).toThrow(ConfigError);
    expect(() => routeScopes(ROUTES, broken)).toThrow(
      /api\.routes: got no entry for "GET \/me"; every route of the route table needs \{ scope \}[\s\S]*api\.routes\["GET \/mee"\]: not a route of the route table/,
    );
  });
});

describe('a route table without tenant routes (a fork that removed them)', () => {
  const routes = ROUTES.filter((route) => route.authorizer !== 'tenant');
  const input = stageInput('dev');
  const { templates, stacks } = synthInput(
    {
      ...input,
      api: { ...input.api, routes: Object.fromEntries(routes.map((r) => [r.route, input.api.routes[r.route]!])) },
    },
    { routes },
  );

  it('synthesizes with the Cognito authorizer only: no tenant authorizer, no function for it', () => {
    templates.api.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    templates.api.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'COGNITO_USER_POOLS' });
    expect(stacks.api.authorizers.tenantFunction).toBeUndefined();
    expect(Object.keys(stacks.api.routes.functions).sort()).toEqual(routes.map((r) => r.route).sort());
  });
});
