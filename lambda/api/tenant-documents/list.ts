import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { KEY_PART, keys, PARTITION_KEY, SORT_KEY, SORT_KEY_PREFIX } from '../../shared/data-keys';
import { badRequest } from '../../shared/http';
import { PAGE_LIMITS } from '../limits';

/**
 * Pure decisions of `GET /tenants/{tenantId}/documents`. The tenant comes from the Lambda
 * authorizer's context (it already checked that it equals the token's `tenant_id`), and the
 * pagination token only carries a document id, so a client can never steer the query into
 * another partition.
 */

export interface ListQuery {
  readonly limit: number;
  /** Id of the last document of the previous page. */
  readonly after?: string;
}

export interface DocumentSummary {
  readonly id: string;
  readonly title: string;
  readonly updatedAt: string;
}

const query = z.object({
  limit: z.optional(z.string().check(z.regex(/^\d{1,3}$/))),
  nextToken: z.optional(z.string().check(z.maxLength(PAGE_LIMITS.maxTokenLength), z.regex(/^[A-Za-z0-9_-]+$/))),
});

const summary = z.object({
  [SORT_KEY]: z.string().check(z.startsWith(SORT_KEY_PREFIX.document)),
  title: z.string(),
  updatedAt: z.string(),
});

export function parseListQuery(parameters: Readonly<Record<string, string | undefined>> | null): ListQuery {
  const parsed = query.safeParse(parameters ?? {});
  if (!parsed.success) throw badRequest('invalid query parameters');
  const limit = parsed.data.limit === undefined ? PAGE_LIMITS.defaultSize : Number(parsed.data.limit);
  if (limit < 1 || limit > PAGE_LIMITS.maxDocuments) throw badRequest('limit out of range');
  if (parsed.data.nextToken === undefined) return { limit };
  const after = Buffer.from(parsed.data.nextToken, 'base64url').toString('utf8');
  if (!KEY_PART.test(after)) throw badRequest('invalid nextToken');
  return { limit, after };
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
    ...(q.after ? { ExclusiveStartKey: { [PARTITION_KEY]: pk, [SORT_KEY]: keys.document(q.after) } } : {}),
  };
}

export function toPage(
  items: readonly Record<string, unknown>[],
  lastEvaluatedKey: Record<string, unknown> | undefined,
): { items: DocumentSummary[]; nextToken?: string } {
  const documents = items.map((item) => {
    const parsed = summary.safeParse(item);
    if (!parsed.success) throw new Error('stored document summary is malformed');
    const d = parsed.data;
    return { id: d[SORT_KEY].slice(SORT_KEY_PREFIX.document.length), title: d.title, updatedAt: d.updatedAt };
  });
  const lastSk = lastEvaluatedKey?.[SORT_KEY];
  if (typeof lastSk !== 'string' || !lastSk.startsWith(SORT_KEY_PREFIX.document)) return { items: documents };
  const lastId = lastSk.slice(SORT_KEY_PREFIX.document.length);
  return { items: documents, nextToken: Buffer.from(lastId, 'utf8').toString('base64url') };
}
