/**
 * CloudFront invalidation from code: `invalidate({ distributionId, prefixes: ['/v2/'], wait: true })`,
 * or per source by cache tag: `invalidate({ distributionId, sources: ['uploads/<sha256>.jpg'] })`.
 * Free of aws-cdk-lib so applications can import it at run time.
 */
import {
  type CloudFrontClient,
  CreateInvalidationCommand,
  type GetInvalidationCommand,
  type GetInvalidationCommandOutput,
  type Invalidation,
  waitUntilInvalidationCompleted,
} from '@aws-sdk/client-cloudfront';
import type { ClientLimits } from '../aws/client-limits.js';
import { cloudFrontClient, type ServiceClient } from './clients.js';
import { InvalidationInputError, InvalidationTimeoutError } from './errors.js';
import { type InvalidationPlan, type InvalidationPlanInput, type PlannedInvalidation, planInvalidation } from './plan.js';
import { isPermanentClientError, isThrottlingError, isTooManyInvalidationsInProgress, type RetryOptions, withRetries } from './retry.js';

import { DEFAULT_MAX_WAIT_SECONDS } from './settings.js';
import type { InvalidateResult, InvalidationSummary } from './types.js';

export type InvalidationProgress =
  | { readonly type: 'retrying'; readonly attempt: number; readonly delayMs: number; readonly reason: string }
  | { readonly type: 'created'; readonly invalidation: InvalidationSummary }
  | { readonly type: 'status'; readonly invalidation: InvalidationSummary; readonly elapsedMs: number };

export interface PollDelay {
  /** First delay between status checks, in seconds. @default 20 (the SDK waiter's default) */
  readonly min?: number;
  /** Longest delay between status checks, in seconds. @default 60 */
  readonly max?: number;
}

/**
 * `connectionTimeoutMs`, `requestTimeoutMs` and `maxAttempts` bound each CloudFront request of the
 * client created when none is given (DEFAULT_AWS_API_LIMITS); `retry` is separate: it re-sends
 * CreateInvalidation when CloudFront refuses for now.
 */
export interface InvalidateOptions extends InvalidationPlanInput, ClientLimits {
  /** Wait until every invalidation reports `Completed` (SDK waiter `waitUntilInvalidationCompleted`). */
  readonly wait?: boolean | undefined;
  /** @default a CloudFrontClient from the SDK's standard chain, with DEFAULT_AWS_API_LIMITS */
  readonly client?: CloudFrontClient | undefined;
  /** Budget for waiting, shared by all batches. @default 1200 */
  readonly maxWaitSeconds?: number | undefined;
  readonly pollDelaySeconds?: PollDelay | undefined;
  /** Backoff for TooManyInvalidationsInProgress and throttling when creating. */
  readonly retry?: RetryOptions | undefined;
  readonly onProgress?: ((event: InvalidationProgress) => void) | undefined;
}

// CloudFront's clock and ours may disagree a little; only an invalidation clearly older than this
// call counts as reused.
const REUSE_CLOCK_TOLERANCE_MS = 60_000;

type MutableSummary = { -readonly [K in keyof InvalidationSummary]: InvalidationSummary[K] };

const errorReason = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

function summarise(invalidation: Invalidation | undefined, planned: PlannedInvalidation, startedAtMs: number): MutableSummary {
  if (!invalidation?.Id) throw new Error('CloudFront returned no invalidation id for CreateInvalidation');
  const createTime = invalidation.CreateTime;
  return {
    id: invalidation.Id,
    status: invalidation.Status ?? 'InProgress',
    paths: invalidation.InvalidationBatch?.Paths?.Items ?? [...planned.paths],
    callerReference: invalidation.InvalidationBatch?.CallerReference ?? planned.callerReference,
    createTime: createTime?.toISOString(),
    reused: createTime !== undefined && createTime.getTime() < startedAtMs - REUSE_CLOCK_TOLERANCE_MS,
  };
}

function positiveSeconds(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new InvalidationInputError('invalid_option', `${name} must be a positive number of seconds, got ${value}`);
  }
  return value;
}

export async function invalidate(options: InvalidateOptions): Promise<InvalidateResult> {
  const plan = planInvalidation(options);
  const maxWaitSeconds = positiveSeconds('maxWaitSeconds', options.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS);
  const pollMin = positiveSeconds('pollDelaySeconds.min', options.pollDelaySeconds?.min ?? 20);
  const pollMax = Math.max(pollMin, positiveSeconds('pollDelaySeconds.max', options.pollDelaySeconds?.max ?? 60));
  const cloudFront = cloudFrontClient(options.client, options);
  try {
    return await createAndWait(plan, options, { maxWaitSeconds, pollMin, pollMax }, cloudFront);
  } finally {
    cloudFront.release();
  }
}

async function createAndWait(
  plan: InvalidationPlan,
  options: InvalidateOptions,
  timing: { readonly maxWaitSeconds: number; readonly pollMin: number; readonly pollMax: number },
  cloudFront: ServiceClient<CloudFrontClient>,
): Promise<InvalidateResult> {
  const report = options.onProgress ?? (() => {});
  const startedAtMs = Date.now();

  const summaries: MutableSummary[] = [];
  // One batch at a time: a later batch may only fit once an earlier one has finished (the 15
  // wildcard paths in progress limit), which the backoff below waits out.
  for (const batch of plan.batches) {
    const response = await withRetries(
      () =>
        cloudFront.send((client) =>
          client.send(
            new CreateInvalidationCommand({
              DistributionId: plan.distributionId,
              InvalidationBatch: {
                CallerReference: batch.callerReference,
                Paths: { Quantity: batch.paths.length, Items: [...batch.paths] },
              },
            }),
          ),
        ),
      (error) => isTooManyInvalidationsInProgress(error) || isThrottlingError(error),
      options.retry,
      ({ attempt, delayMs, error }) => report({ type: 'retrying', attempt, delayMs, reason: errorReason(error) }),
    );
    const summary = summarise(response.Invalidation, batch, startedAtMs);
    summaries.push(summary);
    report({ type: 'created', invalidation: { ...summary } });
  }

  const result = (): InvalidateResult => ({
    distributionId: plan.distributionId,
    invalidations: summaries.map((summary) => ({ ...summary })),
  });
  if (!options.wait) return result();

  await waitForCompletion({
    client: cloudFront.client,
    distributionId: plan.distributionId,
    summaries,
    ...timing,
    report,
    onTimeout: () => new InvalidationTimeoutError(result(), timing.maxWaitSeconds),
  });
  return result();
}

async function waitForCompletion(context: {
  readonly client: CloudFrontClient;
  readonly distributionId: string;
  readonly summaries: MutableSummary[];
  readonly maxWaitSeconds: number;
  readonly pollMin: number;
  readonly pollMax: number;
  readonly report: (event: InvalidationProgress) => void;
  readonly onTimeout: () => Error;
}): Promise<void> {
  const { client, summaries, report } = context;
  const waitStartedMs = Date.now();
  const deadlineMs = waitStartedMs + context.maxWaitSeconds * 1000;
  const abort = new AbortController();
  let permanent: { readonly error: unknown } | undefined;

  // The SDK waiter treats every failed poll as "not yet", so a 403 or 404 would only show up as a
  // timeout. Watching its calls lets a permanent error stop the wait at once, and gives progress.
  const watchedClient = new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return async (command: GetInvalidationCommand): Promise<GetInvalidationCommandOutput> => {
        try {
          const output = await target.send(command);
          const summary = summaries.find((candidate) => candidate.id === output.Invalidation?.Id);
          if (summary && output.Invalidation?.Status) {
            summary.status = output.Invalidation.Status;
            report({ type: 'status', invalidation: { ...summary }, elapsedMs: Date.now() - waitStartedMs });
          }
          return output;
        } catch (error) {
          if (isPermanentClientError(error)) {
            permanent ??= { error };
            abort.abort();
          }
          throw error;
        }
      };
    },
  });

  const pending = summaries.filter((summary) => summary.status !== 'Completed');
  const outcomes = await Promise.allSettled(
    pending.map((summary) => {
      // The waiter wants maxWaitTime > minDelay > 0; a nearly spent budget still gets one check.
      const maxWaitTime = Math.max((deadlineMs - Date.now()) / 1000, 0.01);
      const minDelay = Math.min(context.pollMin, maxWaitTime / 2);
      return waitUntilInvalidationCompleted(
        {
          client: watchedClient,
          maxWaitTime,
          minDelay,
          maxDelay: Math.max(context.pollMax, minDelay),
          abortSignal: abort.signal,
        },
        { DistributionId: context.distributionId, Id: summary.id },
      );
    }),
  );

  if (permanent !== undefined) throw permanent.error;
  const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failures.some((failure) => (failure.reason as { name?: unknown } | null)?.name === 'TimeoutError')) {
    throw context.onTimeout();
  }
  if (failures[0]) throw failures[0].reason;
  for (const summary of pending) summary.status = 'Completed';
}
