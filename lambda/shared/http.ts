import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { GENERIC_ERROR_MESSAGE } from './errors';
import { errorFields, log } from './log';

/**
 * The HTTP side of the API handlers: fixed error bodies, CORS from an allowlist, and a wrapper
 * that turns every failure into a JSON response without internals. The caller only ever sees one
 * of the messages below; the reason stays in the logs.
 */

export const API_MESSAGES = {
  400: 'The request is not valid.',
  403: 'You are not allowed to do this.',
  404: 'Not found.',
  415: 'The request body must be JSON.',
  500: GENERIC_ERROR_MESSAGE,
} as const;

export type ApiErrorStatus = 400 | 403 | 404 | 415;

/** An expected refusal: a status with its fixed message. `reason` is for logs only. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: ApiErrorStatus,
    readonly reason: string,
  ) {
    super(API_MESSAGES[statusCode]);
    this.name = 'ApiError';
  }
}

export const badRequest = (reason: string) => new ApiError(400, reason);
export const forbidden = (reason: string) => new ApiError(403, reason);
export const notFound = (reason: string) => new ApiError(404, reason);
export const unsupportedMediaType = (reason: string) => new ApiError(415, reason);

/** What a route returns on success; the wrapper adds the headers. */
export interface RouteResult {
  readonly statusCode: number;
  readonly body: unknown;
}

/** Case-insensitive header lookup (REST APIs pass headers with the case the client sent). */
export function headerOf(
  headers: Readonly<Record<string, string | undefined>> | null,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * CORS headers for one response: the request's Origin is echoed only when it is on the allowlist
 * (exact match), never `*`. `Vary: Origin` keeps shared caches from mixing answers.
 */
export function corsHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = { Vary: 'Origin' };
  if (origin !== undefined && allowedOrigins.includes(origin)) headers['Access-Control-Allow-Origin'] = origin;
  return headers;
}

/** Headers every API response carries: JSON, never cached, no MIME sniffing. */
const BASE_HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
} as const;

export function jsonResponse(
  statusCode: number,
  body: unknown,
  origin: string | undefined,
  allowedOrigins: readonly string[],
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { ...BASE_HEADERS, ...corsHeaders(origin, allowedOrigins) },
    body: JSON.stringify(body),
  };
}

/**
 * Runs one route: calls `work` with the event and maps the outcome to a response. An ApiError
 * becomes its status and fixed message; anything else (SDK errors, bugs, a malformed event)
 * becomes 500 with the generic message. Logs carry the route, status and reason, never the event,
 * the body or a token.
 */
export async function runRoute(
  route: string,
  event: APIGatewayProxyEvent,
  allowedOrigins: readonly string[],
  work: (event: APIGatewayProxyEvent) => Promise<RouteResult> | RouteResult,
): Promise<APIGatewayProxyResult> {
  const origin = typeof event === 'object' && event !== null ? headerOf(event.headers, 'origin') : undefined;
  try {
    const result = await work(event);
    log.info(`${route}.done`, { status: result.statusCode });
    return jsonResponse(result.statusCode, result.body, origin, allowedOrigins);
  } catch (error) {
    if (error instanceof ApiError) {
      log.warn(`${route}.refused`, { status: error.statusCode, reason: error.reason });
      return jsonResponse(error.statusCode, { message: error.message }, origin, allowedOrigins);
    }
    log.error(`${route}.failed`, { status: 500, ...errorFields(error) });
    return jsonResponse(500, { message: API_MESSAGES[500] }, origin, allowedOrigins);
  }
}
