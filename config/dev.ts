import type { StageConfigInput } from '../lib/config/schema';
import { shared } from './shared';

/**
 * Development: cheap (ESSENTIALS), self sign-up on, easy to tear down, localhost callbacks.
 * Shows user migration (legacy-users table, scripts/seed-legacy-users.ts) and passwordless email
 * codes with a test outbox; verify `email.fromAddress` (or its domain) in Amazon SES first.
 */
export const dev: StageConfigInput = {
  ...shared,
  stage: 'dev',
  production: false,
  env: {},
  userPool: {
    ...shared.userPool,
    featurePlan: 'ESSENTIALS',
    threatProtection: { standardAuth: 'OFF', customAuth: 'OFF' },
    selfSignUp: true,
    emailDomains: { allow: [], deny: ['mailinator.com'] },
    mfa: 'OPTIONAL',
    passwordPolicy: { minLength: 12 },
    tokenValidity: { accessTokenMinutes: 60, idTokenMinutes: 60, refreshTokenDays: 30 },
    removalPolicy: 'DESTROY',
    deletionProtection: false,
  },
  webClient: {
    callbackUrls: ['http://localhost:5173/callback'],
    logoutUrls: ['http://localhost:5173/'],
  },
  // Service-to-service callers: each token carries its client's tenant (docs/api.md, "Machine callers").
  machineClients: [
    { name: 'default', scopes: ['read'], tenant: 'acme' },
    { name: 'globex-reports', scopes: ['read'], tenant: 'globex' },
  ],
  data: { removalPolicy: 'DESTROY' },
  domain: { prefix: 'example-authref-dev' },
  email: { fromAddress: 'no-reply@example.com', fromName: 'Cognito reference dev' },
  migration: { enabled: true },
  passwordless: {
    customChallenge: { enabled: true, codeLength: 6, codeTtlSeconds: 180, maxAttempts: 3, testOutbox: true },
  },
  api: {
    ...shared.api,
    corsOrigins: ['http://localhost:5173'],
    throttling: { rateLimit: 50, burstLimit: 100 },
    authorizerCacheTtlSeconds: 60,
    executionLogLevel: 'INFO',
    dataTrace: false,
    waf: { enabled: false },
  },
};
