import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3_PREFIX } from '../../lambda/contract';
import type { AwsCredentials } from './identity';

export interface StorageCheck {
  readonly action: 'GET' | 'PUT';
  readonly key: string;
  readonly expectation: 'own' | 'own tenant' | 'other tenant';
  readonly outcome: 'allowed' | 'denied' | 'error';
  readonly detail: string;
}

/**
 * Row-level security on S3 as the identity-pool role sees it: write and read the caller's own
 * `private/<identity id>/` prefix and their tenant's `tenants/<tenant>/` prefix (a reader's role
 * may only read there), and try another tenant's, which IAM must deny.
 */
export async function checkStorage(
  region: string,
  bucket: string,
  credentials: AwsCredentials,
  identityId: string,
  tenant: string | undefined,
  otherTenant: string,
): Promise<StorageCheck[]> {
  const s3 = new S3Client({ region, credentials });
  const note = `Written by the demo page at ${new Date().toISOString()}`;
  const file = `demo-${identityId.split(':')[1] ?? 'note'}.txt`;
  const own = `${S3_PREFIX.private}${identityId}/demo.txt`;
  const planned: Omit<StorageCheck, 'outcome' | 'detail'>[] = [
    { action: 'PUT', key: own, expectation: 'own' },
    { action: 'GET', key: own, expectation: 'own' },
    ...(tenant
      ? ([
          { action: 'PUT', key: `${S3_PREFIX.tenants}${tenant}/${file}`, expectation: 'own tenant' },
          { action: 'GET', key: `${S3_PREFIX.tenants}${tenant}/${file}`, expectation: 'own tenant' },
        ] as const)
      : []),
    { action: 'PUT', key: `${S3_PREFIX.tenants}${otherTenant}/${file}`, expectation: 'other tenant' },
    { action: 'GET', key: `${S3_PREFIX.tenants}${otherTenant}/${file}`, expectation: 'other tenant' },
  ];
  const results: StorageCheck[] = [];
  for (const check of planned) {
    try {
      if (check.action === 'PUT') {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: check.key, Body: note, ContentType: 'text/plain' }));
        results.push({ ...check, outcome: 'allowed', detail: 'written' });
      } else {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: check.key }));
        // The SDK's body type names Node's streams too; in a browser it is a web stream mixin.
        const body = object.Body as { transformToString(): Promise<string> } | undefined;
        const text = (await body?.transformToString()) ?? '';
        results.push({ ...check, outcome: 'allowed', detail: text.slice(0, 80) });
      }
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      // IAM's refusal is AccessDenied (403) whether or not the object exists.
      results.push({ ...check, outcome: name === 'AccessDenied' ? 'denied' : 'error', detail: name });
    }
  }
  return results;
}
