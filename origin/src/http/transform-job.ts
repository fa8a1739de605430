import type { OriginConfig } from '../config-types.js';
import type { OutputFormat, Pipeline } from '../pipeline/types.js';
import { sourceVersionKey } from '../sources/sniffed-formats.js';
import type { ResolvedSource } from '../sources/types.js';
import { describe, transform } from '../transform/engine.js';
import type { RasterCache } from '../transform/raster-cache.js';
import type { WorkQueue } from '../transform/work-queue.js';
import type { OriginMetrics } from '../observability/metrics.js';
import { msSince, timedRead, type TransformTimings } from './request-timings.js';

/** What one queued transform needs. */
export interface TransformJob {
  readonly resolved: ResolvedSource;
  readonly pipeline: Pipeline;
  readonly format: OutputFormat | 'json';
  /** Effective quality (the request's, or its slow-connection quality). */
  readonly quality: Pipeline['output']['quality'];
  readonly sourceName: string;
  /** `performance.now()` ms: the deadline of the request that started the job. */
  readonly deadline: number;
}

export interface TransformResult {
  readonly data: Buffer;
  readonly timings: TransformTimings;
}

export interface TransformJobsOptions {
  readonly config: Pick<OriginConfig, 'limits' | 'svg'>;
  readonly metrics: OriginMetrics;
  readonly queue: WorkQueue;
  /** Decoded sources shared by the transforms of one source (transform/raster-cache.ts). */
  readonly decoded: RasterCache;
}

/** The transforms of one origin: queued, coalesced and run against the engine. */
export class TransformJobs {
  constructor(private readonly options: TransformJobsOptions) {}

  /**
   * Queues a job under its ETag: requests for the same answer while it runs share its result
   * (`coalesced`). Past the queue's bound it is a 503; a job whose every request has passed
   * its deadline is dropped unrun.
   */
  queue({ etag, job }: { readonly etag: string; readonly job: TransformJob }): { readonly promise: Promise<TransformResult>; readonly coalesced: boolean } {
    return this.options.queue.run(etag, () => this.run(job), job.deadline);
  }

  /**
   * One decode → transform → encode; coalesced callers share its result. Its work stops at the
   * deadline of the request that started it: reading, decoding and each libvips step.
   */
  private async run({ resolved, pipeline, format, quality, sourceName, deadline }: TransformJob): Promise<TransformResult> {
    const { config, metrics, queue, decoded } = this.options;
    const { limits } = config;
    const started = performance.now();
    // Read only when the decoded-source cache lacks the header or the raster this transform needs.
    const source = timedRead(
      () => resolved.open({ signal: AbortSignal.timeout(Math.max(1, Math.ceil(deadline - performance.now()))), maxBytes: limits.maxSourceBytes }),
      (ms) => metrics.observeSourceFetch(ms),
    );
    const common = {
      open: source.read,
      // The ETag seed changes with the bytes; the source path keeps two mounts' equal seeds apart.
      decoded: {
        cache: decoded,
        key: sourceVersionKey(sourceName, resolved.meta.etagSeed),
        // Waiting for another transform's decode uses no CPU: its queue slot runs the next transform meanwhile.
        whileShared: <T>(decoding: Promise<T>) => queue.lend(decoding),
      },
      pipeline,
      maxPixels: limits.maxPixels,
      outputLimits: limits,
      sourceLevels: limits.sourceLevels,
      deadline,
      timeoutMs: limits.requestTimeoutMs,
      sourceName,
      svg: config.svg,
    };
    let data: Buffer;
    let timings: TransformTimings;
    if (format === 'json') {
      data = Buffer.from(JSON.stringify(await describe(common, resolved.meta.size)));
      timings = { fetchMs: source.lastMs(), transformMs: msSince(started) - source.lastMs() };
    } else {
      const output = await transform({ ...common, format, quality });
      data = output.data;
      timings = { fetchMs: source.lastMs(), headerMs: output.timings.header, transformMs: output.timings.pipeline };
    }
    metrics.transforms.inc({ format });
    metrics.observeTransform(msSince(started));
    return { data, timings };
  }
}
