// The upload's defaults and its error, free of the AWS SDK: the CLI reads them to describe its
// options and its errors without loading the SDK (an optional peer) until an upload runs.
import type { ResolvedClientLimits } from '../aws/client-limits.js';

export class UploadError extends Error {
  override readonly name = 'UploadError';
}

export const DEFAULT_UPLOAD_PREFIX = 'uploads/';

/**
 * Per attempt: 5 s to connect, 30 s for a request to be sent and answered (an 8 MiB part needs
 * about 2.3 Mbit/s upstream to fit) and for any pause in an answer; 3 attempts. A silent endpoint
 * fails in about 90 s.
 */
export const DEFAULT_UPLOAD_LIMITS: ResolvedClientLimits = { connectionTimeoutMs: 5_000, requestTimeoutMs: 30_000, maxAttempts: 3 };
