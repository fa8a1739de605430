import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  readonly forcePathStyle?: boolean;
  /** Attempts per call, first try included. Small on purpose: a failing S3 must not multiply load. */
  readonly maxAttempts?: number;
}

/** Attempts per S3 call: one try and one retry. */
export const S3_MAX_ATTEMPTS = 2;

/**
 * An S3 client configured from the SDK's standard chain: credentials, region and endpoint come
 * from the environment, shared config files or the task role; `AWS_ENDPOINT_URL_S3` (or
 * `AWS_ENDPOINT_URL`) points it at any S3-compatible server.
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: options.maxAttempts ?? S3_MAX_ATTEMPTS,
    // An unreachable endpoint fails fast; a stalled socket fails instead of holding a request slot.
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 30_000 },
  });
}
