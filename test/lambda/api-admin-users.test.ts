import { SAFE_ATTRIBUTES, toSafeUser } from '../../lambda/api/admin-users/users';
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

const adminEvent = (query: Record<string, string> | null = null) =>
  cognitoEvent({
    path: '/admin/users',
    query,
    claims: { 'cognito:groups': 'admins', scope: 'openid email api/admin api/write api/read' },
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

  it.each([
    [
      'a throttled call',
      Object.assign(new Error('Rate exceeded for pool eu-west-1_EXAMPLE1'), { name: 'TooManyRequestsException' }),
    ],
    [
      'an invalid pagination token',
      Object.assign(new Error('Invalid pagination token opaque'), { name: 'InvalidParameterException' }),
    ],
  ])('answers 500 with the generic message on %s', async (_name, error) => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.ListUsersCommand).rejects(error);
    const { status, body } = parse(await handler(adminEvent(), context, () => undefined));
    expect(status).toBe(500);
    expect(body).toEqual({ message: API_MESSAGES[500] });
    expect(logs.text()).toContain(error.name);
    expect(logs.text()).not.toContain(error.message);
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
