import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The origin's Prometheus metrics, in a registry of its own so several origins can share a process (tests). */
export class OriginMetrics {
  readonly registry = new Registry();

  readonly transforms = new Counter({
    name: 'image_cdn_transforms_total',
    help: 'Transforms actually executed (decode, transform, encode), by output format.',
    labelNames: ['format'] as const,
    registers: [this.registry],
  });

  readonly requests = new Counter({
    name: 'image_cdn_requests_total',
    help: 'HTTP requests answered, by status code and outcome.',
    labelNames: ['status', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly transformDuration = new Histogram({
    name: 'image_cdn_transform_duration_seconds',
    help: 'Wall time of executed transforms (header read through encode).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly queueWaiting = new Gauge({
    name: 'image_cdn_queue_depth',
    help: 'Transforms waiting for a slot.',
    registers: [this.registry],
  });

  readonly queueRunning = new Gauge({
    name: 'image_cdn_transforms_in_progress',
    help: 'Transforms running now.',
    registers: [this.registry],
  });

  readonly coalesced = new Counter({
    name: 'image_cdn_coalesced_requests_total',
    help: 'Requests that shared an identical in-flight transform instead of running their own.',
    registers: [this.registry],
  });

  readonly rejected = new Counter({
    name: 'image_cdn_rejected_requests_total',
    help: 'Requests refused with 503 because the transform queue was full.',
    registers: [this.registry],
  });

  readonly dropped = new Counter({
    name: 'image_cdn_dropped_transforms_total',
    help: 'Queued transforms dropped unrun because every request waiting for them had already timed out.',
    registers: [this.registry],
  });

  readonly sourceCacheLookups = new Counter({
    name: 'image_cdn_source_cache_lookups_total',
    help: 'Decoded-source lookups by transforms that start from a level: hit (kept), joined (another transform was decoding it), miss (decoded).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly sourceCacheBytes = new Gauge({
    name: 'image_cdn_source_cache_bytes',
    help: 'Bytes of decoded source pixels kept for later transforms of the same source.',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'image_cdn_' });
  }
}
