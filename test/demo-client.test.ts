import { stages } from '../config';
import { parseStageConfig } from '../lib/config/load';
import { ROUTES } from '../lib/constructs/api-routes';
import { contentSecurityPolicy } from '../scripts/demo/server';
import { demoConfig } from '../scripts/demo/stage-config';
import { plannedCalls } from '../demo/src/api';

/** What `npm run demo` builds from a deployed stage's outputs (the browser test covers the page itself). */
const config = parseStageConfig(stages.dev!, 'config/dev.ts');
const outputs = {
  Region: 'eu-west-1',
  IssuerUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE1',
  WebClientId: '1example23456789abcdefghij',
  LoginDomainUrl: 'https://example-authref-dev.auth.eu-west-1.amazoncognito.com',
  IdentityPoolId: 'eu-west-1:11111111-2222-3333-4444-555555555555',
  PasswordlessClientId: '2example23456789abcdefghij',
  ApiUrl: 'https://abcdef1234.execute-api.eu-west-1.amazonaws.com/v1',
  DataBucketName: 'cognito-ref-dev-data-databucket1234',
};

describe('demo client configuration', () => {
  it('gives the page the API base URL and every route with the scope the config gives it', () => {
    const page = demoConfig(config, outputs);
    expect(page.apiUrl).toBe(`${outputs.ApiUrl}/`);
    expect(page.routes.map((r) => r.route)).toEqual(ROUTES.map((r) => r.route));
    for (const route of page.routes) {
      expect(route.scope).toBe(`${config.resourceServer.identifier}/${config.api.routes[route.route]!.scope}`);
    }
  });

  it('leaves the email-code sign-in out when the stage has no passwordless client', () => {
    const { PasswordlessClientId: _, ...withoutPasswordless } = outputs;
    const page = demoConfig(config, withoutPasswordless);
    expect(page.passwordlessClientId).toBeUndefined();
    expect(contentSecurityPolicy(page)).not.toContain('cognito-idp.');
  });

  it('serves a CSP that allows no inline code and connects only to the stage', () => {
    const csp = contentSecurityPolicy(demoConfig(config, outputs));
    expect(csp.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      "connect-src 'self' https://example-authref-dev.auth.eu-west-1.amazoncognito.com https://abcdef1234.execute-api.eu-west-1.amazonaws.com https://cognito-identity.eu-west-1.amazonaws.com https://cognito-idp.eu-west-1.amazonaws.com https://cognito-ref-dev-data-databucket1234.s3.eu-west-1.amazonaws.com",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ]);
  });

  it('calls each tenant route twice: with the caller tenant and with another one', () => {
    const calls = plannedCalls(demoConfig(config, outputs), 'acme');
    const tenantCalls = calls.filter((c) => c.route.authorizer === 'tenant');
    expect(tenantCalls.map((c) => [c.path, c.expectation])).toEqual([
      ['/tenants/acme/documents', 'own'],
      ['/tenants/other-tenant/documents', 'other tenant'],
    ]);
    expect(calls[0]!.method).toBe('PUT');
  });
});
