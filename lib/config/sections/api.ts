import { z } from 'zod';
import { httpUrl, LOG_RETENTION_DAYS, logRetentionDays, scopeName } from '../fields';
import { parsedUrls, productionRequires, requireKnown, rule, type RuleSection, webUrlRules } from '../rule';
import type { RawStageConfig } from '../schema';
import { NOT_A_SCOPE, scopeNames } from './groups';

export const apiSchema = z
  .strictObject({
    stageName: z
      .string()
      .regex(/^[A-Za-z0-9_]{1,64}$/, 'expected 1-64 characters from A-Z a-z 0-9 _')
      .default('v1')
      .describe('API Gateway stage name; the first path segment of every API URL.'),
    corsOrigins: z
      .array(httpUrl)
      .default([])
      .describe(
        'Browser origins of the web app, allowed to call the API and (with identity-pool credentials) to GET and PUT objects of the data bucket (exact `scheme://host[:port]`, no path). HTTPS only; http://localhost is allowed in non-production stages. The first one also goes on gateway error responses. Empty: no CORS.',
      ),
    throttling: z
      .strictObject({
        rateLimit: z
          .number()
          .min(1)
          .max(10000)
          .default(50)
          .describe('Steady-state requests per second the stage accepts (all clients together).'),
        burstLimit: z
          .number()
          .int()
          .min(1)
          .max(5000)
          .default(100)
          .describe('Requests the stage accepts in a burst above the rate.'),
      })
      .prefault({})
      .describe('Stage-wide throttling (every method).'),
    authorizerCacheTtlSeconds: z
      .number()
      .int()
      .min(0)
      .max(300)
      .default(60)
      .describe(
        'Seconds API Gateway caches an authorizer decision (0 = off). Keyed by the token (and path for the tenant authorizer). A cached Allow can outlive the token by at most this long; revoked tokens keep working until they expire (docs/api.md).',
      ),
    executionLogLevel: z
      .enum(['ERROR', 'INFO'])
      .default('ERROR')
      .describe('API Gateway execution logging level (needs the account CloudWatch role, see cloudWatchRole).'),
    dataTrace: z
      .boolean()
      .default(false)
      .describe(
        'Log full requests and responses (headers, tokens and bodies!) in execution logs. Debugging only; production stages need false.',
      ),
    logRetentionDays: logRetentionDays()
      .default(90)
      .describe(`Days CloudWatch keeps the API access logs; one of ${LOG_RETENTION_DAYS.join(', ')}.`),
    cloudWatchRole: z
      .boolean()
      .default(true)
      .describe(
        'Create the IAM role API Gateway uses to write logs and set it in the account settings of this region (retained on stack deletion). Set false when your account already has one (e.g. managed by a landing zone).',
      ),
    routes: z
      .record(
        z
          .string()
          .regex(
            /^(GET|PUT|POST|PATCH|DELETE) \/[A-Za-z0-9_{}/-]*$/,
            'expected a route key "<METHOD> <path>" such as "GET /documents/{id}"',
          ),
        z.strictObject({
          scope: scopeName.describe('Resource-server scope name an access token must carry to call the route.'),
          machines: z
            .boolean()
            .default(false)
            .describe(
              "Accept machine callers (client-credentials tokens of `machineClients`) with the scope; their tenant counts like a user's. Otherwise their tokens are refused (403).",
            ),
        }),
      )
      .describe(
        'The scope each route requires, and whether machine clients may call it, by "<METHOD> <path>". Every route of the route table (lib/constructs/api-routes.ts) needs an entry; the synth names any that is missing or unknown.',
      ),
    waf: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe('Put an AWS WAF web ACL in front of the API stage. Production stages need true.'),
        rateLimit: z
          .number()
          .int()
          .min(10)
          .max(2_000_000_000)
          .default(1000)
          .describe('Requests one IP address may make in 5 minutes before WAF blocks it.'),
        associateUserPool: z
          .boolean()
          .default(false)
          .describe('Also associate the web ACL with the user pool (its sign-in and token endpoints).'),
      })
      .prefault({})
      .describe('AWS WAF: managed rule groups (common, known bad inputs, IP reputation) and a per-IP rate limit.'),
  })
  .describe('The REST API: stage settings, CORS, authorizer caching, the scope of each route, and WAF.');

const corsOrigins = (config: RawStageConfig) => parsedUrls(config.api.corsOrigins, ['api', 'corsOrigins']);

export const apiRules: RuleSection = {
  title: 'API',
  rules: [
    rule('route-scopes-exist', "Each route's `api.routes[].scope` names a resource-server scope.", (config, report) => {
      const scopes = scopeNames(config);
      for (const [route, { scope }] of Object.entries(config.api.routes)) {
        requireKnown(report, scopes, NOT_A_SCOPE, ['api', 'routes', route, 'scope'], scope);
      }
    }),
    rule(
      'cors-origin-bare',
      '`api.corsOrigins` are bare origins: `scheme://host[:port]`, no path or trailing slash.',
      (config, report) => {
        for (const { raw, url, path } of corsOrigins(config)) {
          if (url.origin !== raw) {
            report(
              path,
              raw,
              `a CORS origin is scheme://host[:port] only, without path or trailing slash (e.g. "${url.origin}")`,
            );
          }
        }
      },
    ),
    ...webUrlRules({
      id: 'cors-origin',
      what: '`api.corsOrigins`',
      urls: corsOrigins,
      httpMessage: 'CORS origins must use https (http only for localhost)',
      localhostMessage: 'localhost CORS origins are allowed only when production is false',
    }),
    rule('waf-association-needs-waf', '`api.waf.associateUserPool` needs `api.waf.enabled`.', (config, report) => {
      if (config.api.waf.associateUserPool && !config.api.waf.enabled) {
        report(
          ['api', 'waf', 'associateUserPool'],
          true,
          'needs api.waf.enabled true (there is no web ACL to associate)',
        );
      }
    }),
    productionRequires(
      'production-waf',
      'Production stages set `api.waf.enabled: true`.',
      ['api', 'waf', 'enabled'],
      (config) => config.api.waf.enabled,
      (on) => on,
      'production stages must set true',
    ),
    productionRequires(
      'production-no-data-trace',
      'Production stages set `api.dataTrace: false`.',
      ['api', 'dataTrace'],
      (config) => config.api.dataTrace,
      (on) => !on,
      'production stages must set false',
    ),
  ],
};
