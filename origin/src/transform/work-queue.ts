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
  /** A waiting job was dropped unrun: every caller's deadline had passed. */
  onDropped?(): void;
}

interface Entry {
  promise: Promise<unknown>;
  /** The latest deadline among the job's callers (`performance.now()` ms). */
  deadline: number;
}

/** Weight of the newest job in the running mean of job durations. */
const DURATION_WEIGHT = 0.2;

/**
 * A bounded queue that also coalesces: a job whose key is already queued or running is not
 * run again; its callers share the first one's result.
 *
 * Under overload it sheds work that could not finish in time instead of doing it late: a job is
 * refused at once (503) when the expected wait for a slot already exceeds its caller's deadline,
 * and a waiting job whose callers have all given up (504) is dropped without running, so a
 * backlog of abandoned requests never delays the ones still waiting.
 */
export class WorkQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly inFlight = new Map<string, Entry>();
  private meanDurationMs: number | undefined;

  constructor(
    private readonly options: WorkQueueOptions,
    private readonly events: WorkQueueEvents = {},
  ) {}

  get depth(): { readonly waiting: number; readonly running: number } {
    return { waiting: this.waiting.length, running: this.running };
  }

  /**
   * Runs `job` once per key at a time. `deadline` (`performance.now()` ms) is when the caller
   * stops waiting. Throws `overloaded` (503) when the queue is full or the wait would outlast it.
   */
  run<T>(key: string, job: () => Promise<T>, deadline = Infinity): { promise: Promise<T>; coalesced: boolean } {
    const existing = this.inFlight.get(key);
    if (existing) {
      existing.deadline = Math.max(existing.deadline, deadline);
      this.events.onCoalesced?.();
      return { promise: existing.promise as Promise<T>, coalesced: true };
    }
    this.admit(deadline);
    const entry: Entry = { promise: Promise.resolve(), deadline };
    const promise = this.schedule(job, entry).finally(() => this.inFlight.delete(key));
    entry.promise = promise;
    this.inFlight.set(key, entry);
    return { promise, coalesced: false };
  }

  /** The expected wait for a slot if a job were queued now, from the running mean of job durations. */
  expectedWaitMs(): number {
    if (this.running < this.options.concurrency || this.meanDurationMs === undefined) return 0;
    // Jobs ahead plus this one, over the slots that work through them; the running jobs are half done on average.
    return ((this.waiting.length + 0.5) / this.options.concurrency) * this.meanDurationMs;
  }

  private admit(deadline: number): void {
    if (this.running < this.options.concurrency) return;
    const retryAfter = this.options.retryAfterSeconds ?? 1;
    if (this.waiting.length >= this.options.maxWaiting) throw errors.overloaded(retryAfter);
    const wait = this.expectedWaitMs();
    const left = deadline - performance.now();
    if (wait > left) {
      throw errors.overloaded(
        Math.max(retryAfter, Math.ceil(wait / 1000)),
        `${this.waiting.length} transforms are waiting; the expected wait of ${Math.round(wait)} ms exceeds the ${Math.max(0, Math.round(left))} ms left to this request`,
      );
    }
  }

  /**
   * For a running job that waits on work another job is doing (a shared decode): its slot goes to
   * the next waiting job meanwhile, and it carries on when `work` settles, for a while one above
   * `concurrency`, rather than holding a core idle.
   */
  async lend<T>(work: Promise<T>): Promise<T> {
    this.release();
    try {
      return await work;
    } finally {
      this.running++;
      this.changed();
    }
  }

  private async schedule<T>(job: () => Promise<T>, entry: Entry): Promise<T> {
    if (this.running >= this.options.concurrency) {
      await new Promise<void>((start) => this.waiting.push(start));
    } else {
      this.running++;
    }
    this.changed();
    const started = performance.now();
    if (started >= entry.deadline) {
      this.events.onDropped?.();
      this.release();
      throw errors.expiredInQueue();
    }
    try {
      return await job();
    } finally {
      this.recordDuration(performance.now() - started);
      this.release();
    }
  }

  private release(): void {
    // Hand the slot straight to the next job, so `running` never dips and overshoots; a slot
    // above `concurrency` (after a lend) is not handed on.
    const next = this.running <= this.options.concurrency ? this.waiting.shift() : undefined;
    if (next) next();
    else this.running--;
    this.changed();
  }

  private recordDuration(ms: number): void {
    this.meanDurationMs = this.meanDurationMs === undefined ? ms : this.meanDurationMs + DURATION_WEIGHT * (ms - this.meanDurationMs);
  }

  private changed(): void {
    this.events.onDepthChange?.(this.waiting.length, this.running);
  }
}
