import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { SourceConfig } from '../config.js';
import { errors } from '../errors.js';
import { createS3Client } from '../sources/s3-client.js';

type S3Config = Extract<SourceConfig, { type: 's3' }>;

export interface S3Listing {
  /** Paths below the mount (the key without the mount's key prefix), with the size S3 reports. */
  readonly entries: ReadonlyArray<{ readonly path: string; readonly bytes?: number }>;
  /** S3's continuation token for the next page. */
  readonly next?: string;
}

/**
 * One page of the keys under a mount's key prefix, with the SDK's standard chain as the S3 source
 * uses it. Loaded only for an S3 mount; the client lives for this one call, so nothing stays open.
 */
export async function listS3Page(config: S3Config, pageSize: number, cursor: string | undefined, signal: AbortSignal): Promise<S3Listing> {
  const prefix = keyPrefix(config.prefix);
  const client = createS3Client({ forcePathStyle: config.forcePathStyle ?? false });
  try {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: config.bucket, Prefix: prefix, MaxKeys: pageSize, ...(cursor && { ContinuationToken: cursor }) }),
      { abortSignal: signal },
    );
    const entries = (page.Contents ?? []).flatMap(({ Key, Size }) =>
      Key && !Key.endsWith('/') ? [{ path: Key.slice(prefix.length), ...(Size !== undefined && { bytes: Size }) }] : [],
    );
    return { entries, ...(page.IsTruncated && page.NextContinuationToken && { next: page.NextContinuationToken }) };
  } catch (error) {
    throw errors.fetchFailed(`s3://${config.bucket}/${prefix}`, `listing failed: ${(error as Error).name ?? 'error'}`);
  } finally {
    client.destroy();
  }
}

/** As the S3 source reads its prefix (sources/s3.ts): no leading slash, a trailing one. */
function keyPrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}
