import {
  DOCUMENT_ID_PATTERN,
  DOCUMENT_LIMITS,
  PAGE_LIMITS,
  PARTITION_KEY,
  SORT_KEY,
  SORT_KEY_PREFIX,
} from '../../contract';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { keys } from '../../shared/data-keys';
import { badRequest } from '../../shared/http';

/**
 * Pure decisions of `GET /tenants/{tenantId}/documents`. The tenant comes from the Lambda
 * authorizer's context (it already checked that it equals the token's `tenant_id`), and the
 * pagination token only carries a sort key, so a client can never steer the query into another
 * partition.
 *
 * Tenant editors write `TENANT#<tenant>` directly with identity-pool credentials, so an item of the
 * partition can be anything. The list never fails for one bad item: items that are not a document
 * summary are left out (with a reason for the log, never their content), titles are cut to the
 * title limit, and the pagination token can carry any sort key DynamoDB returns.
 */

export interface ListQuery {
  readonly limit: number;
  /** Sort key of the last item the previous page evaluated (always `DOC#...`). */
  readonly afterSortKey?: string;
}

export interface DocumentSummary {
  readonly id: string;
  readonly title: string;
  readonly updatedAt: string;
}

/** Why an item of the partition was left out of the list (logged, never the item itself). */
export type SkipReason = 'not a document key' | 'invalid document id' | 'invalid title' | 'invalid updatedAt';

export interface ListPage {
  /** The response body. */
  readonly body: { readonly items: DocumentSummary[]; readonly nextToken?: string };
  /** One reason per item left out. */
  readonly skipped: readonly SkipReason[];
  /** LastEvaluatedKey could not become a token, so the list ends here (not expected from DynamoDB). */
  readonly endedEarly: boolean;
}

/** DynamoDB's limit for a sort key: 1024 bytes of UTF-8. */
const SORT_KEY_MAX_BYTES = 1024;
/** A timestamp as the API writes it (`toISOString()`), with room for other ISO 8601 forms. */
const UPDATED_AT_MAX_LENGTH = 64;

const DOCUMENT_ID = new RegExp(DOCUMENT_ID_PATTERN);
const UTF8 = new TextDecoder('utf-8', { fatal: true });

const query = z.object({
  limit: z.optional(z.string().check(z.regex(/^\d{1,3}$/))),
  nextToken: z.optional(z.string().check(z.maxLength(PAGE_LIMITS.maxTokenLength), z.regex(/^[A-Za-z0-9_-]+$/))),
});

/**
 * The pagination token of a sort key: its UTF-8 bytes in base64url. Every sort key DynamoDB can
 * return (a `DOC#` key of at most 1024 bytes) fits in PAGE_LIMITS.maxTokenLength.
 */
export function encodeNextToken(sortKey: string): string {
  return Buffer.from(sortKey, 'utf8').toString('base64url');
}

/**
 * The sort key a token carries, or `undefined` when it is not one this API issued: not canonical
 * base64url, not UTF-8, not a `DOC#` key (the only keys the query can start after), or too long.
 */
export function decodeNextToken(token: string): string | undefined {
  const bytes = Buffer.from(token, 'base64url');
  const canonical = bytes.toString('base64url') === token;
  if (!canonical || bytes.length === 0 || bytes.length > SORT_KEY_MAX_BYTES) return undefined;
  let sortKey: string;
  try {
    sortKey = UTF8.decode(bytes);
  } catch {
    return undefined;
  }
  return sortKey.startsWith(SORT_KEY_PREFIX.document) ? sortKey : undefined;
}

export function parseListQuery(parameters: Readonly<Record<string, string | undefined>> | null): ListQuery {
  const parsed = query.safeParse(parameters ?? {});
  if (!parsed.success) throw badRequest('invalid query parameters');
  const limit = parsed.data.limit === undefined ? PAGE_LIMITS.defaultSize : Number(parsed.data.limit);
  if (limit < 1 || limit > PAGE_LIMITS.maxDocuments) throw badRequest('limit out of range');
  if (parsed.data.nextToken === undefined) return { limit };
  const afterSortKey = decodeNextToken(parsed.data.nextToken);
  if (afterSortKey === undefined) throw badRequest('invalid nextToken');
  return { limit, afterSortKey };
}

/** One page of the tenant's documents: Query on `TENANT#<tenant>`, documents only, no bodies. */
export function listInput(tableName: string, tenantId: string, q: ListQuery): QueryCommandInput {
  const pk = keys.tenant(tenantId);
  return {
    TableName: tableName,
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :doc)',
    ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY, '#title': 'title', '#updatedAt': 'updatedAt' },
    ExpressionAttributeValues: { ':pk': pk, ':doc': SORT_KEY_PREFIX.document },
    ProjectionExpression: '#sk, #title, #updatedAt',
    Limit: q.limit,
    ...(q.afterSortKey !== undefined ? { ExclusiveStartKey: { [PARTITION_KEY]: pk, [SORT_KEY]: q.afterSortKey } } : {}),
  };
}

/**
 * At most `max` UTF-16 code units of `text`, never ending inside a surrogate pair (which would turn
 * an emoji into an unpaired surrogate).
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** A document summary of one item, or why the item is not one. */
export function toSummary(item: Readonly<Record<string, unknown>>): DocumentSummary | SkipReason {
  const sk = item[SORT_KEY];
  if (typeof sk !== 'string' || !sk.startsWith(SORT_KEY_PREFIX.document)) return 'not a document key';
  const id = sk.slice(SORT_KEY_PREFIX.document.length);
  if (!DOCUMENT_ID.test(id)) return 'invalid document id';
  if (typeof item.title !== 'string') return 'invalid title';
  const { updatedAt } = item;
  if (typeof updatedAt !== 'string' || updatedAt.length === 0 || updatedAt.length > UPDATED_AT_MAX_LENGTH) {
    return 'invalid updatedAt';
  }
  return { id, title: truncate(item.title, DOCUMENT_LIMITS.titleMaxLength), updatedAt };
}

/**
 * The page for a Query answer. `nextToken` carries the sort key of LastEvaluatedKey exactly, even
 * when that item was left out, so the next page starts right after it; a LastEvaluatedKey that is
 * not in the queried range (which DynamoDB does not return) ends the list instead of issuing a
 * token the next request would refuse.
 */
export function toPage(
  items: readonly Readonly<Record<string, unknown>>[],
  lastEvaluatedKey: Readonly<Record<string, unknown>> | undefined,
): ListPage {
  const documents: DocumentSummary[] = [];
  const skipped: SkipReason[] = [];
  for (const item of items) {
    const summary = toSummary(item);
    if (typeof summary === 'string') skipped.push(summary);
    else documents.push(summary);
  }
  if (lastEvaluatedKey === undefined) return { body: { items: documents }, skipped, endedEarly: false };
  const lastSk = lastEvaluatedKey[SORT_KEY];
  const nextToken = typeof lastSk === 'string' ? encodeNextToken(lastSk) : undefined;
  if (nextToken === undefined || decodeNextToken(nextToken) !== lastSk) {
    return { body: { items: documents }, skipped, endedEarly: true };
  }
  return { body: { items: documents, nextToken }, skipped, endedEarly: false };
}
