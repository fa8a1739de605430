import { errors } from '../errors.js';

export interface WorkQueueOptions {
  /** Jobs running at once. */
  readonly concurrency: number;
  /** Jobs allowed to wait; one more is refused with 503 instead of growing memory. */
  readonly maxWaiting: number;
  /** Seconds suggested to refused clients. */
  readonly retryAfterSeconds?: number;
}

export interface WorkQueueEvents {
  onCoalesced?(): void;
  onDepthChange?(waiting: number, running: number): void;
}

/**
 * A bounded queue that also coalesces: a job whose key is already queued or running is not
 * run again; its callers share the first one's result.
 */
export class WorkQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(private readonly options: WorkQueueOptions, private readonly events: WorkQueueEvents = {}) {}

  get depth(): { readonly waiting: number; readonly running: number } {
    return { waiting: this.waiting.length, running: this.running };
  }

  /** Runs `job` once per key at a time. Throws `overloaded` (503) when the queue is full. */
  run<T>(key: string, job: () => Promise<T>): { promise: Promise<T>; coalesced: boolean } {
    const existing = this.inFlight.get(key) as Promise<T> | undefined;
    if (existing) {
      this.events.onCoalesced?.();
      return { promise: existing, coalesced: true };
    }
    if (this.running >= this.options.concurrency && this.waiting.length >= this.options.maxWaiting) {
      throw errors.overloaded(this.options.retryAfterSeconds ?? 1);
    }
    const promise = this.schedule(job).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return { promise, coalesced: false };
  }

  private async schedule<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency) {
      await new Promise<void>((start) => this.waiting.push(start));
    } else {
      this.running++;
    }
    this.changed();
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      // Hand the slot straight to the next job, so `running` never dips and overshoots.
      if (next) next();
      else this.running--;
      this.changed();
    }
  }

  private changed(): void {
    this.events.onDepthChange?.(this.waiting.length, this.running);
  }
}
