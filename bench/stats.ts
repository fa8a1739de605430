import type { RunSample } from './protocol.js';

export interface Summary {
  /** Answers that were what the case expects. */
  readonly ok: number;
  /** Everything else that was not a tolerated refusal. */
  readonly failed: number;
  /** `ok` answers per second of wall-clock time. */
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Mean over images of each image's mean output size; undefined without bodies. */
  readonly meanBytes: number | undefined;
  readonly statuses: Record<string, number>;
  readonly failures: string[];
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarise(sample: RunSample, expectedStatus: string, tolerated: readonly string[] = []): Summary {
  const sorted = [...sample.latenciesMs].sort((a, b) => a - b);
  const ok = sample.statuses[expectedStatus] !== undefined ? countOk(sample) : 0;
  const refused = tolerated.reduce((sum, status) => sum + (sample.statuses[status] ?? 0), 0);
  const perImage = Object.values(sample.bytes)
    .filter((entry) => entry.count > 0)
    .map((entry) => entry.sum / entry.count);
  const withBodies = perImage.some((mean) => mean > 0);
  return {
    ok,
    failed: sample.completed - ok - refused,
    throughput: sample.elapsedMs > 0 ? ok / (sample.elapsedMs / 1000) : 0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanBytes: withBodies ? perImage.reduce((a, b) => a + b, 0) / perImage.length : undefined,
    statuses: sample.statuses,
    failures: sample.failures,
  };
}

/** Successes are exactly the answers whose size was recorded. */
const countOk = (sample: RunSample) => Object.values(sample.bytes).reduce((sum, entry) => sum + entry.count, 0);
