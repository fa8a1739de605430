/**
 * What an invalidation request turns into before anything is sent: the normalised paths, the
 * batches, and one caller reference per batch. Pure; used by `invalidate` and by dry runs.
 */
import { createHash } from 'node:crypto';
import { InvalidationInputError } from './errors.js';
import { type InvalidationSelectors, batchInvalidationPaths, normaliseInvalidationPaths } from './paths.js';

/** Retries within this window reuse the same caller reference. */
export const DEFAULT_IDEMPOTENCY_WINDOW_SECONDS = 300;

/**
 * What to invalidate (`paths`, `prefixes`, and the cache-tag selectors `tags` and `sources`, which
 * need a distribution with cache tags enabled) and how to identify the request.
 */
export interface InvalidationPlanInput extends InvalidationSelectors {
  readonly distributionId: string;
  /**
   * Caller reference to send instead of the derived one; with several batches each gets a
   * `-<n>` suffix. Give a new value to purge the same paths again within the idempotency window.
   */
  readonly callerReference?: string | undefined;
  /**
   * Length of the time bucket folded into the derived caller reference. Within one bucket the same
   * distribution and paths give the same reference, so a retried request (this process or a re-run
   * script) returns the existing invalidation instead of creating another; in the next bucket the
   * same paths are purged again. 0 leaves time out: the same paths then map to one reference forever.
   * @default 300
   */
  readonly idempotencyWindowSeconds?: number | undefined;
  /** Clock for the time bucket. @default () => new Date() */
  readonly now?: (() => Date) | undefined;
}

export interface PlannedInvalidation {
  readonly paths: readonly string[];
  readonly callerReference: string;
}

export interface InvalidationPlan {
  readonly distributionId: string;
  readonly batches: readonly PlannedInvalidation[];
}

// CloudFront distribution ids are upper-case letters and digits (E2QWRUHAPOMQZL); checking keeps a
// typo from becoming a confusing 404 and keeps anything odd out of the request URL.
const DISTRIBUTION_ID = /^[A-Z0-9]{1,64}$/;

export function assertDistributionId(distributionId: string): void {
  if (typeof distributionId !== 'string' || !DISTRIBUTION_ID.test(distributionId)) {
    throw new InvalidationInputError(
      'invalid_distribution_id',
      `distribution id "${String(distributionId)}" is not a CloudFront distribution id (upper-case letters and digits, e.g. E2QWRUHAPOMQZL)`,
    );
  }
}

const compactUtc = (date: Date): string => date.toISOString().slice(0, 16).replace(/[-:]/g, '');

/**
 * Derived from the distribution id, the sorted items (paths and `#tag`s) and the time bucket, so
 * equal requests agree on it without any stored state.
 */
export function deriveCallerReference(input: {
  readonly distributionId: string;
  readonly paths: readonly string[];
  readonly idempotencyWindowSeconds: number;
  readonly now: Date;
}): string {
  const window = input.idempotencyWindowSeconds;
  const bucketStart = window > 0 ? Math.floor(input.now.getTime() / 1000 / window) * window : undefined;
  const digest = createHash('sha256')
    .update(['image-cdn/invalidation/v1', input.distributionId, String(window), String(bucketStart ?? '')].join('\n'))
    .update('\n')
    .update([...input.paths].sort().join('\n'))
    .digest('hex')
    .slice(0, 32);
  return bucketStart === undefined ? `image-cdn-${digest}` : `image-cdn-${compactUtc(new Date(bucketStart * 1000))}-${digest}`;
}

export function planInvalidation(input: InvalidationPlanInput): InvalidationPlan {
  assertDistributionId(input.distributionId);
  const window = input.idempotencyWindowSeconds ?? DEFAULT_IDEMPOTENCY_WINDOW_SECONDS;
  if (!Number.isFinite(window) || window < 0) {
    throw new InvalidationInputError('invalid_option', `idempotencyWindowSeconds must be a non-negative number of seconds, got ${String(window)}`);
  }
  if (input.callerReference !== undefined && input.callerReference.trim() === '') {
    throw new InvalidationInputError('invalid_option', 'callerReference must not be empty');
  }

  const batches = batchInvalidationPaths(normaliseInvalidationPaths(input));
  const now = (input.now ?? (() => new Date()))();
  return {
    distributionId: input.distributionId,
    batches: batches.map((paths, index) => ({
      paths,
      callerReference:
        input.callerReference === undefined
          ? deriveCallerReference({ distributionId: input.distributionId, paths, idempotencyWindowSeconds: window, now })
          : batches.length === 1
            ? input.callerReference
            : `${input.callerReference}-${index + 1}`,
    })),
  };
}
