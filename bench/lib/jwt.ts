import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import type { Jwk } from 'aws-jwt-verify/jwk';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { authorize, createVerifier } from '../../lambda/api/authorizer/authorize';
import { BENCH_IDS } from '../specs';
import { median } from './stats';

export interface JwtResult {
  readonly verifierPerSecond: number;
  readonly floorPerSecond: number;
  /** Whole authorizer decision (verify + checks), when the API's authorizer module provides one. */
  readonly authorizerPerSecond?: number;
}

const REGION = 'eu-west-1';
const USER_POOL_ID = BENCH_IDS.userPoolId;
const CLIENT_ID = BENCH_IDS.clientId;
const KID = 'bench-key-1';

const b64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/** A key pair, its JWKS, and an RS256 access token shaped like Cognito's, signed locally. */
export function makeToken(claims: Record<string, unknown> = {}) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: KID, alg: 'RS256', use: 'sig' } as Jwk;
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ kid: KID, alg: 'RS256' }));
  const payload = b64url(
    JSON.stringify({
      sub: '11111111-2222-3333-4444-555555555555',
      'cognito:groups': ['editors'],
      iss: `https://cognito-idp.${REGION}.amazonaws.com/${USER_POOL_ID}`,
      client_id: CLIENT_ID,
      origin_jti: 'bench-origin',
      event_id: 'bench-event',
      token_use: 'access',
      scope: 'api/read api/write',
      auth_time: now,
      exp: now + 3600,
      iat: now,
      jti: 'bench-jti',
      username: 'bench-user',
      tenant_id: 'acme',
      ...claims,
    }),
  );
  const signingInput = `${header}.${payload}`;
  const signature = sign('sha256', Buffer.from(signingInput), privateKey);
  return {
    token: `${signingInput}.${b64url(signature)}`,
    signingInput,
    signature,
    publicKey: createPublicKey(publicKey.export({ format: 'pem', type: 'spki' })),
    jwks: { keys: [jwk] },
    issuer: { region: REGION, userPoolId: USER_POOL_ID, clientId: CLIENT_ID },
  };
}

/** Like `rate`, for an async call awaited one at a time (how the authorizer runs). */
async function asyncRate(fn: () => Promise<unknown>, ms: number): Promise<number> {
  let calls = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await fn();
    calls += 50;
  }
  return (calls * 1000) / ms;
}

/** Calls `fn` as often as it can for `ms`, returns calls per second. */
function rate(fn: () => unknown, ms: number): number {
  let calls = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) fn();
    calls += 50;
  }
  return (calls * 1000) / ms;
}

/**
 * aws-jwt-verify's CognitoJwtVerifier with a warm JWKS cache against Node's own crypto.verify of
 * the same RS256 signature with a cached KeyObject (the physical floor: the RSA operation alone).
 * Rounds alternate so both see the same machine state; medians of 5 rounds of 1 s.
 */
export async function benchJwt(): Promise<JwtResult> {
  const t = makeToken();
  const verifier = CognitoJwtVerifier.create({
    userPoolId: t.issuer.userPoolId,
    tokenUse: 'access',
    clientId: t.issuer.clientId,
  });
  verifier.cacheJwks(t.jwks);
  await verifier.verify(t.token); // correctness guard
  const data = Buffer.from(t.signingInput);
  if (!verify('sha256', data, t.publicKey, t.signature)) throw new Error('floor signature check failed');

  // The whole tenant-authorizer check: parse the header, verify, decide, build the policy.
  const authorizer = createVerifier({ userPoolId: t.issuer.userPoolId, clientIds: [t.issuer.clientId] });
  authorizer.cacheJwks(t.jwks);
  const event = JSON.parse(
    readFileSync(join(__dirname, '..', '..', 'test', 'events', 'api.tenant-authorizer.json'), 'utf8'),
  ) as {
    headers: Record<string, string>;
    multiValueHeaders: Record<string, string[]>;
  };
  event.headers.Authorization = `Bearer ${t.token}`;
  event.multiValueHeaders.Authorization = [`Bearer ${t.token}`];
  const rules = {
    scopesByRoute: { 'GET /tenants/{tenantId}/documents': ['api/read'] },
    allowedGroups: ['editors'],
    tenantParameter: 'tenantId',
    machineRoutes: [],
  };
  const check = await authorize(authorizer, event as never, rules);
  if (check.decision.effect !== 'Allow') throw new Error('bench token is not allowed by the authorizer');

  const verifierRates: number[] = [];
  const authorizerRates: number[] = [];
  const floorRates: number[] = [];
  rate(() => verifier.verifySync(t.token), 300);
  rate(() => verify('sha256', data, t.publicKey, t.signature), 300);
  await asyncRate(() => authorize(authorizer, event as never, rules), 300);
  for (let round = 0; round < 5; round++) {
    verifierRates.push(rate(() => verifier.verifySync(t.token), 1000));
    authorizerRates.push(await asyncRate(() => authorize(authorizer, event as never, rules), 1000));
    floorRates.push(rate(() => verify('sha256', data, t.publicKey, t.signature), 1000));
  }
  return {
    verifierPerSecond: median(verifierRates),
    authorizerPerSecond: median(authorizerRates),
    floorPerSecond: median(floorRates),
  };
}
