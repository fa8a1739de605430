/**
 * The CloudWatch names of the origin's metrics: what the origin writes as embedded-metric-format
 * lines, and what the CDK dashboard and alarms read. Data only, no imports, so the constructs can
 * load it without prom-client. Every metric carries the `Service` dimension (one deployment);
 * some also carry a second dimension, listed in `dimensions`.
 *
 * Dimension layout (emfDimensionSets): a metric is published under `[Service]`, for totals, and
 * under `[Service, D]` for each of its extra dimensions D, never under two extra dimensions at
 * once (each dimension set is one more CloudWatch metric to pay for). So:
 *
 * - Transforms: `[Service]`, `[Service, Format]`; Format is an output format (`avif`, `webp`,
 *   `jpeg`, `baseline-jpeg`, `png`, `gif`, or `json` for `format=json`);
 * - Requests: `[Service]`, `[Service, StatusClass]`, `[Service, Outcome]`; StatusClass is `2xx`,
 *   `3xx`, `4xx` or `5xx`, Outcome one of http/types.ts' `Outcome` (`transformed`, `coalesced`,
 *   `not-modified`, `head`, `original`, `redirect`, `error`, `operational` for /healthz and
 *   /metrics);
 * - every other metric: `[Service]` only.
 *
 * Values are per interval (`emf.intervalMs`): counts are the increase since the previous line,
 * durations carry every observation as EMF `Values`/`Counts` (CloudWatch computes p50/p95/p99 from
 * them). An interval in which nothing happened writes no line, so a metric has no datum then:
 * alarms and metric math should treat missing data as zero (`FILL(m, 0)`, `notBreaching`).
 */

/** The namespace the origin writes to unless told otherwise, and the one the constructs read. */
export const EMF_DEFAULT_NAMESPACE = 'ImageCdn';

/** The dimension naming one deployment, so two stacks in one account never mix their numbers. */
export const EMF_SERVICE_DIMENSION = 'Service';

export type EmfUnit = 'Count' | 'Milliseconds' | 'Bytes';

export interface EmfMetricSpec {
  /** The CloudWatch metric name. */
  readonly name: string;
  readonly unit: EmfUnit;
  /** Dimensions besides `Service`; the metric is also written with `Service` alone, for totals. */
  readonly dimensions?: readonly string[];
  /** What one datum means. */
  readonly description: string;
}

/** Every metric the origin emits, keyed by how the code refers to it. */
export const EMF_METRICS = {
  transforms: { name: 'Transforms', unit: 'Count', dimensions: ['Format'], description: 'Transforms executed (decode, transform, encode), by output format.' },
  requests: {
    name: 'Requests',
    unit: 'Count',
    dimensions: ['StatusClass', 'Outcome'],
    description: 'Requests answered, by status class (2xx, 3xx, 4xx, 5xx) and by outcome.',
  },
  notModified: { name: 'NotModified', unit: 'Count', description: 'Requests answered 304 from the URL and the validator alone.' },
  coalesced: { name: 'Coalesced', unit: 'Count', description: 'Requests that shared an identical transform already in flight.' },
  rejected: {
    name: 'Rejected',
    unit: 'Count',
    description: 'Requests refused with 503 because the transform queue was full, or its expected wait outlasted their deadline.',
  },
  dropped: { name: 'Dropped', unit: 'Count', description: 'Queued transforms dropped unrun because every request waiting for them had timed out.' },
  timedOut: { name: 'TimedOut', unit: 'Count', description: 'Requests answered 504 because they passed their deadline.' },
  queueDepth: { name: 'QueueDepth', unit: 'Count', description: 'Transforms waiting for a slot: the highest depth seen in the interval.' },
  transformTime: { name: 'TransformTime', unit: 'Milliseconds', description: 'Wall time of each executed transform, header read through encode.' },
  sourceFetchTime: {
    name: 'SourceFetchTime',
    unit: 'Milliseconds',
    description:
      'Wall time of each source read a transform made (file, S3 or HTTP), failed reads included; a transform that found its decoded source kept reads none.',
  },
  sourceCacheHits: { name: 'SourceCacheHits', unit: 'Count', description: 'Transforms that started from a kept or in-flight decoded source.' },
  sourceCacheMisses: { name: 'SourceCacheMisses', unit: 'Count', description: 'Transforms that started from a decoded source they had to decode.' },
} as const satisfies Record<string, EmfMetricSpec>;

export type EmfMetricKey = keyof typeof EMF_METRICS;

/** The dimension sets a metric is published under: `[Service]`, and `[Service, D]` for each of its extra dimensions. */
export function emfDimensionSets(spec: EmfMetricSpec): string[][] {
  return [[EMF_SERVICE_DIMENSION], ...(spec.dimensions ?? []).map((dimension) => [EMF_SERVICE_DIMENSION, dimension])];
}
