/**
 * Input limits of the API, shared by the handlers (zod, at run time) and the CDK request models
 * (API Gateway, before a function is invoked), so the two checks never disagree. No imports: the
 * CDK app loads this file too.
 */

/** A document id, as used in `/documents/{id}` and inside table keys (see data-keys.ts KEY_PART). */
export const DOCUMENT_ID_PATTERN = '^[A-Za-z0-9:._-]{1,128}$';

export const DOCUMENT_LIMITS = {
  /** Characters (UTF-16 code units, as JSON schema and zod count them). */
  titleMaxLength: 200,
  /** Characters (UTF-16 code units). Not enough alone to stay under the WAF limit: see below. */
  bodyMaxLength: 6000,
  /**
   * Bytes of the whole raw request body (UTF-8, as sent). The WAF common rule set
   * (SizeRestrictions_BODY) blocks bodies over 8 KB (8192 bytes), and a character can take up to
   * 3 bytes in UTF-8 (6 as a JSON escape such as \u0001), so 6000 characters alone could be 36 KB.
   * A request within all three limits is never blocked by the WAF.
   */
  requestBodyMaxBytes: 8000,
} as const;

/** Page sizes of the list routes. */
export const PAGE_LIMITS = {
  defaultSize: 20,
  /** ListUsers returns at most 60 users per call. */
  maxUsers: 60,
  maxDocuments: 50,
  /** Longest pagination token accepted back from a client. */
  maxTokenLength: 2048,
} as const;

/** Short identifiers in claims (department), as the pre token trigger writes them; tenant ids follow the stricter lambda/shared/tenant-id.ts. */
export const CLAIM_VALUE_PATTERN = '^[A-Za-z0-9._-]{1,64}$';
