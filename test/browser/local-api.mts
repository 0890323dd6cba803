import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Handler } from 'aws-lambda';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { AuthorizerRules } from '../../lambda/contract.js';
import { authorize, createVerifier, Unauthorized } from '../../lambda/api/authorizer/authorize.js';
import { splitRoute, type RouteSpec } from '../../lib/constructs/api-routes.js';

/**
 * The project's API handlers (lambda/api/*) behind a local stand-in for API Gateway, for the
 * browser test. What runs for real: every route handler, and the tenant Lambda authorizer's
 * verification and decision (`authorize` from lambda/api/authorizer/authorize.ts, the function its
 * Lambda entry calls), with the local provider's JWKS given to the verifier through cacheJwks.
 * What is stood in for: the REST API's Cognito user pools authorizer, which cannot run outside AWS.
 * Here it is aws-jwt-verify's CognitoJwtVerifier (signature, issuer, expiry, token_use=access,
 * client id) plus the route's required scope, answering 401 as API Gateway does, and passing the
 * claims to the handler as strings in `requestContext.authorizer.claims`. Routing, CORS preflight
 * and the gateway's 401/403 answers follow the REST API's behaviour, with CORS headers on them as
 * the project's DEFAULT_4XX gateway responses add.
 */

export interface LocalApiOptions {
  readonly userPoolId: string;
  readonly clientIds: readonly string[];
  readonly jwks: { keys: Record<string, unknown>[] };
  readonly routes: readonly RouteSpec[];
  /** Full scope per route (routeScopes of the stage config). */
  readonly scopes: Readonly<Record<string, string>>;
  readonly tenantRules: AuthorizerRules;
  readonly allowedOrigins: readonly string[];
  /** Environment the handlers read at load (TABLE_NAME, the DynamoDB endpoint...). */
  readonly env: Readonly<Record<string, string>>;
}

export interface LocalApi {
  readonly url: string;
  close(): Promise<void>;
}

interface LoadedRoute {
  readonly spec: RouteSpec;
  readonly method: string;
  readonly pattern: RegExp;
  readonly parameters: string[];
  readonly handler: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;
}

const ACCOUNT = '123456789012';
const API_ID = 'localapi';
const STAGE = 'local';

export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  Object.assign(process.env, options.env, {
    ALLOWED_ORIGINS: options.allowedOrigins.join(','),
    USER_POOL_ID: options.userPoolId,
    CLIENT_IDS: options.clientIds.join(','),
  });
  // Each handler reads REQUIRED_SCOPE once, at load: load them one at a time with their own.
  const loaded: LoadedRoute[] = [];
  for (const spec of options.routes) {
    process.env.REQUIRED_SCOPE = options.scopes[spec.route];
    const module = (await import(`../../lambda/api/${spec.handler}/handler.ts`)) as {
      handler: LoadedRoute['handler'];
    };
    const [method, path] = splitRoute(spec.route);
    const parameters: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        parameters.push(name);
        return '([^/]+)';
      })}$`,
    );
    loaded.push({ spec, method, pattern, parameters, handler: module.handler });
  }
  delete process.env.REQUIRED_SCOPE;

  const userPoolVerifier = CognitoJwtVerifier.create({
    userPoolId: options.userPoolId,
    tokenUse: 'access',
    clientId: [...options.clientIds],
  });
  userPoolVerifier.cacheJwks(options.jwks as never);
  const tenantVerifier = createVerifier({ userPoolId: options.userPoolId, clientIds: options.clientIds });
  tenantVerifier.cacheJwks(options.jwks as never);

  const server: Server = createServer((request, response) => {
    void answer(request).then(({ statusCode, headers, body }) => {
      response.writeHead(statusCode, headers as Record<string, string>).end(body);
    });
  });

  const cors = (origin: string | undefined): Record<string, string> =>
    origin && options.allowedOrigins.includes(origin)
      ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' }
      : { Vary: 'Origin' };
  const gateway = (statusCode: number, body: unknown, origin: string | undefined): APIGatewayProxyResult => ({
    statusCode,
    headers: { 'Content-Type': 'application/json', ...cors(origin) },
    body: JSON.stringify(body),
  });

  async function answer(request: IncomingMessage): Promise<APIGatewayProxyResult> {
    const origin = request.headers.origin;
    const url = new URL(request.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(new RegExp(`^/${STAGE}`), '');
    const matches = loaded.filter((r) => r.pattern.test(path));
    if (request.method === 'OPTIONS' && matches.length > 0) {
      return {
        statusCode: 204,
        headers: {
          ...cors(origin),
          'Access-Control-Allow-Methods': [...new Set(matches.map((r) => r.method))].join(','),
          'Access-Control-Allow-Headers': 'Authorization,Content-Type',
        },
        body: '',
      };
    }
    const route = matches.find((r) => r.method === request.method);
    if (!route) return gateway(403, { message: 'Missing Authentication Token' }, origin);
    const values = route.pattern.exec(path)!.slice(1).map(decodeURIComponent);
    const pathParameters = Object.fromEntries(route.parameters.map((name, i) => [name, values[i]!]));
    const body = await readBody(request);
    const headers = Object.fromEntries(
      Object.entries(request.headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])),
    );
    const query = Object.fromEntries(url.searchParams);
    const event: APIGatewayProxyEvent = {
      resource: splitRoute(route.spec.route)[1],
      path,
      httpMethod: route.method,
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      queryStringParameters: Object.keys(query).length > 0 ? query : null,
      multiValueQueryStringParameters: null,
      pathParameters: route.parameters.length > 0 ? pathParameters : null,
      stageVariables: null,
      body: body.length > 0 ? body : null,
      isBase64Encoded: false,
      requestContext: {} as APIGatewayProxyEvent['requestContext'],
    };
    const scope = options.scopes[route.spec.route]!;
    let authorizer: Record<string, unknown>;
    if (route.spec.authorizer === 'tenant') {
      try {
        const { decision } = await authorize(
          tenantVerifier,
          {
            type: 'REQUEST',
            methodArn: `arn:aws:execute-api:eu-west-1:${ACCOUNT}:${API_ID}/${STAGE}/${route.method}${path}`,
            resource: event.resource,
            path,
            httpMethod: route.method,
            headers,
            multiValueHeaders: event.multiValueHeaders,
            pathParameters: event.pathParameters,
            queryStringParameters: event.queryStringParameters,
            multiValueQueryStringParameters: null,
            stageVariables: null,
            requestContext: event.requestContext as never,
          },
          options.tenantRules,
        );
        if (decision.effect === 'Deny') {
          return gateway(
            403,
            { Message: 'User is not authorized to access this resource with an explicit deny' },
            origin,
          );
        }
        authorizer = { ...decision.context, principalId: decision.principalId };
      } catch (error) {
        if (error instanceof Unauthorized) return gateway(401, { message: 'Unauthorized' }, origin);
        throw error;
      }
    } else {
      const token = /^(?:Bearer +)?(\S+)$/i.exec(headers.authorization ?? '')?.[1];
      let claims: Record<string, unknown>;
      try {
        claims = await userPoolVerifier.verify(token ?? '');
      } catch {
        return gateway(401, { message: 'Unauthorized' }, origin);
      }
      // The method's authorizationScopes: a token without one of them is refused like a bad token.
      const granted = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
      if (!granted.includes(scope)) return gateway(401, { message: 'Unauthorized' }, origin);
      authorizer = { claims: asGatewayClaims(claims) };
    }
    event.requestContext = { authorizer } as unknown as APIGatewayProxyEvent['requestContext'];
    const result = await route.handler(event, {} as never, () => undefined);
    return result ?? gateway(500, { message: 'Internal server error' }, origin);
  }

  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}/${STAGE}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Claims as the REST API passes them to a Lambda proxy integration: every value a string. */
function asGatewayClaims(claims: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(claims).map(([name, value]) => [
      name,
      Array.isArray(value) ? `[${value.join(' ')}]` : typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
