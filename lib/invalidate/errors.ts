import type { InvalidateResult } from './types.js';

export type InvalidationInputErrorCode =
  | 'invalid_path'
  | 'invalid_prefix'
  | 'invalid_tag'
  | 'invalid_source'
  | 'no_paths'
  | 'invalid_distribution_id'
  | 'invalid_option'
  | 'stack_output_not_found'
  | 'ambiguous_stack_output';

/** The request itself is wrong (a bad path or tag, nothing to do, an ambiguous stack); retrying cannot help. */
export class InvalidationInputError extends Error {
  override readonly name = 'InvalidationInputError';

  constructor(
    readonly code: InvalidationInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The invalidations were created but did not all complete within the wait budget. `result` holds
 * every invalidation created so far with its last known status, so a caller can still report the ids.
 */
export class InvalidationTimeoutError extends Error {
  override readonly name = 'InvalidationTimeoutError';

  constructor(
    readonly result: InvalidateResult,
    readonly waitedSeconds: number,
  ) {
    const pending = result.invalidations.filter((invalidation) => invalidation.status !== 'Completed');
    super(
      `timed out after ${waitedSeconds} s waiting for ${pending.length} invalidation(s) to complete: ` +
        pending.map((invalidation) => `${invalidation.id} (${invalidation.status})`).join(', '),
    );
  }
}

export const isInvalidationInputError = (error: unknown): error is InvalidationInputError => error instanceof InvalidationInputError;

export const isInvalidationTimeoutError = (error: unknown): error is InvalidationTimeoutError => error instanceof InvalidationTimeoutError;
