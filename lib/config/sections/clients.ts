import { z } from 'zod';
import { httpUrl, scopeName } from '../fields';
import {
  type ConfiguredUrl,
  parsedUrls,
  productionRequires,
  requireKnown,
  rule,
  type RuleSection,
  webUrlRules,
} from '../rule';
import type { RawStageConfig } from '../schema';
import { NOT_A_SCOPE, scopeNames } from './groups';

export const webClientSchema = z
  .strictObject({
    callbackUrls: z
      .array(httpUrl)
      .min(1)
      .describe('Exact OAuth redirect URLs. HTTPS only; http://localhost is allowed in non-production stages.'),
    logoutUrls: z.array(httpUrl).default([]).describe('Exact sign-out redirect URLs, same rules as callbackUrls.'),
    oidcScopes: z
      .array(z.enum(['openid', 'email', 'profile']))
      .refine((scopes) => scopes.includes('openid'), 'must include "openid" (without it there is no ID token)')
      .default(['openid', 'email', 'profile'])
      .describe(
        'OpenID scopes the web client may request; must include `openid`. `phone` and `aws.cognito.signin.user.admin` are not offered.',
      ),
  })
  .describe('The public web client (authorization code + PKCE, no secret).');

export const machineClientSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Create the confidential machine-to-machine client.'),
    scopes: z
      .array(scopeName)
      .default([])
      .describe('Resource-server scopes (names from resourceServer.scopes) the machine client may request.'),
  })
  .describe('The confidential machine-to-machine client (client credentials grant).');

/** Cognito's bounds for `RetryGracePeriodSeconds` (API RefreshTokenRotationType: 0-60). */
export const ROTATION_GRACE_PERIOD_MAX_SECONDS = 60;

export const refreshTokenRotationSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Rotate refresh tokens on every client users sign in through (web, rules, passwordless): each refresh returns a new refresh token and the old one stops working. Clients must refresh with GetTokensFromRefreshToken or the token endpoint and store the new refresh token each time; REFRESH_TOKEN_AUTH (InitiateAuth) is refused on a rotating client (docs/api.md). Production stages need true.',
      ),
    retryGracePeriodSeconds: z
      .number()
      .int()
      .default(10)
      .describe(
        `Seconds the replaced refresh token keeps working after a refresh, so a client whose answer got lost can retry (0-${ROTATION_GRACE_PERIOD_MAX_SECONDS}; 0 = refused at once).`,
      ),
  })
  .describe(
    'Refresh-token rotation of the user-facing app clients (never the machine clients: they get no refresh token).',
  );

/** Every parseable redirect URL (callback and logout) with its path. */
function redirectUrls(config: RawStageConfig): ConfiguredUrl[] {
  const { callbackUrls, logoutUrls } = config.webClient;
  return [
    ...parsedUrls(callbackUrls, ['webClient', 'callbackUrls']),
    ...parsedUrls(logoutUrls, ['webClient', 'logoutUrls']),
  ];
}

export const clientRules: RuleSection = {
  title: 'App clients',
  rules: [
    rule(
      'redirect-url-no-fragment',
      'Redirect URLs (`webClient.callbackUrls`, `logoutUrls`) have no `#fragment`.',
      (config, report) => {
        for (const { raw, url, path } of redirectUrls(config)) {
          if (url.hash) report(path, raw, 'a redirect URL may not contain a #fragment');
        }
      },
    ),
    rule('redirect-url-exact-host', 'Redirect URLs name each host, without wildcards.', (config, report) => {
      for (const { raw, url, path } of redirectUrls(config)) {
        if (url.hostname.includes('*')) {
          report(path, raw, 'redirect URLs are matched exactly; name each host, without wildcards');
        }
      }
    }),
    ...webUrlRules({
      id: 'redirect-url',
      what: 'redirect URLs',
      urls: redirectUrls,
      httpMessage: 'redirect URLs must use https (http is allowed only for localhost)',
      localhostMessage: 'localhost redirect URLs are allowed only when production is false',
    }),
    rule(
      'refresh-rotation-grace-period',
      `\`refreshTokenRotation.retryGracePeriodSeconds\` is within Cognito's bounds, 0-${ROTATION_GRACE_PERIOD_MAX_SECONDS} seconds.`,
      (config, report) => {
        const seconds = config.refreshTokenRotation.retryGracePeriodSeconds;
        if (seconds < 0 || seconds > ROTATION_GRACE_PERIOD_MAX_SECONDS) {
          report(
            ['refreshTokenRotation', 'retryGracePeriodSeconds'],
            seconds,
            `Cognito accepts 0-${ROTATION_GRACE_PERIOD_MAX_SECONDS} seconds (0 refuses the replaced refresh token at once)`,
          );
        }
      },
    ),
    productionRequires(
      'production-refresh-token-rotation',
      'Production stages set `refreshTokenRotation.enabled: true` (a stolen refresh token then stops working at the next refresh by its owner).',
      ['refreshTokenRotation', 'enabled'],
      (config) => config.refreshTokenRotation.enabled,
      (on) => on,
      'production stages must set true',
    ),
    rule('machine-client-needs-scope', 'An enabled machine client has at least one scope.', (config, report) => {
      if (config.machineClient.enabled && config.machineClient.scopes.length === 0) {
        report(
          ['machineClient', 'scopes'],
          [],
          'an enabled machine client needs at least one scope (or set machineClient.enabled to false)',
        );
      }
    }),
    rule('machine-client-scopes-exist', '`machineClient.scopes` name resource-server scopes.', (config, report) => {
      const scopes = scopeNames(config);
      config.machineClient.scopes.forEach((scope, index) =>
        requireKnown(report, scopes, NOT_A_SCOPE, ['machineClient', 'scopes', index], scope),
      );
    }),
  ],
};
