import fc from 'fast-check';
import { parseListClaim } from '../../lambda/api/caller';
import { API_MESSAGES, corsHeaders } from '../../lambda/shared/http';
import { cognitoEvent, FIXTURE_TOKEN_SIGNATURE, parse, type RouteHandler } from '../helpers/api';
import { context, expectNothingLeaked, loadHandler, spyOnLogs } from '../helpers/lambda';

const ENV = { REQUIRED_SCOPE: 'api/read', ALLOWED_ORIGINS: 'https://app.example.com,http://localhost:5173' };
const load = (env: Record<string, string> = ENV) => loadHandler<RouteHandler>('api/me/handler', env).handler;

let logs: ReturnType<typeof spyOnLogs>;
beforeEach(() => {
  logs = spyOnLogs();
});
afterEach(() => logs.restore());

describe('GET /me', () => {
  it('returns the caller from the verified access-token claims', async () => {
    const { status, body, headers } = parse(await load()(cognitoEvent(), context, () => undefined));
    expect(status).toBe(200);
    expect(body).toEqual({
      sub: 'a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809',
      username: 'a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809',
      clientId: '1example23456789abcdefghij',
      groups: ['editors', 'readers'],
      scopes: ['api/read', 'api/write', 'email', 'openid'],
      tenantId: 'acme',
      department: 'finance',
    });
    expect(headers).toMatchObject({
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Access-Control-Allow-Origin': 'https://app.example.com',
      Vary: 'Origin',
    });
  });

  it('returns null tenant and department for a user without them', async () => {
    const event = cognitoEvent({ claims: { tenant_id: undefined, department: undefined } });
    const { body } = parse(await load()(event, context, () => undefined));
    expect(body).toMatchObject({ tenantId: null, department: null });
  });

  it('drops a malformed tenant claim instead of echoing it', async () => {
    const event = cognitoEvent({ claims: { tenant_id: '<script>' } });
    const { body } = parse(await load()(event, context, () => undefined));
    expect(body.tenantId).toBeNull();
  });

  // A client-credentials token as the Cognito authorizer passes it: sub = client id, no user.
  const MACHINE = '3example45machine67client89';
  const machineClaims = {
    sub: MACHINE,
    client_id: MACHINE,
    username: undefined,
    'cognito:groups': undefined,
    origin_jti: undefined,
    auth_time: undefined,
    department: undefined,
    scope: 'api/read',
  };

  it("accepts a machine token on a route that accepts machines (MACHINE_CALLERS), with its tenant like a user's", async () => {
    const handler = load({ ...ENV, MACHINE_CALLERS: 'accept' });
    const { status, body } = parse(await handler(cognitoEvent({ claims: machineClaims }), context, () => undefined));
    expect(status).toBe(200);
    expect(body).toEqual({
      sub: MACHINE,
      username: MACHINE,
      clientId: MACHINE,
      groups: [],
      scopes: ['api/read'],
      tenantId: 'acme',
      department: null,
    });
  });

  it.each([
    ['without a tenant', { ...machineClaims, tenant_id: undefined }],
    ['with a tenant that is no tenant id', { ...machineClaims, tenant_id: 'Acme' }],
  ])('answers 403 for a machine token %s, even where machines are accepted', async (_name, claims) => {
    const handler = load({ ...ENV, MACHINE_CALLERS: 'accept' });
    const { status } = parse(await handler(cognitoEvent({ claims }), context, () => undefined));
    expect(status).toBe(403);
  });

  it('answers 403 for a machine token on a route that does not accept machines', async () => {
    const { status } = parse(await load()(cognitoEvent({ claims: machineClaims }), context, () => undefined));
    expect(status).toBe(403);
    expect(logs.text()).toContain('route does not accept machine callers');
  });

  it.each([
    ['an ID token (token_use id)', { token_use: 'id' }],
    ['a client-credentials token (no username)', { username: undefined }],
    ['claims without sub', { sub: undefined }],
    ['a sub that could escape a table key', { sub: 'USER#other' }],
  ])('answers 403 with the fixed message for %s', async (_name, claims) => {
    const { status, body } = parse(await load()(cognitoEvent({ claims }), context, () => undefined));
    expect(status).toBe(403);
    expect(body).toEqual({ message: API_MESSAGES[403] });
  });

  it('answers 403 when the method was not protected by the Cognito authorizer at all', async () => {
    const event = cognitoEvent();
    event.requestContext.authorizer = null;
    expect(parse(await load()(event, context, () => undefined)).status).toBe(403);
  });

  it('answers 403 when the token lacks the required scope (defense in depth)', async () => {
    const event = cognitoEvent({ claims: { scope: 'openid email' } });
    expect(parse(await load()(event, context, () => undefined)).status).toBe(403);
  });

  it('fails closed (403) on an event without requestContext', async () => {
    const result = await load()({} as never, context, () => undefined);
    expect(parse(result)).toMatchObject({ status: 403, body: { message: API_MESSAGES[403] } });
  });

  it('echoes only allowlisted origins', async () => {
    const other = parse(await load()(cognitoEvent({ origin: 'https://evil.example.com' }), context, () => undefined));
    expect(other.headers['Access-Control-Allow-Origin']).toBeUndefined();
    const local = parse(await load()(cognitoEvent({ origin: 'http://localhost:5173' }), context, () => undefined));
    expect(local.headers['Access-Control-Allow-Origin']).toBe('http://localhost:5173');
  });

  it('requires REQUIRED_SCOPE at load', () => {
    expect(() => load({ ALLOWED_ORIGINS: '' })).toThrow('Missing environment variable REQUIRED_SCOPE');
  });

  it('logs no token, no claim values beyond the route outcome, and no event', async () => {
    const event = cognitoEvent();
    await load()(event, context, () => undefined);
    expectNothingLeaked(logs.text(), event, [FIXTURE_TOKEN_SIGNATURE, 'finance']);
  });
});

describe('caller helpers', () => {
  it.each([
    ['editors,readers', ['editors', 'readers']],
    ['[editors readers]', ['editors', 'readers']],
    ['admins', ['admins']],
    ['', []],
    [['admins', 'bad name', 'x'.repeat(129)], ['admins']],
  ])('parses the list claim %j', (value, expected) => {
    expect(parseListClaim(value as string, /^[A-Za-z0-9_-]{1,128}$/)).toEqual(expected);
  });

  it('never returns a name that does not match the pattern (property)', () => {
    const pattern = /^[A-Za-z0-9_-]{1,128}$/;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(fc.string())), (value) => {
        for (const item of parseListClaim(value, pattern)) expect(item).toMatch(pattern);
      }),
    );
  });

  it('never allows an origin outside the list, never "*" (property)', () => {
    fc.assert(
      fc.property(fc.option(fc.string(), { nil: undefined }), (origin) => {
        const headers = corsHeaders(origin, ['https://app.example.com']);
        if (origin !== 'https://app.example.com') expect(headers['Access-Control-Allow-Origin']).toBeUndefined();
        expect(headers.Vary).toBe('Origin');
      }),
    );
  });
});
