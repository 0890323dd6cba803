import type { StageConfigInput } from '../lib/config/schema';
import { shared } from './shared';

/** Production: PLUS plan with threat protection enforced, MFA required, retained and protected, WAF on. */
export const prod: StageConfigInput = {
  ...shared,
  stage: 'prod',
  production: true,
  env: {},
  userPool: {
    ...shared.userPool,
    featurePlan: 'PLUS',
    threatProtection: {
      standardAuth: 'ENFORCED',
      customAuth: 'ENFORCED',
      // Block leaked passwords; challenge medium-risk sign-ins with MFA, block high-risk ones.
      actions: {
        compromisedCredentials: 'BLOCK',
        lowRisk: 'NO_ACTION',
        mediumRisk: 'MFA_IF_CONFIGURED',
        highRisk: 'BLOCK',
      },
    },
    selfSignUp: false,
    emailDomains: { allow: ['example.com'], deny: [] },
    mfa: 'REQUIRED',
    passwordPolicy: { minLength: 14, passwordHistorySize: 5 },
    tokenValidity: { accessTokenMinutes: 15, idTokenMinutes: 15, refreshTokenDays: 7 },
    removalPolicy: 'RETAIN',
    deletionProtection: true,
    logExport: { userActivity: true, notificationErrors: true, retentionDays: 365 },
  },
  webClient: {
    callbackUrls: ['https://app.example.com/callback'],
    logoutUrls: ['https://app.example.com/'],
  },
  // Service-to-service callers: each token carries its client's tenant (docs/api.md, "Machine callers").
  machineClients: [{ name: 'default', scopes: ['read'], tenant: 'acme' }],
  data: { removalPolicy: 'RETAIN' },
  domain: { prefix: 'example-authref-prod' },
  api: {
    ...shared.api,
    corsOrigins: ['https://app.example.com'],
    throttling: { rateLimit: 100, burstLimit: 200 },
    authorizerCacheTtlSeconds: 60,
    dataTrace: false,
    waf: { enabled: true, rateLimit: 1000, associateUserPool: true },
  },
};
