import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { Jwks } from 'aws-jwt-verify/jwk';

/**
 * Locally signed Cognito-style JWTs for authorizer tests: a fresh RSA key pair, its JWKS (for
 * `cacheJwks` or a mocked JWKS download) and a signer. Nothing here touches the network.
 */

export const POOL_ID = 'eu-west-1_EXAMPLE1';
export const ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}`;
export const WEB_CLIENT_ID = '1example23456789abcdefghij';
export const OTHER_CLIENT_ID = '9other000000000000000000000';
export const SUB = 'a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809';

export interface TestKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwks: Jwks;
}

export function testKey(kid = 'test-key-1'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string; kty: 'RSA' };
  return { kid, privateKey, jwks: { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] } };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs `payload` with RS256 (or writes `header` as given, e.g. `alg: none`). */
export function signJwt(
  payload: Record<string, unknown>,
  key: TestKey,
  header: Record<string, unknown> = { alg: 'RS256', kid: key.kid },
): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const signature = sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** The claims of a Cognito access token from the web client, for a reader of tenant acme. */
export function accessClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: SUB,
    'cognito:groups': ['readers'],
    iss: ISSUER,
    version: 2,
    client_id: WEB_CLIENT_ID,
    origin_jti: '0d9e8f7a-1111-2222-3333-444455556666',
    token_use: 'access',
    scope: 'openid email api/read',
    auth_time: now - 60,
    exp: now + 3600,
    iat: now - 60,
    jti: '5f4e3d2c-7777-8888-9999-000011112222',
    username: SUB,
    tenant_id: 'acme',
    department: 'finance',
    ...overrides,
  };
}

/** The claims of the matching ID token (token_use id, aud instead of client_id). */
export function idClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { client_id: clientId, scope: _scope, username: _username, ...rest } = accessClaims();
  return { ...rest, aud: clientId, token_use: 'id', email: 'alice@example.com', 'cognito:username': SUB, ...overrides };
}

/** The JWKS as the download body aws-jwt-verify expects (an ArrayBuffer of JSON). */
export function jwksBody(jwks: Jwks): ArrayBuffer {
  const bytes = new TextEncoder().encode(JSON.stringify(jwks));
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}
