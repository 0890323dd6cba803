import { DOCUMENT_LIMITS } from '../../lambda/contract';
import fc from 'fast-check';
import { parseDocumentId } from '../../lambda/api/documents';
import { API_MESSAGES } from '../../lambda/shared/http';
import { cognitoEvent, FIXTURE_TOKEN_SIGNATURE, parse, type RouteHandler } from '../helpers/api';
import { context, expectNothingLeaked, loadHandler, spyOnLogs } from '../helpers/lambda';
import { mockDynamo } from '../helpers/sdk-mock';

const SUB = 'a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809';
const TABLE = 'ProtectedTable';

function load(route: 'get-document' | 'put-document', env: Record<string, string> = {}) {
  const { handler, prepared } = loadHandler<RouteHandler, ReturnType<typeof mockDynamo>>(
    `api/${route}/handler`,
    {
      TABLE_NAME: TABLE,
      REQUIRED_SCOPE: route === 'get-document' ? 'api/read' : 'api/write',
      ALLOWED_ORIGINS: 'https://app.example.com',
      ...env,
    },
    mockDynamo,
  );
  return { handler, ...prepared };
}

const getEvent = (id = 'doc-1') => cognitoEvent({ path: `/documents/${id}`, pathParameters: { id } });
const putEvent = (body: unknown, id = 'doc-1') =>
  cognitoEvent({
    method: 'PUT',
    path: `/documents/${id}`,
    pathParameters: { id },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const STORED = {
  pk: `USER#${SUB}`,
  sk: 'DOC#doc-1',
  title: 'Plan',
  body: 'Top secret plan',
  updatedAt: '2026-11-22T10:00:00.000Z',
};

let logs: ReturnType<typeof spyOnLogs>;
beforeEach(() => {
  logs = spyOnLogs();
});
afterEach(() => logs.restore());

describe('GET /documents/{id}', () => {
  it("reads the caller's own document: partition USER#<sub from the token>, consistent read", async () => {
    const { handler, mock, lib } = load('get-document');
    mock.on(lib.GetCommand).resolves({ Item: STORED });
    const { status, body } = parse(await handler(getEvent(), context, () => undefined));
    expect(status).toBe(200);
    expect(body).toEqual({
      id: 'doc-1',
      title: 'Plan',
      body: 'Top secret plan',
      updatedAt: '2026-11-22T10:00:00.000Z',
    });
    expect(mock.commandCalls(lib.GetCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLE, Key: { pk: `USER#${SUB}`, sk: 'DOC#doc-1' }, ConsistentRead: true },
    ]);
  });

  it("answers 404 when the caller has no such document (another user's id looks the same)", async () => {
    const { handler, mock, lib } = load('get-document');
    mock.on(lib.GetCommand).resolves({});
    expect(parse(await handler(getEvent('someone-elses'), context, () => undefined))).toEqual({
      status: 404,
      headers: expect.anything() as unknown,
      body: { message: API_MESSAGES[404] },
    });
  });

  it.each([
    ['a slash', 'a/b'],
    ['a key separator', 'USER#other'],
    ['a space', 'a b'],
    ['an empty id', ''],
    ['a too long id', 'x'.repeat(129)],
  ])('answers 400 for an id with %s, without calling DynamoDB', async (_name, id) => {
    const { handler, mock } = load('get-document');
    const { status, body } = parse(await handler(getEvent(id), context, () => undefined));
    expect(status).toBe(400);
    expect(body).toEqual({ message: API_MESSAGES[400] });
    expect(mock.calls()).toHaveLength(0);
  });

  it('answers 500 with the generic message when the stored item is malformed', async () => {
    const { handler, mock, lib } = load('get-document');
    mock.on(lib.GetCommand).resolves({ Item: { pk: `USER#${SUB}`, sk: 'DOC#doc-1', title: 7 } });
    expect(parse(await handler(getEvent(), context, () => undefined)).status).toBe(500);
  });

  it.each([
    [
      'a throttled call',
      Object.assign(new Error('Rate exceeded on table ProtectedTable'), {
        name: 'ProvisionedThroughputExceededException',
      }),
    ],
    [
      'an access denied',
      Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/x is not authorized'), {
        name: 'AccessDeniedException',
      }),
    ],
    ['a timeout', Object.assign(new Error('Request timed out after 1500 ms'), { name: 'TimeoutError' })],
  ])('answers 500 on %s, logging only the error type', async (_name, error) => {
    const { handler, mock, lib } = load('get-document');
    mock.on(lib.GetCommand).rejects(error);
    const { status, body } = parse(await handler(getEvent(), context, () => undefined));
    expect(status).toBe(500);
    expect(body).toEqual({ message: API_MESSAGES[500] });
    expect(JSON.stringify(body)).not.toContain(error.message);
    expect(logs.text()).toContain(error.name);
    expect(logs.text()).not.toContain(error.message);
  });

  it('answers 403 without the read scope', async () => {
    const { handler, mock } = load('get-document');
    const event = getEvent();
    (event.requestContext.authorizer as { claims: Record<string, string> }).claims.scope = 'openid';
    expect(parse(await handler(event, context, () => undefined)).status).toBe(403);
    expect(mock.calls()).toHaveLength(0);
  });

  it('requires TABLE_NAME at load', () => {
    expect(() => load('get-document', { TABLE_NAME: '' })).toThrow('Missing environment variable TABLE_NAME');
  });

  it('logs neither the document, nor the token, nor the event', async () => {
    const { handler, mock, lib } = load('get-document');
    mock.on(lib.GetCommand).resolves({ Item: STORED });
    const event = getEvent();
    await handler(event, context, () => undefined);
    expectNothingLeaked(logs.text(), event, [FIXTURE_TOKEN_SIGNATURE, 'Top secret plan']);
  });
});

describe('PUT /documents/{id}', () => {
  it("writes the caller's document under USER#<sub from the token> and returns it", async () => {
    const { handler, mock, lib } = load('put-document');
    mock.on(lib.PutCommand).resolves({});
    const { status, body } = parse(await handler(putEvent({ title: 'Plan', body: 'Text' }), context, () => undefined));
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 'doc-1', title: 'Plan', body: 'Text' });
    const [input] = mock.commandCalls(lib.PutCommand).map((c) => c.args[0].input);
    expect(input).toEqual({
      TableName: TABLE,
      Item: {
        pk: `USER#${SUB}`,
        sk: 'DOC#doc-1',
        title: 'Plan',
        body: 'Text',
        updatedAt: expect.any(String) as unknown,
      },
    });
  });

  it('ignores any owner or key the body tries to set: extra fields are a 400', async () => {
    const { handler, mock } = load('put-document');
    const response = await handler(
      putEvent({ title: 'x', body: 'y', pk: 'USER#someone-else', owner: 'someone-else' }),
      context,
      () => undefined,
    );
    expect(parse(response).status).toBe(400);
    expect(mock.calls()).toHaveLength(0);
  });

  it.each([
    ['no body', null],
    ['a body that is not JSON', '{"title":'],
    ['a JSON array', '[]'],
    ['a missing title', { body: 'y' }],
    ['an empty title', { title: '', body: 'y' }],
    ['a title that is not a string', { title: 5, body: 'y' }],
    ['a missing body', { title: 'x' }],
    ['a title over the limit', { title: 'x'.repeat(DOCUMENT_LIMITS.titleMaxLength + 1), body: 'y' }],
    ['a body over the limit', { title: 'x', body: 'y'.repeat(DOCUMENT_LIMITS.bodyMaxLength + 1) }],
  ])('answers 400 for %s, without calling DynamoDB', async (_name, body) => {
    const { handler, mock } = load('put-document');
    const event = putEvent(body);
    if (body === null) event.body = null;
    const { status, body: response } = parse(await handler(event, context, () => undefined));
    expect(status).toBe(400);
    expect(response).toEqual({ message: API_MESSAGES[400] });
    expect(mock.calls()).toHaveLength(0);
  });

  it('answers 400 for a base64 (binary) body', async () => {
    const { handler } = load('put-document');
    const event = putEvent({ title: 'x', body: 'y' });
    event.isBase64Encoded = true;
    expect(parse(await handler(event, context, () => undefined)).status).toBe(400);
  });

  it('accepts a body exactly at the limits', async () => {
    const { handler, mock, lib } = load('put-document');
    mock.on(lib.PutCommand).resolves({});
    const body = { title: 'x'.repeat(DOCUMENT_LIMITS.titleMaxLength), body: 'y'.repeat(DOCUMENT_LIMITS.bodyMaxLength) };
    expect(parse(await handler(putEvent(body), context, () => undefined)).status).toBe(200);
  });

  it('stays under the WAF body limit: the byte limit is below 8 KB and binds before the character limits', () => {
    expect(DOCUMENT_LIMITS.requestBodyMaxBytes).toBeLessThan(8192);
    // The character limits alone would allow far more than 8 KB of UTF-8.
    const worst = JSON.stringify({ title: '€'.repeat(DOCUMENT_LIMITS.titleMaxLength), body: '€'.repeat(6000) });
    expect(Buffer.byteLength(worst)).toBeGreaterThan(8192);
  });

  /** A raw JSON body of exactly `bytes` bytes of UTF-8, padded with 2-byte characters. */
  function bodyOfBytes(bytes: number): string {
    const empty = JSON.stringify({ title: 'x', body: '' });
    const room = bytes - Buffer.byteLength(empty);
    const text = 'é'.repeat(Math.floor(room / 2)) + 'a'.repeat(room % 2);
    const raw = JSON.stringify({ title: 'x', body: text });
    expect(Buffer.byteLength(raw)).toBe(bytes);
    return raw;
  }

  it.each([
    ['3000 three-byte characters (9000 bytes, within the character limit)', { title: 'x', body: '€'.repeat(3000) }],
    ['2000 emoji (8000 bytes, 4000 UTF-16 units)', { title: 'x', body: '😀'.repeat(2000) }],
    ['2000 control characters, escaped by JSON (12000 bytes)', { title: 'x', body: '\u0001'.repeat(2000) }],
    ['a title of 200 four-byte characters and a multi-byte body', { title: '😀'.repeat(100), body: 'ü'.repeat(3800) }],
  ])('answers 400 for a body over the byte limit: %s', async (_name, body) => {
    const { handler, mock } = load('put-document');
    // Within both character limits: only the byte limit refuses it.
    expect(body.title.length).toBeLessThanOrEqual(DOCUMENT_LIMITS.titleMaxLength);
    expect(body.body.length).toBeLessThanOrEqual(DOCUMENT_LIMITS.bodyMaxLength);
    const { status, body: response } = parse(await handler(putEvent(body), context, () => undefined));
    expect(status).toBe(400);
    expect(response).toEqual({ message: API_MESSAGES[400] });
    expect(mock.calls()).toHaveLength(0);
  });

  it('accepts a multi-byte body of exactly the byte limit and refuses one byte more', async () => {
    const { handler, mock, lib } = load('put-document');
    mock.on(lib.PutCommand).resolves({});
    const atLimit = putEvent(bodyOfBytes(DOCUMENT_LIMITS.requestBodyMaxBytes));
    expect(parse(await handler(atLimit, context, () => undefined)).status).toBe(200);
    const over = putEvent(bodyOfBytes(DOCUMENT_LIMITS.requestBodyMaxBytes + 1));
    expect(parse(await handler(over, context, () => undefined)).status).toBe(400);
    expect(mock.commandCalls(lib.PutCommand)).toHaveLength(1);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['form data (what curl -d sends by default)', 'application/x-www-form-urlencoded'],
    ['a JSON-like type', 'application/json-patch+json'],
    ['an empty type', ''],
    ['no Content-Type header', undefined],
  ])('answers 415 for %s, without calling DynamoDB, even with a valid JSON body', async (_name, type) => {
    const { handler, mock } = load('put-document');
    const event = putEvent({ title: 'x', body: 'y' });
    delete event.headers['Content-Type'];
    if (type !== undefined) event.headers['Content-Type'] = type;
    expect(parse(await handler(event, context, () => undefined))).toMatchObject({
      status: 415,
      body: { message: API_MESSAGES[415] },
    });
    expect(mock.calls()).toHaveLength(0);
  });

  it.each([
    ['with a charset', 'Content-Type', 'application/json; charset=utf-8'],
    ['in another case', 'Content-Type', 'Application/JSON'],
    ['under a lower-case header name', 'content-type', 'application/json'],
  ])('accepts application/json %s', async (_name, header, type) => {
    const { handler, mock, lib } = load('put-document');
    mock.on(lib.PutCommand).resolves({});
    const event = putEvent({ title: 'x', body: 'y' });
    delete event.headers['Content-Type'];
    event.headers[header] = type;
    expect(parse(await handler(event, context, () => undefined)).status).toBe(200);
  });

  it('answers 403 for a token with only the read scope (a reader cannot write)', async () => {
    const { handler, mock } = load('put-document');
    const event = putEvent({ title: 'x', body: 'y' });
    (event.requestContext.authorizer as { claims: Record<string, string> }).claims.scope = 'openid email api/read';
    expect(parse(await handler(event, context, () => undefined)).status).toBe(403);
    expect(mock.calls()).toHaveLength(0);
  });

  it('answers 500 with the generic message when DynamoDB fails', async () => {
    const { handler, mock, lib } = load('put-document');
    mock
      .on(lib.PutCommand)
      .rejects(Object.assign(new Error('Item size has exceeded the maximum'), { name: 'ValidationException' }));
    const { status, body } = parse(await handler(putEvent({ title: 'x', body: 'y' }), context, () => undefined));
    expect(status).toBe(500);
    expect(body).toEqual({ message: API_MESSAGES[500] });
  });

  it('logs neither the body nor the token', async () => {
    const { handler, mock, lib } = load('put-document');
    mock.on(lib.PutCommand).resolves({});
    const event = putEvent({ title: 'Salary review', body: 'Confidential text' });
    await handler(event, context, () => undefined);
    expectNothingLeaked(logs.text(), event, [FIXTURE_TOKEN_SIGNATURE, 'Salary review', 'Confidential text']);
  });
});

describe('document ids', () => {
  it('accept exactly the ids that are safe inside a table key (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (id) => {
        const safe = /^[A-Za-z0-9:._-]{1,128}$/.test(id);
        if (safe) expect(parseDocumentId({ id })).toBe(id);
        else expect(() => parseDocumentId({ id })).toThrow(API_MESSAGES[400]);
      }),
      { numRuns: 1000 },
    );
  });
});
