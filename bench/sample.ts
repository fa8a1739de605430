import type { RunSample } from './protocol.js';

const MAX_FAILURES_KEPT = 5;

/** Collects one run's latencies, statuses and output sizes. */
export class SampleRecorder {
  private started = 0;
  private lastDone = 0;
  private completed = 0;
  private readonly latenciesMs: number[] = [];
  private readonly statuses: Record<string, number> = {};
  private readonly bytes: Record<number, { sum: number; count: number }> = {};
  private readonly failures: string[] = [];

  start(): void {
    this.started = performance.now();
    this.lastDone = this.started;
  }

  success(group: number, byteCount: number, latencyMs: number, status: string): void {
    this.count(status, latencyMs);
    const entry = (this.bytes[group] ??= { sum: 0, count: 0 });
    entry.sum += byteCount;
    entry.count++;
  }

  /** An answer that was not what the case expects (wrong status or type, or a transport error). */
  failure(message: string, latencyMs: number, status = 'error'): void {
    this.count(status, latencyMs);
    if (this.failures.length < MAX_FAILURES_KEPT) this.failures.push(message);
  }

  /** An expected non-success answer (e.g. 503 under overload): counted, not an error. */
  other(status: string, latencyMs: number): void {
    this.count(status, latencyMs);
  }

  private count(status: string, latencyMs: number): void {
    this.completed++;
    this.lastDone = performance.now();
    this.latenciesMs.push(latencyMs);
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
  }

  finish(): RunSample {
    return {
      completed: this.completed,
      elapsedMs: this.lastDone - this.started,
      latenciesMs: this.latenciesMs,
      statuses: this.statuses,
      bytes: this.bytes,
      failures: this.failures,
    };
  }
}

/** One run out of several slices: counts and sizes add up, elapsed times add up, latencies pool. */
export function mergeSamples(samples: readonly RunSample[]): RunSample {
  const statuses: Record<string, number> = {};
  const bytes: Record<number, { sum: number; count: number }> = {};
  for (const sample of samples) {
    for (const [status, count] of Object.entries(sample.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
    for (const [group, entry] of Object.entries(sample.bytes)) {
      const target = (bytes[Number(group)] ??= { sum: 0, count: 0 });
      target.sum += entry.sum;
      target.count += entry.count;
    }
  }
  return {
    completed: samples.reduce((sum, s) => sum + s.completed, 0),
    elapsedMs: samples.reduce((sum, s) => sum + s.elapsedMs, 0),
    latenciesMs: samples.flatMap((s) => s.latenciesMs),
    statuses,
    bytes,
    failures: samples.flatMap((s) => s.failures).slice(0, MAX_FAILURES_KEPT),
  };
}
