import { S3Client } from '@aws-sdk/client-s3';
import { type SdkTimeouts, sdkRequestHandler } from './sdk-request-handler.js';

export interface S3ClientOptions extends Partial<SdkTimeouts> {
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  readonly forcePathStyle?: boolean;
  /** Attempts per call, first try included. Small on purpose: a failing S3 must not multiply load. */
  readonly maxAttempts?: number;
}

/** Attempts per S3 call: one try and one retry. */
export const S3_MAX_ATTEMPTS = 2;

/**
 * The origin's S3 timeouts: an unreachable endpoint fails fast, and S3 answers a GET's head in well
 * under a second, so 5 s (the HTTP source's `timeoutMs` too) lets both attempts fit in the default
 * 10 s request deadline.
 */
export const S3_TIMEOUTS: SdkTimeouts = { connectionTimeoutMs: 3_000, requestTimeoutMs: 5_000 };

/**
 * An S3 client configured from the SDK's standard chain: credentials, region and endpoint come
 * from the environment, shared config files or the task role; `AWS_ENDPOINT_URL_S3` (or
 * `AWS_ENDPOINT_URL`) points it at any S3-compatible server.
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: options.maxAttempts ?? S3_MAX_ATTEMPTS,
    requestHandler: sdkRequestHandler({
      connectionTimeoutMs: options.connectionTimeoutMs ?? S3_TIMEOUTS.connectionTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs ?? S3_TIMEOUTS.requestTimeoutMs,
    }),
  });
}
