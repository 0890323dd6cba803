import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { UserMigrationTriggerEvent } from 'aws-lambda';
import fc from 'fast-check';
import { GENERIC_ERROR_MESSAGE } from '../../lambda/shared/errors';
import { normalizeUsername, parseLegacyItem, type LegacyUser } from '../../lambda/shared/legacy-directory';
import { hashPassword, type ParsedHash } from '../../lambda/shared/password-hash';
import {
  authenticateLegacyUser,
  meetsPasswordPolicy,
  migratedAttributes,
  parsePasswordPolicy,
  type PasswordPolicy,
} from '../../lambda/triggers/migrate-user/migration';
import { context, expectNothingLeaked, fixture, loadHandler, spyOnLogs, type AsyncHandler } from '../helpers/lambda';
import { mockDynamoDb } from '../helpers/sdk-mock';

type Handler = AsyncHandler<UserMigrationTriggerEvent, UserMigrationTriggerEvent>;

const POLICY: PasswordPolicy = {
  minLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: true,
};
const ENV = { LEGACY_USERS_TABLE: 'legacy-users', PASSWORD_POLICY: JSON.stringify(POLICY) };

const STRONG = 'Tr0ub4dor&3-horse';
const WEAK = 'password1';
const EMAIL = 'alice.legacy@example.com';

// Cheap scrypt parameters for records; the handler reads them from each hash.
let strongHash: string;
let weakHash: string;
beforeAll(async () => {
  [strongHash, weakHash] = await Promise.all([
    hashPassword(STRONG, { ln: 10, r: 8, p: 1 }),
    hashPassword(WEAK, { ln: 10, r: 8, p: 1 }),
  ]);
});

function item(overrides: Partial<Record<string, AttributeValue>> = {}, hash = strongHash) {
  return {
    username: { S: EMAIL },
    email: { S: 'Alice.Legacy@example.com' },
    emailVerified: { BOOL: true },
    passwordHash: { S: hash },
    attributes: {
      M: { given_name: { S: 'Alice' }, family_name: { S: 'Legacy' }, 'custom:tenant_id': { S: 'evil' } },
    },
    tenantId: { S: 'acme' },
    department: { S: 'sales' },
    ...overrides,
  } as Record<string, AttributeValue>;
}

function load(env: Record<string, string> = {}) {
  const { handler, prepared } = loadHandler<Handler, ReturnType<typeof mockDynamoDb>>(
    'triggers/migrate-user/handler',
    { ...ENV, ...env },
    mockDynamoDb,
  );
  return { handler, ...prepared };
}

const signIn = (password = STRONG) => {
  const event = fixture<UserMigrationTriggerEvent>('migrate-user.authentication');
  event.request.password = password;
  return event;
};
const forgot = () => fixture<UserMigrationTriggerEvent>('migrate-user.forgot-password');

let logs: ReturnType<typeof spyOnLogs>;
beforeEach(() => {
  logs = spyOnLogs();
});
afterEach(() => logs.restore());

describe('migrate user handler: UserMigration_Authentication', () => {
  it('migrates a user whose password matches: CONFIRMED, SUPPRESS, no alias takeover, verified email', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.GetItemCommand).resolves({ Item: item() });
    const result = await handler(signIn(), context, () => undefined);

    expect(result.response).toMatchObject({
      finalUserStatus: 'CONFIRMED',
      messageAction: 'SUPPRESS',
      forceAliasCreation: false,
    });
    expect(result.response.userAttributes).toEqual({
      email: 'Alice.Legacy@example.com',
      email_verified: 'true',
      given_name: 'Alice',
      family_name: 'Legacy',
      'custom:tenant_id': 'acme',
      'custom:department': 'sales',
    });
    // Looked up by the normalized name, on the configured table, nothing else.
    expect(mock.commandCalls(sdk.GetItemCommand)[0]!.args[0].input).toEqual({
      TableName: 'legacy-users',
      Key: { username: { S: EMAIL } },
    });
    expect(mock.calls()).toHaveLength(1);
  });

  it('never takes attributes from clientMetadata or validationData', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.GetItemCommand).resolves({ Item: item({ emailVerified: { BOOL: false }, tenantId: undefined }) });
    const result = await handler(signIn(), context, () => undefined);
    // The fixture's clientMetadata asks for tenant "globex"; validationData for email_verified.
    expect(result.response.userAttributes['custom:tenant_id']).toBeUndefined();
    expect(result.response.userAttributes.email_verified).toBe('false');
    expect(JSON.stringify(result.response)).not.toContain('globex');
    expect(JSON.stringify(result.response)).not.toContain('admins');
  });

  it('sets email_verified false when the legacy system never verified the email', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.GetItemCommand).resolves({ Item: item({ emailVerified: { BOOL: false } }) });
    const result = await handler(signIn(), context, () => undefined);
    expect(result.response.userAttributes.email_verified).toBe('false');
    expect(result.response.finalUserStatus).toBe('CONFIRMED');
  });

  it('migrates a correct but weak password as RESET_REQUIRED', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.GetItemCommand).resolves({ Item: item({}, weakHash) });
    const result = await handler(signIn(WEAK), context, () => undefined);
    expect(result.response).toMatchObject({ finalUserStatus: 'RESET_REQUIRED', messageAction: 'SUPPRESS' });
  });

  it('declines a weak password with an unverified email: the reset code could never be delivered', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.GetItemCommand).resolves({ Item: item({ emailVerified: { BOOL: false } }, weakHash) });
    const event = signIn(WEAK);
    const untouched = structuredClone(event);
    await expect(handler(event, context, () => undefined)).resolves.toEqual(untouched);
    expect(logs.entries()).toContainEqual(expect.objectContaining({ reason: 'weak-password-unverified-email' }));
  });

  it('declines a wrong password, an unknown user and an unreadable record alike: the event back untouched', async () => {
    // Returned, not thrown: with PreventUserExistenceErrors Cognito then answers "Incorrect username
    // or password." exactly as for a pool user with a wrong password (see decline in the handler).
    const outcomes: string[] = [];
    const cases: [string, Record<string, AttributeValue> | undefined, string][] = [
      ['wrong password', item(), 'Tr0ub4dor&3-horsE'],
      ['unknown user', undefined, STRONG],
      ['unreadable hash', item({ passwordHash: { S: '$2b$10$notscrypt' } }), STRONG],
      ['record of another name', item({ email: { S: 'mallory@example.com' } }), STRONG],
    ];
    for (const [, record, password] of cases) {
      const { handler, mock, sdk } = load();
      mock.on(sdk.GetItemCommand).resolves(record ? { Item: record } : {});
      const event = signIn(password);
      const untouched = structuredClone(event);
      const result = await handler(event, context, () => undefined);
      expect(result).toEqual(untouched);
      expect(result.response.userAttributes).toBeNull();
      outcomes.push(JSON.stringify(result.response));
    }
    expect(new Set(outcomes).size).toBe(1);
    // Unknown user and wrong password also log the same reason.
    const reasons = logs
      .entries()
      .map((e) => (e as { reason?: string }).reason)
      .filter(Boolean);
    expect(reasons.slice(0, 2)).toEqual(['invalid-credentials', 'invalid-credentials']);
  });

  it.each([
    ['empty password', ''],
    ['absurdly long password', 'x'.repeat(2000)],
  ])('declines an %s without a lookup', async (_name, password) => {
    const { handler, mock } = load();
    const event = signIn(password);
    const untouched = structuredClone(event);
    await expect(handler(event, context, () => undefined)).resolves.toEqual(untouched);
    expect(mock.calls()).toHaveLength(0);
  });

  it('declines a user name that cannot be an email address without a lookup', async () => {
    const { handler, mock } = load();
    const event = signIn();
    event.userName = 'no-at-sign';
    const untouched = structuredClone(event);
    await expect(handler(event, context, () => undefined)).resolves.toEqual(untouched);
    expect(mock.calls()).toHaveLength(0);
  });

  it('bounds the lookup by the invocation deadline, keeping time for the scrypt check', async () => {
    const { handler, mock, sdk } = load();
    // A lookup that never answers on its own, only gives up when its abort signal fires.
    mock.on(sdk.GetItemCommand).callsFake(
      () =>
        new Promise((_, reject) => {
          const args = mock.commandCalls(sdk.GetItemCommand).at(-1)!.args as unknown[];
          const signal = (args[1] as { abortSignal: AbortSignal }).abortSignal;
          signal.addEventListener('abort', () => reject(signal.reason as Error));
        }),
    );
    // 2300 ms left, 2000 ms kept for scrypt: the lookup is aborted about 0.3 s in.
    const clock = { ...context, getRemainingTimeInMillis: () => 2300 };
    await expect(handler(signIn(), clock, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
    expect(logs.entries()).toContainEqual(expect.objectContaining({ errorType: 'DeadlineExceededError' }));
  });
});

describe('migrate user handler: UserMigration_ForgotPassword', () => {
  it('migrates a verified user without a password check, without a status, SUPPRESS', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.GetItemCommand).resolves({ Item: item() });
    const result = await handler(forgot(), context, () => undefined);
    expect(result.response).toMatchObject({ messageAction: 'SUPPRESS', forceAliasCreation: false });
    expect(result.response.finalUserStatus).toBeFalsy();
    expect(result.response.userAttributes).toMatchObject({ email_verified: 'true', 'custom:tenant_id': 'acme' });
  });

  it.each([
    ['an unknown user', undefined],
    ['an unverified email (the reset code could not be delivered)', item({ emailVerified: { BOOL: false } })],
  ])('declines %s like a name Cognito does not know: the event back untouched', async (_name, record) => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.GetItemCommand).resolves(record ? { Item: record } : {});
    const event = forgot();
    const untouched = structuredClone(event);
    await expect(handler(event, context, () => undefined)).resolves.toEqual(untouched);
  });
});

describe('migrate user handler: failures', () => {
  it.each([
    ['throttled', Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' })],
    ['timed out', Object.assign(new Error('socket hang up secret-detail'), { name: 'TimeoutError' })],
    [
      'denied',
      Object.assign(new Error('User arn:aws:iam::1:role/x is not authorized'), { name: 'AccessDeniedException' }),
    ],
  ])('fails closed with the generic message when DynamoDB is %s', async (_name, error) => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.GetItemCommand).rejects(error);
    for (const event of [signIn(), forgot()]) {
      await expect(handler(event, context, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
    }
    expect(logs.text()).toContain(error.name);
    expect(logs.text()).not.toContain(error.message);
  });

  it('rejects an unknown triggerSource and malformed events with the generic message', async () => {
    const { handler } = load();
    const unknown = signIn() as unknown as { triggerSource: string };
    unknown.triggerSource = 'UserMigration_Whatever';
    for (const event of [unknown, null, { ...signIn(), request: undefined }, { ...signIn(), userName: 5 }]) {
      await expect(handler(event as never, context, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
    }
  });

  it('fails at load when its configuration is missing or malformed', () => {
    expect(() => load({ LEGACY_USERS_TABLE: '' })).toThrow('Missing environment variable LEGACY_USERS_TABLE');
    expect(() => load({ PASSWORD_POLICY: '{"minLength":12}' })).toThrow('PASSWORD_POLICY is not');
  });

  it('logs no password, no email, no user name and no event on any path', async () => {
    const { handler, mock, sdk } = load();
    const events: UserMigrationTriggerEvent[] = [];
    for (const [record, password] of [
      [item(), STRONG],
      [item(), 'Wrong-Password-1!'],
      [undefined, STRONG],
      [item({}, weakHash), WEAK],
    ] as const) {
      mock.on(sdk.GetItemCommand).resolves(record ? { Item: record } : {});
      const event = signIn(password);
      events.push(event);
      await handler(event, context, () => undefined).catch(() => undefined);
    }
    const reset = forgot();
    events.push(reset);
    await handler(reset, context, () => undefined).catch(() => undefined);
    for (const event of events) {
      expectNothingLeaked(logs.text(), event, [STRONG, WEAK, 'Wrong-Password-1!', EMAIL, 'Alice.Legacy', 'Alice']);
    }
    expect(logs.text().toLowerCase()).not.toContain('alice');
    expect(logs.entries().length).toBeGreaterThan(0);
  });
});

describe('migration decisions (pure)', () => {
  const user: LegacyUser = {
    username: EMAIL,
    email: EMAIL,
    emailVerified: true,
    passwordHash: '',
    attributes: {},
  };

  it('does the same scrypt work for an unknown user, a wrong password and the right one', async () => {
    const hash = await hashPassword(STRONG, { ln: 10, r: 8, p: 1 });
    const calls: ParsedHash[] = [];
    const verify = (_password: string, parsed: ParsedHash) => {
      calls.push(parsed);
      return Promise.resolve(false);
    };
    for (const found of [undefined, { ...user, passwordHash: hash }, { ...user, passwordHash: 'garbage' }]) {
      calls.length = 0;
      await authenticateLegacyUser({ find: () => Promise.resolve(found) }, EMAIL, STRONG, verify);
      expect(calls).toHaveLength(1);
    }
  });

  it.each([
    [STRONG, true],
    ['Sh0rt&Sweet', false],
    ['alllowercase1!xx', false],
    ['ALLUPPERCASE1!XX', false],
    ['NoDigitsHere!!xx', false],
    ['NoSymbols123xxXX', false],
    ['With Space 123x', true],
    [' Leading-Space1x', false],
    ['Trailing-Space1x ', false],
  ])('password policy: %j meets it: %s', (password, ok) => {
    expect(meetsPasswordPolicy(password, POLICY)).toBe(ok);
  });

  it('refuses passwords longer than Cognito accepts', () => {
    expect(meetsPasswordPolicy(`Aa1!${'x'.repeat(253)}`, POLICY)).toBe(false);
    expect(meetsPasswordPolicy(`Aa1!${'x'.repeat(252)}`, POLICY)).toBe(true);
  });

  it('copies only allow-listed attributes and identifier-shaped tenant values', () => {
    const attributes = migratedAttributes({
      ...user,
      emailVerified: false,
      attributes: { given_name: 'A', locale: 'en\u0000' },
      tenantId: 'acme corp',
      department: 'r&d',
    });
    expect(attributes).toEqual({ email: EMAIL, email_verified: 'false', given_name: 'A' });
  });

  it.each(['acme/sub', 'Acme', 'acme.sub', 'acme_sub'])(
    'migrates no tenant %j that is not a tenant id (migrated users skip pre sign-up)',
    (tenantId) => {
      expect(migratedAttributes({ ...user, tenantId })['custom:tenant_id']).toBeUndefined();
      expect(migratedAttributes({ ...user, tenantId: 'acme-sub' })['custom:tenant_id']).toBe('acme-sub');
    },
  );

  it('parses table items strictly: items without a hash or email are no user', () => {
    expect(parseLegacyItem({ username: { S: EMAIL }, email: { S: EMAIL } })).toBeUndefined();
    expect(parseLegacyItem(item())?.attributes).toEqual({ given_name: 'Alice', family_name: 'Legacy' });
    expect(parseLegacyItem(item({ emailVerified: { S: 'true' } }))?.emailVerified).toBe(false);
  });

  it('normalizes user names like the case-insensitive pool and refuses non-addresses', () => {
    expect(normalizeUsername('  Alice@Example.COM ')).toBe('alice@example.com');
    for (const bad of [
      '',
      'alice',
      '@example.com',
      'alice@',
      'a@b@c',
      'a b@example.com',
      42,
      'x'.repeat(300) + '@a.io',
    ]) {
      expect(normalizeUsername(bad)).toBeUndefined();
    }
  });

  it('validates the policy variable', () => {
    expect(parsePasswordPolicy(POLICY)).toEqual(POLICY);
    expect(() => parsePasswordPolicy({ ...POLICY, requireSymbols: 'yes' })).toThrow('PASSWORD_POLICY');
  });

  it('never accepts a password that misses a required class (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (password) => {
        if (meetsPasswordPolicy(password, POLICY)) {
          expect([...password].length).toBeGreaterThanOrEqual(12);
          expect(password).toMatch(/[a-z]/);
          expect(password).toMatch(/[A-Z]/);
          expect(password).toMatch(/[0-9]/);
        }
      }),
    );
  });
});
