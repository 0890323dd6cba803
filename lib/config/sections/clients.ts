import { z } from 'zod';
import { isTenantId, TENANT_ID_RULE } from '../../../lambda/contract';
import { httpUrl, scopeName } from '../fields';
import {
  type ConfiguredUrl,
  parsedUrls,
  productionRequires,
  requireKnown,
  requireUnique,
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

/**
 * The name of the machine client that keeps the construct id (and so the logical id, client id and
 * secret) of the single `machineClient` of earlier versions (see machineClientConstructId).
 */
export const DEFAULT_MACHINE_CLIENT = 'default';

export const machineClientSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected 1-32 lower-case letters, digits or -, starting with a letter')
      .describe(
        `Names the client in outputs and logs, and fixes its CloudFormation logical id: renaming an entry replaces the client (new id and secret). The entry named "${DEFAULT_MACHINE_CLIENT}" keeps the id of the single machine client of earlier versions.`,
      ),
    enabled: z.boolean().default(true).describe('Create this client in this stage (false deletes a deployed one).'),
    scopes: z
      .array(scopeName)
      .default([])
      .describe(
        'Resource-server scopes (names from resourceServer.scopes) the client may request; the pre token trigger suppresses any other.',
      ),
    tenant: z
      .string()
      .describe(
        "The tenant every token of this client carries (`tenant_id` claim, added by the pre token trigger from this map, never from the request): the API treats it like a user's tenant.",
      ),
  })
  .describe('One confidential machine-to-machine client (client credentials grant, secret kept in Cognito).');

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
    rule(
      'machine-client-needs-scope',
      'An enabled machine client (`machineClients[]`) has at least one scope.',
      (config, report) => {
        config.machineClients.forEach((client, index) => {
          if (client.enabled && client.scopes.length === 0) {
            report(
              ['machineClients', index, 'scopes'],
              [],
              'an enabled machine client needs at least one scope (or set enabled to false)',
            );
          }
        });
      },
    ),
    rule('machine-client-scopes-exist', '`machineClients[].scopes` name resource-server scopes.', (config, report) => {
      const scopes = scopeNames(config);
      config.machineClients.forEach((client, index) =>
        client.scopes.forEach((scope, at) =>
          requireKnown(report, scopes, NOT_A_SCOPE, ['machineClients', index, 'scopes', at], scope),
        ),
      );
    }),
    rule(
      'machine-client-tenant-id',
      `\`machineClients[].tenant\` is a tenant id: ${TENANT_ID_RULE}.`,
      (config, report) => {
        config.machineClients.forEach((client, index) => {
          if (!isTenantId(client.tenant)) {
            report(
              ['machineClients', index, 'tenant'],
              client.tenant,
              `not a tenant id; tenant ids are ${TENANT_ID_RULE}`,
            );
          }
        });
      },
    ),
    rule('machine-client-names-unique', '`machineClients[].name` values are unique.', (config, report) =>
      requireUnique(
        report,
        config.machineClients.map((client) => client.name),
        (index) => ['machineClients', index, 'name'],
        'another machine client has this name',
      ),
    ),
    rule(
      'machine-clients-need-pre-token',
      'Enabled machine clients need `triggers.preTokenGeneration.enabled`: the trigger adds their tenant, without which the API refuses their tokens.',
      (config, report) => {
        if (config.triggers.preTokenGeneration.enabled) return;
        const index = config.machineClients.findIndex((client) => client.enabled);
        if (index >= 0) {
          report(
            ['machineClients', index, 'enabled'],
            true,
            'needs triggers.preTokenGeneration.enabled true (it adds the tenant claim to machine tokens; without it the API refuses them)',
          );
        }
      },
    ),
  ],
};
