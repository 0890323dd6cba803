import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { fixture, type AsyncHandler } from './lambda';

/** The handler shape of every API route. */
export type RouteHandler = AsyncHandler<APIGatewayProxyEvent, APIGatewayProxyResult>;

/** The bearer token in the proxy fixtures: tests check that it never reaches a log line. */
export const FIXTURE_TOKEN_SIGNATURE = 'c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

export interface EventChanges {
  readonly method?: string;
  readonly path?: string;
  readonly pathParameters?: Record<string, string> | null;
  readonly query?: Record<string, string> | null;
  readonly body?: string | null;
  readonly origin?: string;
  /** Claims to add, change, or (with `undefined`) remove. */
  readonly claims?: Record<string, string | undefined>;
}

/** A Lambda proxy event of a method behind the Cognito authorizer (access token of an editor of acme). */
export function cognitoEvent(changes: EventChanges = {}): APIGatewayProxyEvent {
  return applyChanges(fixture<APIGatewayProxyEvent>('api.cognito-proxy'), changes, 'claims');
}

/** A Lambda proxy event of the tenant route, behind the tenant authorizer (reader of acme). */
export function tenantEvent(changes: EventChanges = {}): APIGatewayProxyEvent {
  return applyChanges(fixture<APIGatewayProxyEvent>('api.tenant-proxy'), changes, 'context');
}

function applyChanges(event: APIGatewayProxyEvent, changes: EventChanges, kind: 'claims' | 'context') {
  if (changes.method) event.httpMethod = changes.method;
  if (changes.path) event.path = changes.path;
  if (changes.pathParameters !== undefined) event.pathParameters = changes.pathParameters;
  if (changes.query !== undefined) event.queryStringParameters = changes.query;
  if (changes.body !== undefined) event.body = changes.body;
  if (changes.origin !== undefined) event.headers.Origin = changes.origin;
  const authorizer = event.requestContext.authorizer as Record<string, unknown>;
  const target = (kind === 'claims' ? authorizer.claims : authorizer) as Record<string, string | undefined>;
  for (const [name, value] of Object.entries(changes.claims ?? {})) {
    if (value === undefined) delete target[name];
    else target[name] = value;
  }
  return event;
}

/** Status, headers and parsed JSON body of a response. */
export function parse(result: APIGatewayProxyResult): {
  status: number;
  headers: Record<string, unknown>;
  body: Record<string, unknown>;
} {
  return {
    status: result.statusCode,
    headers: result.headers ?? {},
    body: JSON.parse(result.body) as Record<string, unknown>,
  };
}
