import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { GENERIC_ERROR_MESSAGE } from '../../lambda/shared/errors';
import { context, expectNothingLeaked, fixture, loadHandler, spyOnLogs, type AsyncHandler } from '../helpers/lambda';
import { mockCognito } from '../helpers/sdk-mock';

type Handler = AsyncHandler<PostConfirmationTriggerEvent, PostConfirmationTriggerEvent>;

function load(env: Record<string, string> = {}) {
  const { handler, prepared } = loadHandler<Handler, ReturnType<typeof mockCognito>>(
    'triggers/post-confirmation/handler',
    { DEFAULT_GROUP: 'readers', ...env },
    mockCognito,
  );
  return { handler, ...prepared };
}
const confirmed = () => fixture<PostConfirmationTriggerEvent>('post-confirmation.confirm-sign-up');

let logs: ReturnType<typeof spyOnLogs>;
beforeEach(() => {
  logs = spyOnLogs();
});
afterEach(() => logs.restore());

describe('post confirmation handler', () => {
  it('adds a newly confirmed user to the default group from config, ignoring clientMetadata', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.AdminAddUserToGroupCommand).resolves({});
    const event = confirmed();
    await expect(handler(event, context, () => undefined)).resolves.toBe(event);
    expect(mock.commandCalls(sdk.AdminAddUserToGroupCommand).map((c) => c.args[0].input)).toEqual([
      { UserPoolId: 'eu-west-1_EXAMPLE1', Username: 'a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809', GroupName: 'readers' },
    ]);
  });

  it('is idempotent: a Cognito retry adds the same membership again and succeeds', async () => {
    const { handler, mock, sdk } = load();
    // A stateful stand-in for the pool: adding an existing membership succeeds, as in Cognito;
    // any other call (a create, a check that throws on "already a member") fails the test.
    const memberships = new Set<string>();
    mock.onAnyCommand().rejects(new Error('unexpected command'));
    mock.on(sdk.AdminAddUserToGroupCommand).callsFake((input: { Username: string; GroupName: string }) => {
      memberships.add(`${input.Username}/${input.GroupName}`);
      return {};
    });
    const first = await handler(confirmed(), context, () => undefined);
    const retry = await handler(confirmed(), context, () => undefined);
    expect(retry).toEqual(first);
    expect([...memberships]).toEqual(['a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809/readers']);
    expect(mock.calls()).toHaveLength(2);
  });

  it('changes no membership on a confirmed password reset', async () => {
    const { handler, mock } = load();
    const event = confirmed() as unknown as { triggerSource: string };
    event.triggerSource = 'PostConfirmation_ConfirmForgotPassword';
    await handler(event as never, context, () => undefined);
    expect(mock.calls()).toHaveLength(0);
  });

  it('rejects an unknown triggerSource with the generic message', async () => {
    const { handler, mock } = load();
    const event = confirmed() as unknown as { triggerSource: string };
    event.triggerSource = 'PostAuthentication_Authentication';
    await expect(handler(event as never, context, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
    expect(mock.calls()).toHaveLength(0);
  });

  it('fails closed on a malformed event', async () => {
    const { handler } = load();
    await expect(
      handler({ triggerSource: 'PostConfirmation_ConfirmSignUp' } as never, context, () => undefined),
    ).rejects.toThrow(GENERIC_ERROR_MESSAGE);
  });

  it.each([
    [
      'a throttled call',
      Object.assign(new Error('Rate exceeded for user alice@example.com'), { name: 'TooManyRequestsException' }),
    ],
    ['a missing group', Object.assign(new Error('Group readers not found'), { name: 'ResourceNotFoundException' })],
    ['a request timeout', Object.assign(new Error('Request timed out after 1500 ms'), { name: 'TimeoutError' })],
  ])('returns the generic message on %s, logging only the error type', async (_name, error) => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.AdminAddUserToGroupCommand).rejects(error);
    await expect(handler(confirmed(), context, () => undefined)).rejects.toThrow(new Error(GENERIC_ERROR_MESSAGE));
    expect(logs.text()).toContain(error.name);
    expect(logs.text()).not.toContain(error.message);
  });

  it('requires DEFAULT_GROUP at load', () => {
    expect(() => load({ DEFAULT_GROUP: '' })).toThrow('Missing environment variable DEFAULT_GROUP');
  });

  it('logs no email and no event', async () => {
    const { handler, mock, sdk } = load();
    mock.on(sdk.AdminAddUserToGroupCommand).resolves({});
    const event = confirmed();
    await handler(event, context, () => undefined);
    expectNothingLeaked(logs.text(), event, ['alice@example.com']);
  });
});
