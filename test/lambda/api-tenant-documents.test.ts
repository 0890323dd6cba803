import { DOCUMENT_LIMITS, PAGE_LIMITS } from '../../lambda/contract';
import fc from 'fast-check';
import { encodeNextToken, parseListQuery, toPage, truncate } from '../../lambda/api/tenant-documents/list';
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

  it("serves a machine caller (tenant authorizer context caller 'machine') its tenant's partition, with no group", async () => {
    const { handler, mock, lib } = load();
    mock.on(lib.QueryCommand).resolves({ Items: ITEMS });
    const event = tenantEvent({
      pathParameters: { tenantId: 'globex' },
      claims: {
        caller: 'machine',
        sub: 'machine1',
        username: 'machine1',
        clientId: 'machine1',
        groups: '',
        tenantId: 'globex',
      },
    });
    const { status } = parse(await handler(event, context, () => undefined));
    expect(status).toBe(200);
    const [input] = mock.commandCalls(lib.QueryCommand).map((c) => c.args[0].input);
    expect(input?.ExpressionAttributeValues).toMatchObject({ ':pk': 'TENANT#globex' });
  });

  it('answers 403 when the authorizer context says neither user nor machine', async () => {
    const { handler } = load();
    const { status } = parse(await handler(tenantEvent({ claims: { caller: 'robot' } }), context, () => undefined));
    expect(status).toBe(403);
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
    // 'RE9DI2E' is DOC#a; 'RE9DI2F' decodes to the same bytes through bits a canonical token leaves 0.
    ['a token that is not canonical base64url', { nextToken: 'RE9DI2F' }],
    ['a token of one base64url character (no whole byte)', { nextToken: 'R' }],
    ['a token that is not UTF-8', { nextToken: Buffer.from([0x44, 0x4f, 0x43, 0x23, 0xff]).toString('base64url') }],
    ['a token of a key longer than DynamoDB allows', { nextToken: encodeNextToken(`DOC#${'x'.repeat(1021)}`) }],
    ['a token of a key that is not a document key', { nextToken: encodeNextToken('USER#someone') }],
  ])('answers 400 for %s', async (_name, query) => {
    const { handler, mock } = load();
    expect(parse(await handler(tenantEvent({ query }), context, () => undefined)).status).toBe(400);
    expect(mock.calls()).toHaveLength(0);
  });

  it('leaves out malformed items (logging why, never what) and lists the rest', async () => {
    const { handler, mock, lib } = load();
    const at = '2026-11-03T00:00:00.000Z';
    mock.on(lib.QueryCommand).resolves({
      Items: [
        ITEMS[0]!,
        { sk: 'DOC#no-title', updatedAt: at },
        { sk: 'DOC#numeric-title', title: 7, updatedAt: at },
        { sk: 'DOC#no-date', title: 'Secret-title-content' },
        { sk: 'DOC#huge-date', title: 'Secret-title-content', updatedAt: 'Secret-date'.repeat(10) },
        { sk: 'DOC#bad id/Secret-id', title: 'Secret-title-content', updatedAt: at },
        { sk: 'DOC#', title: 'Secret-title-content', updatedAt: at },
        { title: 'Secret-title-content', updatedAt: at },
        { sk: 42, title: 'Secret-title-content', updatedAt: at },
        ITEMS[1]!,
      ],
    });
    const { status, body } = parse(await handler(tenantEvent(), context, () => undefined));
    expect(status).toBe(200);
    expect((body.items as { id: string }[]).map((d) => d.id)).toEqual(['handbook', 'policy-1']);
    const warning = logs.entries().find((e) => (e as { event?: string }).event === 'tenantDocuments.skippedItems');
    expect(warning).toEqual({
      event: 'tenantDocuments.skippedItems',
      tenant: 'acme',
      count: 8,
      reasons: ['invalid title', 'invalid updatedAt', 'invalid document id', 'not a document key'],
    });
    expect(logs.text()).not.toMatch(/Secret|no-title|numeric-title/);
  });

  it('answers an empty page, not an error, when every item of the page is malformed', async () => {
    const { handler, mock, lib } = load();
    mock.on(lib.QueryCommand).resolves({
      Items: [{ sk: 'DOC#a', title: null, updatedAt: null }],
      LastEvaluatedKey: { pk: 'TENANT#acme', sk: 'DOC#a' },
    });
    const { status, body } = parse(await handler(tenantEvent(), context, () => undefined));
    expect(status).toBe(200);
    expect(body).toEqual({ items: [], nextToken: encodeNextToken('DOC#a') });
  });

  it.each([
    ['an id outside the document id pattern', 'DOC#weird id/with spaces ✓ and #hash'],
    ['an empty id', 'DOC#'],
    ['a key of the full 1024 bytes', `DOC#${'é'.repeat(510)}`],
  ])('continues after a last key with %s (the token round-trips)', async (_name, sk) => {
    const { handler, mock, lib } = load();
    mock
      .on(lib.QueryCommand)
      .resolvesOnce({ Items: [{ sk, title: 'x', updatedAt: 'y' }], LastEvaluatedKey: { pk: 'TENANT#acme', sk } })
      .resolves({ Items: [] });
    const first = parse(await handler(tenantEvent({ query: { limit: '1' } }), context, () => undefined));
    const nextToken = first.body.nextToken as string;
    expect(nextToken.length).toBeLessThanOrEqual(PAGE_LIMITS.maxTokenLength);
    const second = parse(await handler(tenantEvent({ query: { nextToken } }), context, () => undefined));
    expect(second.status).toBe(200);
    expect(mock.commandCalls(lib.QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({ pk: 'TENANT#acme', sk });
  });

  it("keeps a crafted token inside the caller's partition", async () => {
    const { handler, mock, lib } = load();
    mock.on(lib.QueryCommand).resolves({ Items: [] });
    const nextToken = encodeNextToken('DOC#x#TENANT#globex');
    await handler(tenantEvent({ query: { nextToken } }), context, () => undefined);
    expect(mock.commandCalls(lib.QueryCommand)[0]?.args[0].input).toMatchObject({
      ExpressionAttributeValues: { ':pk': 'TENANT#acme' },
      ExclusiveStartKey: { pk: 'TENANT#acme', sk: 'DOC#x#TENANT#globex' },
    });
  });

  it('ends the list, logging why, when the last key cannot be a token (not a document key)', async () => {
    const { handler, mock, lib } = load();
    mock.on(lib.QueryCommand).resolves({ Items: ITEMS, LastEvaluatedKey: { pk: 'TENANT#acme', sk: 'META#x' } });
    const { status, body } = parse(await handler(tenantEvent(), context, () => undefined));
    expect(status).toBe(200);
    expect(body.nextToken).toBeUndefined();
    expect(logs.text()).toContain('tenantDocuments.lastKeyNotRepresentable');
  });

  it('cuts titles to the title limit, so 50 huge titles still make a small response', async () => {
    const { handler, mock, lib } = load();
    const huge = 'T'.repeat(400_000);
    mock.on(lib.QueryCommand).resolves({
      Items: Array.from({ length: 50 }, (_, i) => ({ sk: `DOC#d${i}`, title: huge, updatedAt: 'x' })),
    });
    const response = await handler(tenantEvent({ query: { limit: '50' } }), context, () => undefined);
    const items = parse(response).body.items as { title: string }[];
    expect(items).toHaveLength(50);
    for (const item of items) expect(item.title).toBe('T'.repeat(DOCUMENT_LIMITS.titleMaxLength));
    expect(Buffer.byteLength(response.body)).toBeLessThan(20_000);
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
  it('issues canonical tokens only (the 400 case above is the same key, non-canonically)', () => {
    expect(encodeNextToken('DOC#a')).toBe('RE9DI2E');
    expect(Buffer.from('RE9DI2F', 'base64url').toString()).toBe('DOC#a');
  });

  it('round-trips every safe document id through nextToken (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9:._-]{1,128}$/), (id) => {
        const { nextToken } = toPage([], { pk: 'TENANT#acme', sk: `DOC#${id}` }).body;
        expect(parseListQuery({ nextToken })).toEqual({ limit: 20, afterSortKey: `DOC#${id}` });
      }),
    );
  });

  it('round-trips every document sort key DynamoDB can return, whatever its characters (property)', () => {
    const sortKey = fc
      .string({ unit: 'binary', maxLength: 400 })
      .map((rest) => `DOC#${rest}`)
      .filter((sk) => Buffer.byteLength(sk, 'utf8') <= 1024);
    fc.assert(
      fc.property(sortKey, (sk) => {
        const page = toPage([{ sk, title: 't', updatedAt: 'u' }], { pk: 'TENANT#acme', sk });
        expect(page.endedEarly).toBe(false);
        expect(parseListQuery({ nextToken: page.body.nextToken })).toEqual({ limit: 20, afterSortKey: sk });
      }),
      { numRuns: 500 },
    );
  });

  it('never returns a title over the limit, nor one ending in half a surrogate pair (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 600 }), (title) => {
        const cut = truncate(title, DOCUMENT_LIMITS.titleMaxLength);
        expect(cut.length).toBeLessThanOrEqual(DOCUMENT_LIMITS.titleMaxLength);
        expect(title.startsWith(cut)).toBe(true);
        if (title.length > DOCUMENT_LIMITS.titleMaxLength) {
          expect(cut.length).toBeGreaterThanOrEqual(DOCUMENT_LIMITS.titleMaxLength - 1);
          expect(cut).toMatch(/(?:^|[^\ud800-\udbff])$/);
        } else {
          expect(cut).toBe(title);
        }
      }),
      { numRuns: 500 },
    );
    expect(truncate(`a${'😀'.repeat(150)}`, 200)).toBe(`a${'😀'.repeat(99)}`);
  });
});
