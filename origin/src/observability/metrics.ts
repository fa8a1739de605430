import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The Prometheus name of each of the origin's metrics (the EMF publisher reads them by name). */
export const PROMETHEUS_NAMES = {
  transforms: 'image_cdn_transforms_total',
  requests: 'image_cdn_requests_total',
  transformDuration: 'image_cdn_transform_duration_seconds',
  sourceFetchDuration: 'image_cdn_source_fetch_duration_seconds',
  queueWaiting: 'image_cdn_queue_depth',
  queueRunning: 'image_cdn_transforms_in_progress',
  coalesced: 'image_cdn_coalesced_requests_total',
  rejected: 'image_cdn_rejected_requests_total',
  dropped: 'image_cdn_dropped_transforms_total',
  timedOut: 'image_cdn_timed_out_requests_total',
  sourceCacheLookups: 'image_cdn_source_cache_lookups_total',
  sourceCacheBytes: 'image_cdn_source_cache_bytes',
} as const;

/**
 * What the registry cannot tell a reader between two reads: each duration as measured (a
 * histogram keeps only its buckets) and every queue depth (a gauge keeps only the last). The
 * EMF publisher listens; the counters it reads from the registry itself.
 */
export interface ObservationListener {
  transformMs?(ms: number): void;
  sourceFetchMs?(ms: number): void;
  queueWaiting?(waiting: number): void;
}

/** The origin's Prometheus metrics, in a registry of its own so several origins can share a process (tests). */
export class OriginMetrics {
  readonly registry = new Registry();
  private readonly listeners = new Set<ObservationListener>();

  readonly transforms = new Counter({
    name: PROMETHEUS_NAMES.transforms,
    help: 'Transforms actually executed (decode, transform, encode), by output format.',
    labelNames: ['format'] as const,
    registers: [this.registry],
  });

  readonly requests = new Counter({
    name: PROMETHEUS_NAMES.requests,
    help: 'HTTP requests answered, by status code and outcome.',
    labelNames: ['status', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly transformDuration = new Histogram({
    name: PROMETHEUS_NAMES.transformDuration,
    help: 'Wall time of executed transforms (header read through encode).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly sourceFetchDuration = new Histogram({
    name: PROMETHEUS_NAMES.sourceFetchDuration,
    help: 'Wall time of each source read a transform made (file, S3 or HTTP), failed reads included.',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly queueWaiting = new Gauge({
    name: PROMETHEUS_NAMES.queueWaiting,
    help: 'Transforms waiting for a slot.',
    registers: [this.registry],
  });

  readonly queueRunning = new Gauge({
    name: PROMETHEUS_NAMES.queueRunning,
    help: 'Transforms running now.',
    registers: [this.registry],
  });

  readonly coalesced = new Counter({
    name: PROMETHEUS_NAMES.coalesced,
    help: 'Requests that shared an identical in-flight transform instead of running their own.',
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: PROMETHEUS_NAMES.rejected,
    help: 'Requests refused with 503 because the transform queue was full.',
    registers: [this.registry],
  });

  readonly dropped = new Counter({
    name: PROMETHEUS_NAMES.dropped,
    help: 'Queued transforms dropped unrun because every request waiting for them had already timed out.',
    registers: [this.registry],
  });

  readonly timedOut = new Counter({
    name: PROMETHEUS_NAMES.timedOut,
    help: 'Requests answered 504 because they passed their deadline (running, or waiting for a slot).',
    registers: [this.registry],
  });

  readonly sourceCacheLookups = new Counter({
    name: PROMETHEUS_NAMES.sourceCacheLookups,
    help: 'Decoded-source lookups by transforms that start from a level: hit (kept), joined (another transform was decoding it), miss (decoded).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly sourceCacheBytes = new Gauge({
    name: PROMETHEUS_NAMES.sourceCacheBytes,
    help: 'Bytes of decoded source pixels kept for later transforms of the same source.',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'image_cdn_' });
  }

  /** Listens to the observations below until the returned function is called. */
  listen(listener: ObservationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  observeTransform(ms: number): void {
    this.transformDuration.observe(ms / 1000);
    for (const listener of this.listeners) listener.transformMs?.(ms);
  }

  observeSourceFetch(ms: number): void {
    this.sourceFetchDuration.observe(ms / 1000);
    for (const listener of this.listeners) listener.sourceFetchMs?.(ms);
  }

  setQueueDepth(waiting: number, running: number): void {
    this.queueWaiting.set(waiting);
    this.queueRunning.set(running);
    for (const listener of this.listeners) listener.queueWaiting?.(waiting);
  }
}
