import { DOCUMENT_ID_PATTERN, DOCUMENT_LIMITS, PARTITION_KEY, SORT_KEY, SORT_KEY_PREFIX } from '../contract';
import * as z from 'zod/mini';
import { keys } from '../shared/data-keys';
import { badRequest, headerOf, unsupportedMediaType } from '../shared/http';

/**
 * Pure decisions of the per-user document routes (`GET|PUT /documents/{id}`). A document lives at
 * `pk = USER#<caller sub>`, `sk = DOC#<id>`: the partition comes from the verified token, never
 * from the request, so one user can never name another user's document.
 */

export interface DocumentInput {
  readonly title: string;
  readonly body: string;
}

export interface DocumentView extends DocumentInput {
  readonly id: string;
  readonly updatedAt: string;
}

const documentId = z.string().check(z.regex(new RegExp(DOCUMENT_ID_PATTERN)));

const documentInput = z.strictObject({
  title: z.string().check(z.minLength(1), z.maxLength(DOCUMENT_LIMITS.titleMaxLength)),
  body: z.string().check(z.maxLength(DOCUMENT_LIMITS.bodyMaxLength)),
});

const storedDocument = z.object({
  [SORT_KEY]: z.string().check(z.startsWith(SORT_KEY_PREFIX.document)),
  title: z.string(),
  body: z.string(),
  updatedAt: z.string(),
});

/** The `{id}` path parameter. */
export function parseDocumentId(pathParameters: Readonly<Record<string, string | undefined>> | null): string {
  const id = documentId.safeParse(pathParameters?.id);
  if (!id.success) throw badRequest('invalid document id');
  return id.data;
}

/**
 * The request must say it sends JSON: `Content-Type: application/json`, with parameters allowed
 * (`; charset=utf-8`). The gateway validates the body against the model for every content type,
 * but a client that sends another type must not get its body read as JSON anyway.
 */
export function requireJsonContentType(headers: Readonly<Record<string, string | undefined>> | null): void {
  const mediaType = headerOf(headers, 'content-type')?.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') throw unsupportedMediaType('content type is not application/json');
}

/**
 * The JSON body of `PUT /documents/{id}`: exactly `{ title, body }` within the limits, and at most
 * DOCUMENT_LIMITS.requestBodyMaxBytes of UTF-8 as sent (checked before parsing).
 */
export function parseDocumentInput(body: string | null, isBase64Encoded: boolean): DocumentInput {
  if (body === null || isBase64Encoded) throw badRequest('missing or binary body');
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > DOCUMENT_LIMITS.requestBodyMaxBytes) throw badRequest('body over the byte limit');
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw badRequest('body is not JSON');
  }
  const input = documentInput.safeParse(json);
  if (!input.success) throw badRequest('body does not match the document schema');
  return input.data;
}

/** The table key of one user's document. */
export function documentKey(sub: string, id: string): Record<string, string> {
  return { [PARTITION_KEY]: keys.user(sub), [SORT_KEY]: keys.document(id) };
}

/** The item stored for a document. */
export function documentItem(sub: string, id: string, input: DocumentInput, now: Date): Record<string, string> {
  return { ...documentKey(sub, id), title: input.title, body: input.body, updatedAt: now.toISOString() };
}

/** What the API returns for a stored item; a malformed item is a server error, not user input. */
export function toDocumentView(item: Record<string, unknown>): DocumentView {
  const stored = storedDocument.safeParse(item);
  if (!stored.success) throw new Error('stored document is malformed');
  const d = stored.data;
  return {
    id: d[SORT_KEY].slice(SORT_KEY_PREFIX.document.length),
    title: d.title,
    body: d.body,
    updatedAt: d.updatedAt,
  };
}
