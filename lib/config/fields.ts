import { z } from 'zod';
import { GROUP_NAME_PATTERN } from '../../lambda/contract';

/**
 * Field types more than one section uses, each with its pattern and its message in one place.
 * A section composes its shape from these and zod's own types.
 */

/** Feature plans of a Cognito user pool, cheapest first. */
export const FEATURE_PLANS = ['LITE', 'ESSENTIALS', 'PLUS'] as const;
export type FeaturePlan = (typeof FEATURE_PLANS)[number];

/** How a role may use its tenant's data (`tenants/<tenant>/`, `TENANT#<tenant>`). */
export const TENANT_ACCESS = ['none', 'read', 'write'] as const;
export type TenantAccess = (typeof TENANT_ACCESS)[number];

export const removalPolicy = () => z.enum(['RETAIN', 'DESTROY']);

export const lowerDomain = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'expected a lower-case DNS domain such as "example.com" (no scheme, no wildcard, no trailing dot)',
  );

export const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' });

export const httpsUrl = (what: string) => z.url({ protocol: /^https$/, error: `expected an https ${what} URL` });

export const secretName = z
  .string()
  .regex(
    /^[A-Za-z0-9/_+=.@-]{1,512}$/,
    'expected a Secrets Manager secret name (the secret holds the value; never put the value here)',
  );

export const groupName = z
  .string()
  .regex(new RegExp(GROUP_NAME_PATTERN), 'expected 1-128 characters from A-Z a-z 0-9 _ -');

export const scopeName = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'expected a lower-case scope name such as "read"');

export const claimName = z
  .string()
  .regex(/^[A-Za-z0-9_:.-]{1,64}$/, 'expected an ID-token claim name such as "custom:tenant_id" or "cognito:groups"');

export const roleName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected 1-64 characters from A-Z a-z 0-9 _ -');

export const awsRegion = z
  .string()
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'expected an AWS region such as "eu-west-1"');

export const emailAddress = z
  .string()
  .max(254)
  .regex(
    /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    'expected an email address with a lower-case domain, e.g. "no-reply@example.com"',
  );

/** Log retention values CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const logRetentionDays = () =>
  z.union(LOG_RETENTION_DAYS.map((d) => z.literal(d)) as unknown as [z.ZodLiteral<number>, z.ZodLiteral<number>]);

/** Is `raw` an http(s) URL on this machine (localhost or 127.0.0.1)? */
export function isLocalhost(url: URL): boolean {
  return url.hostname === 'localhost' || url.hostname === '127.0.0.1';
}
