import type { UserType } from '@aws-sdk/client-cognito-identity-provider';
import fc from 'fast-check';
import { SAFE_ATTRIBUTES, toSafeUser, toTenantPage } from '../../lambda/api/admin-users/users';
import { API_MESSAGES } from '../../lambda/shared/http';
import { cognitoEvent, FIXTURE_TOKEN_SIGNATURE, parse, type RouteHandler } from '../helpers/api';
import { context, expectNothingLeaked, loadHandler, spyOnLogs } from '../helpers/lambda';
import { mockCognito } from '../helpers/sdk-mock';

const POOL = 'eu-west-1_EXAMPLE1';

function load(env: Record<string, string> = {}) {
  const { handler, prepared } = loadHandler<RouteHandler, ReturnType<typeof mockCognito>>(
    'api/admin-users/handler',
    { USER_POOL_ID: POOL, REQUIRED_SCOPE: 'api/admin', ALLOWED_ORIGINS: 'https://app.example.com', ...env },
    mockCognito,
  );
  return { handler, ...prepared };
}

/** An admin of acme (the fixture's `tenant_id`), unless `claims` changes it. */
const adminEvent = (query: Record<string, string> | null = null, claims: Record<string, string | undefined> = {}) =>
  cognitoEvent({
    path: '/admin/users',
    query,
    claims: { 'cognito:groups': 'admins', scope: 'openid email api/admin api/write api/read', ...claims },
  });

const USER = {
  Username: 'b2c3d4e5-0000-1111-2222-333344445555',
  Attributes: [
    { Name: 'sub', Value: 'b2c3d4e5-0000-1111-2222-333344445555' },
    { Name: 'email', Value: 'bob@example.com' },
    { Name: 'email_verified', Value: 'true' },
    { Name: 'custom:tenant_id', Value: 'acme' },
    { Name: 'phone_number', Value: '+15550100' },
    { Name: 'custom:api_key', Value: 'sk_live_should_never_leave' },
  ],
  UserCreateDate: new Date('2026-01-01T00:00:00.000Z'),
  UserLastModifiedDate: new Date('2026-02-01T00:00:00.000Z'),
  Enabled: true,
  UserStatus: 'CONFIRMED' as const,
  MFAOptions: [{ DeliveryMedium: 'SMS' as const, AttributeName: 'phone_number' }],
};

/** A user of `tenant` (or, with `undefined`, a user without the tenant attribute). */
function userOf(name: string, tenant: string | undefined): UserType {
  return {
    Username: name,
    Attributes: [
      { Name: 'sub', Value: `sub-${name}` },
      { Name: 'email', Value: `${name}@example.com` },
      ...(tenant === undefined ? [] : [{ Name: 'custom:tenant_id', Value: tenant }]),
    ],
    Enabled: true,
    UserStatus: 'CONFIRMED',
  };
}

let logs: ReturnType<typeof spyOnLogs>;
beforeEach(() => {
  logs = spyOnLogs();
});
afterEach(() => logs.restore());

describe('GET /admin/users', () => {
  it('lists one page of users with only the safe attributes, asking Cognito for those only', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.ListUsersCommand).resolves({ Users: [USER], PaginationToken: 'opaque+token/=' });
    const { status, body } = parse(await handler(adminEvent(), context, () => undefined));
    expect(status).toBe(200);
    expect(body).toEqual({
      users: [
        {
          username: 'b2c3d4e5-0000-1111-2222-333344445555',
          sub: 'b2c3d4e5-0000-1111-2222-333344445555',
          email: 'bob@example.com',
          emailVerified: true,
          tenantId: 'acme',
          department: null,
          status: 'CONFIRMED',
          enabled: true,
          createdAt: '2026-01-01T00:00:00.000Z',
          updatedAt: '2026-02-01T00:00:00.000Z',
        },
      ],
      nextToken: 'opaque+token/=',
    });
    expect(JSON.stringify(body)).not.toMatch(/sk_live|\+15550100|MFA/);
    expect(mock.commandCalls(sdk.ListUsersCommand).map((c) => c.args[0].input)).toEqual([
      { UserPoolId: POOL, Limit: 20, AttributesToGet: [...SAFE_ATTRIBUTES] },
    ]);
  });

  it('passes the page size and the pagination token through', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.ListUsersCommand).resolves({ Users: [] });
    const { body } = parse(
      await handler(adminEvent({ limit: '60', nextToken: 'opaque+token/=' }), context, () => undefined),
    );
    expect(body).toEqual({ users: [] });
    expect(mock.commandCalls(sdk.ListUsersCommand)[0]?.args[0].input).toMatchObject({
      Limit: 60,
      PaginationToken: 'opaque+token/=',
    });
  });

  it.each([
    ['limit 0', { limit: '0' }],
    ['limit over 60', { limit: '61' }],
    ['a negative limit', { limit: '-1' }],
    ['a token with spaces', { nextToken: 'a b' }],
    ['a token with control characters', { nextToken: 'a\u0000b' }],
    ['a token that is too long', { nextToken: 'a'.repeat(2049) }],
  ])('answers 400 for %s, without calling Cognito', async (_name, query) => {
    const { handler, mock } = load();
    expect(parse(await handler(adminEvent(query), context, () => undefined))).toMatchObject({
      status: 400,
      body: { message: API_MESSAGES[400] },
    });
    expect(mock.calls()).toHaveLength(0);
  });

  it('answers 403 for an editor token (no admin scope), without calling Cognito', async () => {
    const { handler, mock } = load();
    const event = cognitoEvent({ path: '/admin/users' });
    expect(parse(await handler(event, context, () => undefined)).status).toBe(403);
    expect(mock.calls()).toHaveLength(0);
  });

  it('answers 500 with the generic message on a throttled call', async () => {
    const { handler, mock, sdk } = load();
    const error = Object.assign(new Error('Rate exceeded for pool eu-west-1_EXAMPLE1'), {
      name: 'TooManyRequestsException',
    });
    mock.on(sdk.ListUsersCommand).rejects(error);
    const { status, body } = parse(await handler(adminEvent(), context, () => undefined));
    expect(status).toBe(500);
    expect(body).toEqual({ message: API_MESSAGES[500] });
    expect(logs.text()).toContain(error.name);
    expect(logs.text()).not.toContain(error.message);
  });

  it('answers 400 with the fixed message when Cognito rejects the pagination token', async () => {
    const { handler, mock, sdk } = load();
    const error = Object.assign(new Error('Invalid pagination token opaque'), { name: 'InvalidParameterException' });
    mock.on(sdk.ListUsersCommand).rejects(error);
    const { status, body } = parse(await handler(adminEvent({ nextToken: 'forged-token' }), context, () => undefined));
    expect(status).toBe(400);
    expect(body).toEqual({ message: API_MESSAGES[400] });
    expect(JSON.stringify(body)).not.toContain('forged-token');
    expect(logs.text()).not.toContain(error.message);
    expect(logs.text()).not.toContain('forged-token');
  });

  it('answers 500 for InvalidParameterException without a pagination token (our parameters, not the client)', async () => {
    const { handler, mock, sdk } = load();
    mock
      .on(sdk.ListUsersCommand)
      .rejects(Object.assign(new Error('1 validation error detected'), { name: 'InvalidParameterException' }));
    expect(parse(await handler(adminEvent(), context, () => undefined))).toMatchObject({
      status: 500,
      body: { message: API_MESSAGES[500] },
    });
  });

  it("returns only the caller's tenant's users, page after page, with Cognito's token unchanged", async () => {
    const { handler, mock, sdk } = load();
    mock
      .on(sdk.ListUsersCommand)
      .resolvesOnce({
        Users: [userOf('ann', 'acme'), userOf('gus', 'globex'), userOf('gil', 'globex')],
        PaginationToken: 'page-2',
      })
      .resolvesOnce({ Users: [userOf('gwen', 'globex')], PaginationToken: 'page-3' })
      .resolvesOnce({ Users: [userOf('gary', 'globex'), userOf('amy', 'acme')] });
    const pages = [];
    let nextToken: string | undefined;
    do {
      const event = adminEvent(nextToken ? { limit: '3', nextToken } : { limit: '3' });
      const page = parse(await handler(event, context, () => undefined)).body as {
        users: { username: string; tenantId: string }[];
        nextToken?: string;
      };
      pages.push(page);
      nextToken = page.nextToken;
    } while (nextToken);
    // A page may be shorter than the limit (here: empty) and still carry nextToken.
    expect(pages.map((p) => [p.users.map((u) => u.username), p.nextToken])).toEqual([
      [['ann'], 'page-2'],
      [[], 'page-3'],
      [['amy'], undefined],
    ]);
    expect(pages.flatMap((p) => p.users.map((u) => u.tenantId))).toEqual(['acme', 'acme']);
    expect(JSON.stringify(pages)).not.toMatch(/globex|gus|gil|gwen|gary/);
    expect(mock.commandCalls(sdk.ListUsersCommand).map((c) => c.args[0].input.PaginationToken)).toEqual([
      undefined,
      'page-2',
      'page-3',
    ]);
  });

  it("shows a globex admin globex's users, never acme's", async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.ListUsersCommand).resolves({ Users: [USER, userOf('gus', 'globex')] });
    const { body } = parse(await handler(adminEvent(null, { tenant_id: 'globex' }), context, () => undefined));
    expect((body.users as { username: string }[]).map((u) => u.username)).toEqual(['gus']);
  });

  it.each([
    ['no tenant claim', { tenant_id: undefined }],
    ['an empty tenant claim', { tenant_id: '' }],
    ['a malformed tenant claim', { tenant_id: 'acme#globex' }],
  ])('answers 403 for an admin with %s, without calling Cognito', async (_name, claims) => {
    const { handler, mock } = load();
    expect(parse(await handler(adminEvent(null, claims), context, () => undefined))).toMatchObject({
      status: 403,
      body: { message: API_MESSAGES[403] },
    });
    expect(mock.calls()).toHaveLength(0);
  });

  it('never returns a user whose tenant attribute is missing, empty or only similar', async () => {
    const { handler, mock, sdk } = load();
    const similar = ['', 'ACME', 'acme ', ' acme', 'acme2', 'acm'];
    mock.on(sdk.ListUsersCommand).resolves({
      Users: [
        userOf('none', undefined),
        { Username: 'no-attributes' },
        { Username: 'no-value', Attributes: [{ Name: 'custom:tenant_id' }] },
        ...similar.map((tenant, i) => userOf(`similar-${i}`, tenant)),
      ],
    });
    const { status, body } = parse(await handler(adminEvent(), context, () => undefined));
    expect(status).toBe(200);
    expect(body).toEqual({ users: [] });
  });

  it('requires USER_POOL_ID at load', () => {
    expect(() => load({ USER_POOL_ID: '' })).toThrow('Missing environment variable USER_POOL_ID');
  });

  it('logs no email, no token and no event', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.ListUsersCommand).resolves({ Users: [USER] });
    const event = adminEvent();
    await handler(event, context, () => undefined);
    expectNothingLeaked(logs.text(), event, [FIXTURE_TOKEN_SIGNATURE, 'bob@example.com', 'sk_live']);
  });
});

describe('toTenantPage', () => {
  it('keeps exactly the users whose tenant attribute equals the caller tenant (property)', () => {
    const tenant = fc.oneof(fc.constantFrom('acme', 'globex', 'ACME', 'acme ', ''), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(fc.option(tenant, { nil: undefined }), { maxLength: 60 }), (tenants) => {
        const users = tenants.map((t, i) => userOf(`u${i}`, t));
        const page = toTenantPage(users, 'next', 'acme');
        expect(page.users.map((u) => u.username)).toEqual(tenants.flatMap((t, i) => (t === 'acme' ? [`u${i}`] : [])));
        expect(page.nextToken).toBe('next');
      }),
      { numRuns: 300 },
    );
  });
});

describe('toSafeUser', () => {
  it('returns the allowlist only, even when Cognito returns more', () => {
    const safe = toSafeUser({
      Username: 'u',
      Attributes: [
        { Name: 'custom:secret', Value: 's' },
        { Name: 'name', Value: 'n' },
      ],
    });
    expect(Object.values(safe)).not.toContain('s');
    expect(Object.values(safe)).not.toContain('n');
  });
});
