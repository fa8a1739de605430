import type { Transform } from './cases.js';

/** What one measured run produced; the same shape for the in-process ceiling and HTTP load. */
export interface RunSample {
  readonly completed: number;
  /** From the first request's start to the last completion. */
  readonly elapsedMs: number;
  /** Per-request latency in ms, in completion order. */
  readonly latenciesMs: number[];
  /** Response status (or `error`) → count. */
  readonly statuses: Record<string, number>;
  /** Output bytes per image index. */
  readonly bytes: Record<number, { sum: number; count: number }>;
  /** The first few unexpected answers, for the report. */
  readonly failures: string[];
}

export interface HttpRequestSpec {
  readonly path: string;
  readonly method: 'GET' | 'HEAD';
  readonly headers?: Record<string, string>;
  /** Image index, for output bytes per image. */
  readonly group: number;
  readonly expectStatus: number;
  readonly expectContentType?: string;
}

export type LoadCommand = {
  readonly type: 'load';
  readonly baseUrl: string;
  /** Sent in order, round-robin, by `concurrency` keep-alive connections. */
  readonly requests: readonly HttpRequestSpec[];
  readonly concurrency: number;
  /** Send exactly this many requests, or keep sending until `durationMs` has passed. */
  readonly count?: number;
  readonly durationMs?: number;
  /** Statuses counted as expected refusals (e.g. 503 under overload) rather than failures. */
  readonly tolerateStatuses?: readonly number[];
};

export type CeilingCommand =
  | {
      readonly type: 'ceiling';
      readonly root: string;
      readonly transforms: readonly Transform[];
      readonly concurrency: number;
      /** Also do what the origin must for every source (ceiling-worker.ts, `fair`). */
      readonly fair?: boolean;
    }
  | { readonly type: 'versions' };

export interface Versions {
  readonly sharp: string;
  readonly vips: string;
  /** libvips threads per pipeline, or how the program decides it. */
  readonly vipsConcurrency: string;
  readonly uvThreadpoolSize: string;
}
