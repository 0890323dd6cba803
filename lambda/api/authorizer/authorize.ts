import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwtExpiredError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  KidNotFoundInJwksError,
  NonRetryableFetchError,
  ParameterValidationError,
} from 'aws-jwt-verify/error';
import { SimpleFetcher, type Fetcher } from 'aws-jwt-verify/https';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { headerOf } from '../../shared/http';
import type { AuthorizerRules } from '../../contract';
import { decide, toPolicy, type AccessTokenClaims, type Decision } from './decide';

/**
 * Token verification for the tenant authorizer, separate from the Lambda entry point so tests and
 * the bench can build a verifier, give it a JWKS with `cacheJwks`, and run the whole check with no
 * network.
 */

export interface VerifierSettings {
  /** The user pool whose tokens are accepted; the issuer is derived from it. */
  readonly userPoolId: string;
  /** App clients whose access tokens are accepted (`client_id` claim). Never empty. */
  readonly clientIds: readonly string[];
}

/**
 * JWKS download limits. `responseTimeout` bounds one HTTPS attempt from its start (DNS, connect,
 * TLS, answer); `timeout` is the socket idle time. aws-jwt-verify's SimpleFetcher retries a failed
 * attempt once, immediately, so one download takes at most 2 x 1 s. The cold-start download runs
 * the pool's two issuer URLs (regional and global format) in parallel, so it is bounded the same.
 */
export const JWKS_FETCH_OPTIONS = { responseTimeout: 1000, timeout: 1000 } as const;

/** The longest one download can take: two attempts (SimpleFetcher's one retry) of responseTimeout. */
export const JWKS_DOWNLOAD_MAX_MS = 2 * JWKS_FETCH_OPTIONS.responseTimeout;

/** A download the authorizer refused to start (see JwksFetcher.allowDownloads). */
export class JwksDownloadNotAllowedError extends NonRetryableFetchError {}

/**
 * The JWKS fetcher of the tenant authorizer: SimpleFetcher with the short limits above, and a
 * switch the Lambda handler turns off for the request that already waited for the cold-start
 * download, so no request waits for two downloads (2 x 2 s plus the work could pass the 5 s
 * timeout). A refused download fails at once, and the token is refused (401): fail closed.
 */
export class JwksFetcher implements Fetcher {
  private downloadsAllowed = true;

  constructor(
    private readonly inner: Fetcher = new SimpleFetcher({ defaultRequestOptions: { ...JWKS_FETCH_OPTIONS } }),
  ) {}

  allowDownloads(allowed: boolean): void {
    this.downloadsAllowed = allowed;
  }

  fetch(uri: string, requestOptions?: Record<string, unknown>, data?: ArrayBuffer): Promise<ArrayBuffer> {
    if (!this.downloadsAllowed) {
      return Promise.reject(new JwksDownloadNotAllowedError(uri, 'no second download in this request'));
    }
    return this.inner.fetch(uri, requestOptions, data);
  }
}

/** Cognito always sets exp; aws-jwt-verify checks it only when present, so require it. */
function requireExpiry({ payload }: { payload: { exp?: unknown } }): void {
  if (typeof payload.exp !== 'number') throw new MissingExpiryError('JWT has no exp claim');
}

class MissingExpiryError extends Error {}

/** A verifier for access tokens of one pool and a list of clients. */
export function createVerifier(settings: VerifierSettings, jwksCache?: SimpleJwksCache) {
  // An empty list would have to become `clientId: null`, which turns the client check off.
  if (settings.clientIds.length === 0) throw new Error('clientIds must name at least one app client');
  return CognitoJwtVerifier.create(
    {
      userPoolId: settings.userPoolId,
      tokenUse: 'access',
      clientId: [...settings.clientIds],
      customJwtCheck: requireExpiry,
    },
    { jwksCache: jwksCache ?? new SimpleJwksCache({ fetcher: new JwksFetcher() }) },
  );
}

export type TenantVerifier = ReturnType<typeof createVerifier>;

/** A request the authorizer answers with 401; `reason` is for logs only. */
export class Unauthorized extends Error {
  constructor(readonly reason: string) {
    super('Unauthorized');
    this.name = 'Unauthorized';
  }
}

/**
 * Why aws-jwt-verify refused a token, for the logs. Matched by class (names do not survive
 * minification) and never by message, which can quote claim values.
 */
const REJECTIONS: readonly [new (...args: never[]) => Error, string][] = [
  [JwtExpiredError, 'expired'],
  [JwtNotBeforeError, 'not yet valid'],
  [JwtInvalidIssuerError, 'wrong issuer'],
  // A multi-issuer verifier (regional + global issuer formats) refuses an unknown `iss` this way.
  [ParameterValidationError, 'wrong issuer'],
  [CognitoJwtInvalidClientIdError, 'wrong client'],
  [CognitoJwtInvalidTokenUseError, 'wrong token_use'],
  [JwtInvalidSignatureAlgorithmError, 'unsupported alg'],
  [JwtInvalidSignatureError, 'bad signature'],
  [KidNotFoundInJwksError, 'unknown kid'],
  [JwtParseError, 'malformed'],
  [MissingExpiryError, 'no exp'],
  // Before FetchError, its parent class.
  [JwksDownloadNotAllowedError, 'JWKS not downloaded again in this request'],
  [FetchError, 'JWKS unavailable'],
];

function rejection(error: unknown): string {
  return REJECTIONS.find(([type]) => error instanceof type)?.[1] ?? 'invalid';
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 8192;
const METHOD_ARN = /^arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[a-z0-9]+\/[^/]+\/[A-Z]+\/\S*$/;

/**
 * The JWT in `Authorization: Bearer <jwt>` (or a bare `<jwt>`, as the Cognito authorizer accepts).
 * Several Authorization headers, another scheme, or anything that is not three base64url parts is
 * refused before any parsing.
 */
export function bearerToken(event: Pick<APIGatewayRequestAuthorizerEvent, 'headers' | 'multiValueHeaders'>): string {
  const multi = Object.entries(event.multiValueHeaders ?? {}).filter(
    ([name]) => name.toLowerCase() === 'authorization',
  );
  if (multi.length > 1 || (multi[0]?.[1]?.length ?? 0) > 1) throw new Unauthorized('several Authorization headers');
  const value = headerOf(event.headers ?? null, 'authorization');
  if (value === undefined || value.length === 0) throw new Unauthorized('no Authorization header');
  if (value.length > MAX_TOKEN_LENGTH) throw new Unauthorized('Authorization header too long');
  const match = /^(?:Bearer +)?(\S+)$/i.exec(value.trim());
  const token = match?.[1];
  if (!token || !JWT.test(token)) throw new Unauthorized('Authorization header is not a bearer JWT');
  return token;
}

/**
 * Verifies the caller's access token (signature, issuer, expiry, token_use, client id) and
 * decides on the request. Throws Unauthorized for every problem with the token itself; returns a
 * Deny policy when a valid token lacks the permission (route, scope, group, tenant).
 */
export async function authorize(
  verifier: TenantVerifier,
  event: APIGatewayRequestAuthorizerEvent,
  rules: AuthorizerRules,
  machineClientIds: readonly string[] = [],
): Promise<{ decision: Decision; policy: APIGatewayAuthorizerResult }> {
  if (typeof event.methodArn !== 'string' || !METHOD_ARN.test(event.methodArn)) {
    throw new Unauthorized('unexpected methodArn');
  }
  const token = bearerToken(event);
  let claims: AccessTokenClaims;
  try {
    claims = await verifier.verify(token);
  } catch (error) {
    throw new Unauthorized(`token rejected: ${rejection(error)}`);
  }
  const decision = decide(
    claims,
    { route: `${event.httpMethod} ${event.resource}`, pathParameters: event.pathParameters },
    rules,
    machineClientIds,
  );
  return { decision, policy: toPolicy(decision, event.methodArn) };
}
