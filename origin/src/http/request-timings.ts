/**
 * Where an answer's time went, phase by phase: sent as Server-Timing and written to the access
 * log's `timings`, whose phase names the CDK's saved log queries read (lib/cdk/monitoring/queries.ts).
 */

/** Milliseconds per phase, in the order the phases ran. */
export type PhaseTimings = Readonly<Record<string, number>>;

/** A transform's own phases, as the job that ran it measured them. */
export interface TransformTimings {
  /** Reading the source's bytes; 0 when decoded-source reuse made reading unnecessary. */
  readonly fetchMs: number;
  /** Reading the image header (limits); absent for `format=json`, whose header is part of `transformMs`. */
  readonly headerMs?: number;
  /** Decode, transform and encode (or describe), without the read. */
  readonly transformMs: number;
}

/** The phases of a transformed answer: finding the source, then its transform. */
export function transformedPhases({ resolveMs, timings }: { readonly resolveMs: number; readonly timings: TransformTimings }): PhaseTimings {
  return {
    resolve: resolveMs,
    fetch: timings.fetchMs,
    ...(timings.headerMs !== undefined && { header: timings.headerMs }),
    transform: timings.transformMs,
  };
}

/** `resolve;dur=0.2, fetch;dur=1.3, ...` */
export function serverTiming(timings: PhaseTimings): string {
  return Object.entries(timings)
    .map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`)
    .join(', ');
}

/** The milliseconds since a start taken with `performance.now()`. */
export const msSince = (started: number): number => performance.now() - started;

/**
 * A source read that reports how long it took, each time it runs (failed reads included);
 * `lastMs()` is the latest read's time, 0 when nothing was read.
 */
export function timedRead<T>(read: () => Promise<T>, observe: (ms: number) => void): { readonly read: () => Promise<T>; lastMs(): number } {
  let lastMs = 0;
  return {
    read: async () => {
      const started = performance.now();
      try {
        return await read();
      } finally {
        lastMs = msSince(started);
        observe(lastMs);
      }
    },
    lastMs: () => lastMs,
  };
}
