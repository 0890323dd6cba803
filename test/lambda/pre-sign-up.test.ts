import type { UserType } from '@aws-sdk/client-cognito-identity-provider';
import type { PreSignUpTriggerEvent } from 'aws-lambda';
import fc from 'fast-check';
import {
  checkEmailDomain,
  decideLink,
  emailDomain,
  emailFilter,
  parseExternalUserName,
} from '../../lambda/triggers/pre-sign-up/policy';
import { GENERIC_ERROR_MESSAGE, USER_MESSAGES } from '../../lambda/shared/errors';
import { context, expectNothingLeaked, fixture, loadHandler, spyOnLogs, type AsyncHandler } from '../helpers/lambda';
import { mockCognito, mockDynamoDb } from '../helpers/sdk-mock';

type Handler = AsyncHandler<PreSignUpTriggerEvent, PreSignUpTriggerEvent>;

const ENV = {
  ALLOWED_EMAIL_DOMAINS: 'example.com,partner.org',
  DENIED_EMAIL_DOMAINS: 'mailinator.com',
  LINK_PROVIDERS: 'Google,Okta',
};

/** The deployed variant with federation (links accounts); `plain` is the one without. */
function load(env: Partial<typeof ENV> = {}, variant: 'federated' | 'plain' = 'federated') {
  const { handler, prepared } = loadHandler<Handler, ReturnType<typeof mockCognito>>(
    variant === 'federated' ? 'triggers/pre-sign-up/handler-federated' : 'triggers/pre-sign-up/handler',
    { ...ENV, ...env },
    mockCognito,
  );
  return { handler, ...prepared };
}

const signUp = () => fixture<PreSignUpTriggerEvent>('pre-sign-up.sign-up');
const adminCreate = () => fixture<PreSignUpTriggerEvent>('pre-sign-up.admin-create-user');
const external = () => fixture<PreSignUpTriggerEvent>('pre-sign-up.external-provider');

const nativeUser = (verified: boolean, username = 'native-user-1'): UserType => ({
  Username: username,
  UserStatus: 'CONFIRMED',
  Attributes: [
    { Name: 'email', Value: 'alice@example.com' },
    { Name: 'email_verified', Value: String(verified) },
  ],
});

const federatedUser: UserType = { ...nativeUser(true), UserStatus: 'EXTERNAL_PROVIDER' };

let logs: ReturnType<typeof spyOnLogs>;
beforeEach(() => {
  logs = spyOnLogs();
});
afterEach(() => logs.restore());

describe('emailDomain / checkEmailDomain (exact, case-insensitive)', () => {
  const policy = { allow: ['example.com'], deny: ['mailinator.com'] };

  it.each([
    ['alice@example.com', true],
    ['Alice@EXAMPLE.com', true],
    ['alice@example.com.', true],
    ['alice@evil-example.com', false],
    ['alice@example.com.evil.io', false],
    ['alice@sub.example.com', false],
    ['alice@examplexcom', false],
    ['alice@example.co', false],
    ['alice@example.com@evil.io', false],
    ['example.com', false],
    ['@example.com', false],
    ['alice@', false],
    ['alice@ example.com', false],
    ['alice@exa mple.com', false],
  ])('%s allowed: %s', (email, allowed) => {
    expect(checkEmailDomain(email, policy).allowed).toBe(allowed);
  });

  it('denies a denied domain even when no allow list is set', () => {
    expect(checkEmailDomain('x@Mailinator.COM', { allow: [], deny: ['mailinator.com'] })).toEqual({
      allowed: false,
      reason: 'denied',
    });
    expect(checkEmailDomain('x@gmail.com', { allow: [], deny: ['mailinator.com'] }).allowed).toBe(true);
  });

  it('refuses a missing email', () => {
    expect(checkEmailDomain(undefined, policy)).toEqual({ allowed: false, reason: 'no-domain' });
  });

  // Property: an allowed address's domain equals one allow-list entry exactly; any extra prefix
  // or suffix on an allowed domain is refused.
  it('never allows a domain that is not exactly on the allow list (property)', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    const domain = fc.tuple(label, fc.constantFrom('com', 'org', 'io')).map(([l, tld]) => `${l}.${tld}`);
    fc.assert(
      fc.property(domain, label, fc.constantFrom('-', '.', ''), fc.boolean(), (allowed, extra, joiner, asSuffix) => {
        const tricky = asSuffix
          ? `${allowed}${joiner === '' ? '.' : joiner}${extra}.io`
          : `${extra}${joiner}${allowed}`;
        fc.pre(tricky !== allowed);
        const decision = checkEmailDomain(`u@${tricky}`, { allow: [allowed], deny: [] });
        expect(decision.allowed).toBe(false);
        expect(checkEmailDomain(`u@${allowed.toUpperCase()}`, { allow: [allowed], deny: [] }).allowed).toBe(true);
      }),
    );
  });

  it('returns a normalized domain or nothing, never a domain with characters outside [a-z0-9.-] (property)', () => {
    fc.assert(
      fc.property(fc.string(), (email) => {
        const domain = emailDomain(email);
        if (domain !== undefined) expect(domain).toMatch(/^[a-z0-9.-]+$/);
      }),
    );
  });
});

describe('parseExternalUserName / decideLink / emailFilter', () => {
  it('maps the user-name prefix to the configured provider name, case-insensitively', () => {
    expect(parseExternalUserName('google_123', ['Google'])).toEqual({ providerName: 'Google', subject: '123' });
    expect(parseExternalUserName('Okta_a_b', ['Google', 'Okta'])).toEqual({ providerName: 'Okta', subject: 'a_b' });
    expect(parseExternalUserName('Facebook_1', ['Google'])).toBeUndefined();
    expect(parseExternalUserName('Google_', ['Google'])).toBeUndefined();
    expect(parseExternalUserName('nounderscore', ['Google'])).toBeUndefined();
  });

  it('links only when both the IdP and the single native account verified the address', () => {
    const native = { username: 'u1', status: 'CONFIRMED', emailVerified: true };
    expect(decideLink(true, [native])).toEqual({ link: true, destinationUsername: 'u1' });
    expect(decideLink(false, [native])).toEqual({ link: false, reason: 'incoming-email-unverified' });
    expect(decideLink(true, [{ ...native, emailVerified: false }])).toEqual({
      link: false,
      reason: 'native-email-unverified',
    });
    expect(decideLink(true, [{ ...native, status: 'EXTERNAL_PROVIDER' }])).toEqual({
      link: false,
      reason: 'no-native-user',
    });
    expect(decideLink(true, [native, { ...native, username: 'u2' }])).toEqual({ link: false, reason: 'ambiguous' });
  });

  it('builds a ListUsers filter only for addresses that need no escaping', () => {
    expect(emailFilter('a@example.com')).toBe('email = "a@example.com"');
    expect(emailFilter('"a"@example.com')).toBeUndefined();
    expect(emailFilter('a\\b@example.com')).toBeUndefined();
  });
});

describe('pre sign-up handler', () => {
  it.each([
    ['PreSignUp_SignUp', signUp],
    ['PreSignUp_AdminCreateUser', adminCreate],
  ])('%s: allows an allowed domain and never auto-confirms or auto-verifies', async (_source, make) => {
    const { handler, mock } = load();
    const event = make();
    const result = await handler(event, context, () => undefined);
    expect(result.response).toEqual({ autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false });
    expect(mock.calls()).toHaveLength(0);
  });

  it('ignores validationData and clientMetadata that ask for auto-confirmation', async () => {
    const { handler } = load();
    const event = signUp();
    event.request.validationData = { autoConfirmUser: 'true', autoVerifyEmail: 'true' };
    event.request.clientMetadata = { autoConfirmUser: 'true', email_verified: 'true' };
    const result = await handler(event, context, () => undefined);
    expect(result.response).toEqual({ autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false });
  });

  it.each([
    ['a domain outside the allow list', 'mallory@evil-example.com'],
    ['a suffix trick', 'mallory@example.com.evil.io'],
    ['a denied domain', 'mallory@mailinator.com'],
    ['an address without a domain', 'mallory'],
  ])('rejects %s with the fixed message', async (_name, email) => {
    const { handler } = load({ ALLOWED_EMAIL_DOMAINS: 'example.com' });
    const event = signUp();
    event.request.userAttributes.email = email;
    await expect(handler(event, context, () => undefined)).rejects.toThrow(new Error(USER_MESSAGES.signUpNotAllowed));
    expect(logs.text()).not.toContain(email);
  });

  it('applies the domain rules to admin-created and external users too', async () => {
    const { handler } = load({ ALLOWED_EMAIL_DOMAINS: 'example.com' });
    for (const make of [adminCreate, external]) {
      const event = make();
      event.request.userAttributes.email = 'x@other.org';
      await expect(handler(event, context, () => undefined)).rejects.toThrow(USER_MESSAGES.signUpNotAllowed);
    }
  });

  it('rejects an unknown triggerSource with the generic message', async () => {
    const { handler } = load();
    const event = signUp() as unknown as { triggerSource: string };
    event.triggerSource = 'PreSignUp_Whatever';
    await expect(handler(event as never, context, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
  });

  it.each([
    ['null', null],
    ['a string', 'event'],
    ['no request', { ...signUp(), request: undefined }],
    ['no response', { ...signUp(), response: undefined }],
    ['no userName', { ...signUp(), userName: undefined }],
  ])('fails closed with the generic message on a malformed event (%s)', async (_name, event) => {
    const { handler } = load();
    await expect(handler(event as never, context, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
  });

  it('refuses a sign-up whose attributes lack an email', async () => {
    const { handler } = load();
    const event = signUp();
    event.request.userAttributes = {};
    await expect(handler(event, context, () => undefined)).rejects.toThrow(USER_MESSAGES.signUpNotAllowed);
  });

  it('without federation (the SDK-free variant) applies the same rules and never calls AWS', async () => {
    const { handler, mock } = load({ ALLOWED_EMAIL_DOMAINS: 'example.com' }, 'plain');
    for (const make of [signUp, adminCreate, external]) {
      const event = make();
      await expect(handler(event, context, () => undefined)).resolves.toBe(event);
      event.request.userAttributes.email = 'x@other.org';
      await expect(handler(event, context, () => undefined)).rejects.toThrow(USER_MESSAGES.signUpNotAllowed);
    }
    expect(mock.calls()).toHaveLength(0);
  });

  describe('PreSignUp_ExternalProvider linking', () => {
    it('links a verified federated identity to the verified native account with the same email', async () => {
      const { handler, mock, sdk } = load();
      mock.on(sdk.ListUsersCommand).resolves({ Users: [nativeUser(true)] });
      mock.on(sdk.AdminLinkProviderForUserCommand).resolves({});
      const event = external();
      const result = await handler(event, context, () => undefined);

      expect(result.response.autoConfirmUser).toBe(false);
      expect(mock.commandCalls(sdk.ListUsersCommand)[0]!.args[0].input).toEqual({
        UserPoolId: 'eu-west-1_EXAMPLE1',
        Filter: 'email = "alice@example.com"',
        Limit: 10,
      });
      expect(mock.commandCalls(sdk.AdminLinkProviderForUserCommand)[0]!.args[0].input).toEqual({
        UserPoolId: 'eu-west-1_EXAMPLE1',
        DestinationUser: { ProviderName: 'Cognito', ProviderAttributeValue: 'native-user-1' },
        SourceUser: {
          ProviderName: 'Google',
          ProviderAttributeName: 'Cognito_Subject',
          ProviderAttributeValue: '104857392019283746501',
        },
      });
    });

    it.each([
      ['the native account has not verified the email', [nativeUser(false)], 'true'],
      ['the IdP does not assert email_verified', [nativeUser(true)], 'false'],
      ['there is no native account', [], 'true'],
      ['only another federated account has the email', [federatedUser], 'true'],
    ])('does not link when %s, and lets the sign-up proceed unlinked', async (_name, users, idpVerified) => {
      const { handler, mock, sdk } = load();
      mock.on(sdk.ListUsersCommand).resolves({ Users: users });
      const event = external();
      event.request.userAttributes.email_verified = idpVerified;
      await expect(handler(event, context, () => undefined)).resolves.toBe(event);
      expect(mock.commandCalls(sdk.AdminLinkProviderForUserCommand)).toHaveLength(0);
    });

    it('does not look up users when linking is off or the provider is not trusted for linking', async () => {
      const off = load({}, 'plain');
      await off.handler(external(), context, () => undefined);
      expect(off.mock.calls()).toHaveLength(0);

      const unknown = load({ LINK_PROVIDERS: 'Okta' });
      await unknown.handler(external(), context, () => undefined);
      expect(unknown.mock.calls()).toHaveLength(0);
    });

    it.each([
      [
        'ListUsers throttled',
        'ListUsersCommand',
        Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' }),
      ],
      ['ListUsers timed out', 'ListUsersCommand', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
      [
        'the link call failed',
        'AdminLinkProviderForUserCommand',
        Object.assign(new Error('Boom internal detail'), { name: 'InternalErrorException' }),
      ],
    ])('fails closed with the generic message when %s', async (_name, command, error) => {
      const { handler, mock, sdk } = load();
      mock.on(sdk.ListUsersCommand).resolves({ Users: [nativeUser(true)] });
      mock.on(sdk[command as 'ListUsersCommand']).rejects(error);
      await expect(handler(external(), context, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
      expect(logs.text()).toContain(error.name);
      expect(logs.text()).not.toContain(error.message);
    });
  });

  describe('tenant ids (isTenantId, lambda/contract.ts)', () => {
    it.each(['acme/sub', 'acme*', 'Acme', 'acme.sub', 'acme_sub', '-acme', '', 'a'.repeat(64), 'acme\u0000'])(
      'refuses an admin-created or federated user with tenant %j, with the fixed message',
      async (tenant) => {
        const { handler } = load();
        for (const make of [adminCreate, external, signUp]) {
          const event = make();
          event.request.userAttributes['custom:tenant_id'] = tenant;
          await expect(handler(event, context, () => undefined)).rejects.toThrow(
            new Error(USER_MESSAGES.signUpNotAllowed),
          );
        }
        expect(logs.text()).toContain('tenant-id-invalid');
      },
    );

    it.each(['acme', 'acme-sub', 'globex2', '0', 'a'.repeat(63)])('accepts tenant %j', async (tenant) => {
      const { handler } = load({}, 'plain');
      const event = adminCreate();
      event.request.userAttributes['custom:tenant_id'] = tenant;
      await expect(handler(event, context, () => undefined)).resolves.toBe(event);
    });
  });

  describe('self sign-up with migration on: legacy addresses', () => {
    type DynamoMock = ReturnType<typeof mockDynamoDb>;
    function loadWithLegacy(variant: 'handler-migration' | 'handler-federated-migration') {
      const { handler, prepared } = loadHandler<
        Handler,
        { dynamo: DynamoMock; cognito: ReturnType<typeof mockCognito> }
      >(`triggers/pre-sign-up/${variant}`, { ...ENV, LEGACY_USERS_TABLE: 'legacy-users' }, (load) => ({
        dynamo: mockDynamoDb(load),
        cognito: mockCognito(load),
      }));
      return { handler, ...prepared };
    }
    const legacyItem = {
      username: { S: 'alice@example.com' },
      email: { S: 'alice@example.com' },
      passwordHash: { S: '$scrypt$ln=17,r=8,p=1$c2FsdA$aGFzaA' },
    };

    it.each(['handler-migration', 'handler-federated-migration'] as const)(
      '%s refuses a self sign-up with the address of a legacy user who has not migrated, with the fixed message',
      async (variant) => {
        const { handler, dynamo } = loadWithLegacy(variant);
        dynamo.mock.on(dynamo.sdk.GetItemCommand).resolves({ Item: legacyItem });
        const event = signUp();
        event.request.userAttributes.email = 'Alice@Example.com';
        await expect(handler(event, context, () => undefined)).rejects.toThrow(
          new Error(USER_MESSAGES.signUpNotAllowed),
        );
        const lookups = dynamo.mock.commandCalls(dynamo.sdk.GetItemCommand);
        expect(lookups.map((c) => c.args[0].input)).toEqual([
          { TableName: 'legacy-users', Key: { username: { S: 'alice@example.com' } } },
        ]);
        // Bounded by the invocation's deadline: the lookup carries an abort signal.
        const options = (lookups[0]!.args as unknown[])[1] as { abortSignal?: unknown };
        expect(options.abortSignal).toBeInstanceOf(AbortSignal);
        expect(logs.text()).toContain('legacy-user');
        expect(logs.text()).not.toContain('lice@');
      },
    );

    it('lets other addresses sign up, and looks up only self sign-ups', async () => {
      const { handler, dynamo } = loadWithLegacy('handler-migration');
      dynamo.mock.on(dynamo.sdk.GetItemCommand).resolves({});
      await expect(handler(signUp(), context, () => undefined)).resolves.toBeDefined();
      await expect(handler(adminCreate(), context, () => undefined)).resolves.toBeDefined();
      expect(dynamo.mock.commandCalls(dynamo.sdk.GetItemCommand)).toHaveLength(1);
    });

    it('fails closed with the generic message when the lookup fails', async () => {
      const { handler, dynamo } = loadWithLegacy('handler-migration');
      dynamo.mock
        .on(dynamo.sdk.GetItemCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
      await expect(handler(signUp(), context, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
    });
  });

  it('logs no email, no attribute values and no event on any path', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.ListUsersCommand).resolves({ Users: [nativeUser(true)] });
    mock.on(sdk.AdminLinkProviderForUserCommand).resolves({});
    const events = [signUp(), adminCreate(), external()];
    for (const event of events) await handler(event, context, () => undefined);
    const denied = signUp();
    denied.request.userAttributes.email = 'eve@evil.io';
    await handler(denied, context, () => undefined).catch(() => undefined);
    for (const event of [...events, denied]) {
      expectNothingLeaked(logs.text(), event, [
        event.request.userAttributes.email ?? '',
        '104857392019283746501',
        'Alice',
      ]);
    }
    expect(logs.entries().length).toBeGreaterThan(0);
  });
});
