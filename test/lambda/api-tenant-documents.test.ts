import fc from 'fast-check';
import { parseListQuery, toPage } from '../../lambda/api/tenant-documents/list';
import { API_MESSAGES } from '../../lambda/shared/http';
import { FIXTURE_TOKEN_SIGNATURE, parse, tenantEvent, type RouteHandler } from '../helpers/api';
import { context, expectNothingLeaked, loadHandler, spyOnLogs } from '../helpers/lambda';
import { mockDynamo } from '../helpers/sdk-mock';

const TABLE = 'ProtectedTable';

function load(env: Record<string, string> = {}) {
  const { handler, prepared } = loadHandler<RouteHandler, ReturnType<typeof mockDynamo>>(
    'api/tenant-documents/handler',
    { TABLE_NAME: TABLE, REQUIRED_SCOPE: 'api/read', ALLOWED_ORIGINS: 'https://app.example.com', ...env },
    mockDynamo,
  );
  return { handler, ...prepared };
}

const ITEMS = [
  { sk: 'DOC#handbook', title: 'Handbook', updatedAt: '2026-11-01T00:00:00.000Z' },
  { sk: 'DOC#policy-1', title: 'Policy', updatedAt: '2026-11-02T00:00:00.000Z' },
];

let logs: ReturnType<typeof spyOnLogs>;
beforeEach(() => {
  logs = spyOnLogs();
});
afterEach(() => logs.restore());

describe('GET /tenants/{tenantId}/documents', () => {
  it("queries only the authorizer-verified tenant's partition and returns summaries", async () => {
    const { handler, mock, lib } = load();
    mock.on(lib.QueryCommand).resolves({ Items: ITEMS });
    const { status, body } = parse(await handler(tenantEvent(), context, () => undefined));
    expect(status).toBe(200);
    expect(body).toEqual({
      items: [
        { id: 'handbook', title: 'Handbook', updatedAt: '2026-11-01T00:00:00.000Z' },
        { id: 'policy-1', title: 'Policy', updatedAt: '2026-11-02T00:00:00.000Z' },
      ],
    });
    const [input] = mock.commandCalls(lib.QueryCommand).map((c) => c.args[0].input);
    expect(input).toMatchObject({
      TableName: TABLE,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :doc)',
      ExpressionAttributeValues: { ':pk': 'TENANT#acme', ':doc': 'DOC#' },
      Limit: 20,
    });
    expect(input?.ExclusiveStartKey).toBeUndefined();
  });

  it('pages with an opaque token that can only point inside the same partition', async () => {
    const { handler, mock, lib } = load();
    mock
      .on(lib.QueryCommand)
      .resolvesOnce({ Items: ITEMS, LastEvaluatedKey: { pk: 'TENANT#acme', sk: 'DOC#policy-1' } });
    const first = parse(await handler(tenantEvent({ query: { limit: '2' } }), context, () => undefined));
    const nextToken = first.body.nextToken as string;
    expect(nextToken).toMatch(/^[A-Za-z0-9_-]+$/);

    mock.on(lib.QueryCommand).resolves({ Items: [] });
    await handler(tenantEvent({ query: { nextToken } }), context, () => undefined);
    const second = mock.commandCalls(lib.QueryCommand)[1]?.args[0].input;
    expect(second?.ExclusiveStartKey).toEqual({ pk: 'TENANT#acme', sk: 'DOC#policy-1' });
  });

  it('answers 403 when the path tenant is not the tenant the authorizer verified', async () => {
    const { handler, mock } = load();
    const event = tenantEvent({ pathParameters: { tenantId: 'globex' } });
    expect(parse(await handler(event, context, () => undefined))).toMatchObject({
      status: 403,
      body: { message: API_MESSAGES[403] },
    });
    expect(mock.calls()).toHaveLength(0);
  });

  it.each([
    ['no authorizer context', { tenantId: undefined }],
    ['a malformed tenant in the context', { tenantId: 'acme#x' }],
    ['a context without the read scope', { scope: 'openid' }],
  ])('answers 403 for %s', async (_name, claims) => {
    const { handler, mock } = load();
    expect(parse(await handler(tenantEvent({ claims }), context, () => undefined)).status).toBe(403);
    expect(mock.calls()).toHaveLength(0);
  });

  it.each([
    ['limit 0', { limit: '0' }],
    ['limit over 50', { limit: '51' }],
    ['a non-numeric limit', { limit: 'ten' }],
    ['a token with foreign characters', { nextToken: 'abc$%' }],
    ['a token that decodes to a key separator', { nextToken: Buffer.from('x#TENANT#globex').toString('base64url') }],
    ['a token that is too long', { nextToken: 'a'.repeat(3000) }],
  ])('answers 400 for %s', async (_name, query) => {
    const { handler, mock } = load();
    expect(parse(await handler(tenantEvent({ query }), context, () => undefined)).status).toBe(400);
    expect(mock.calls()).toHaveLength(0);
  });

  it('answers 500 with the generic message when DynamoDB fails', async () => {
    const { handler, mock, lib } = load();
    mock.on(lib.QueryCommand).rejects(Object.assign(new Error('boom on TENANT#acme'), { name: 'InternalServerError' }));
    const { status, body } = parse(await handler(tenantEvent(), context, () => undefined));
    expect(status).toBe(500);
    expect(body).toEqual({ message: API_MESSAGES[500] });
    expect(logs.text()).not.toContain('boom');
  });

  it('logs neither the token nor the event', async () => {
    const { handler, mock, lib } = load();
    mock.on(lib.QueryCommand).resolves({ Items: ITEMS });
    const event = tenantEvent();
    await handler(event, context, () => undefined);
    expectNothingLeaked(logs.text(), event, [FIXTURE_TOKEN_SIGNATURE, 'Handbook']);
  });
});

describe('tenant list pagination', () => {
  it('round-trips every safe document id through nextToken (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9:._-]{1,128}$/), (id) => {
        const { nextToken } = toPage([], { pk: 'TENANT#acme', sk: `DOC#${id}` });
        expect(parseListQuery({ nextToken })).toEqual({ limit: 20, after: id });
      }),
    );
  });
});
