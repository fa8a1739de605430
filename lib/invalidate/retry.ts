/**
 * Bounded retries with exponential backoff and jitter, for the CloudFront errors that mean
 * "not now" rather than "no".
 */

export interface RetryOptions {
  /** Total attempts, the first included. @default 10 */
  readonly maxAttempts?: number;
  /** Backoff ceiling before jitter for the first retry; doubles each retry. @default 1000 */
  readonly baseDelayMs?: number;
  /** Upper bound for one delay. @default 60000 */
  readonly maxDelayMs?: number;
  /** How to wait; tests inject a recorder instead of real time. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

export interface RetryNotice {
  /** The attempt that failed (1-based). */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: unknown;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * "Equal jitter": half the exponential step is fixed, half random. Unlike full jitter it never
 * retries almost at once, which matters when the reason is work still in progress at CloudFront.
 */
export function backoffDelayMs(retry: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? 1000;
  const max = options.maxDelayMs ?? 60_000;
  const ceiling = Math.min(max, base * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (options.random ?? Math.random)() * (ceiling / 2));
}

export async function withRetries<T>(
  operation: (attempt: number) => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  options: RetryOptions = {},
  onRetry?: (notice: RetryNotice) => void,
): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 10);
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      const delayMs = backoffDelayMs(attempt, options);
      onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}

// The SDK's own classifier lives in @smithy/core, which is not a direct dependency of this
// package; these are the throttling codes CloudFront and the query/XML protocols return.
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly $retryable?: { readonly throttling?: boolean };
}

const asSdkError = (error: unknown): SdkErrorShape => (typeof error === 'object' && error !== null ? error : {});

export function isThrottlingError(error: unknown): boolean {
  const shape = asSdkError(error);
  return (
    shape.$metadata?.httpStatusCode === 429 || shape.$retryable?.throttling === true || (typeof shape.name === 'string' && THROTTLING_CODES.has(shape.name))
  );
}

/** CloudFront refuses new work while too many invalidation paths are still in progress. */
export const isTooManyInvalidationsInProgress = (error: unknown): boolean => asSdkError(error).name === 'TooManyInvalidationsInProgress';

/** A 4xx that is not throttling: asking again will get the same answer. */
export function isPermanentClientError(error: unknown): boolean {
  const status = asSdkError(error).$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && !isThrottlingError(error);
}
