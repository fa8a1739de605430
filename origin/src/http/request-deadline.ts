import { errors } from '../errors.js';

/** One request's time budget, as every step that waits or works sees it. */
export interface RequestDeadline {
  /** Aborts when the budget is spent. */
  readonly signal: AbortSignal;
  /** `performance.now()` ms at which the request answers 504. */
  readonly deadline: number;
}

/**
 * Runs `answer` within `timeoutMs`: past it the signal aborts and the result is a 504
 * (request_timeout), whatever the answer is still doing.
 */
export async function withinDeadline<T>({ timeoutMs }: { readonly timeoutMs: number }, answer: (budget: RequestDeadline) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const deadline = performance.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(errors.timeout(timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([answer({ signal: controller.signal, deadline }), expired]);
  } finally {
    clearTimeout(timer);
  }
}
