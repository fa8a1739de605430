import type { OriginConfig } from '../config-types.js';
import { errors, ImageCdnError } from '../errors.js';
import type { VariantTable } from '../pipeline/variants.js';
import type { MountTable } from '../sources/mounts.js';
import { sourceVersionKey } from '../sources/sniffed-formats.js';
import type { Source } from '../sources/types.js';
import type { EncoderCapabilities } from '../transform/negotiate.js';
import { RasterCache } from '../transform/raster-cache.js';
import { WorkQueue } from '../transform/work-queue.js';
import { requestIsNotModified } from './conditional.js';
import { errorResponse, internalError } from './error-response.js';
import type { OriginMetrics } from '../observability/metrics.js';
import { openOriginal, originalEtag, servableFormat, sniffOriginal, type OpenedOriginal } from './original.js';
import { PlanCache } from './plan-cache.js';
import { redirectsOnError, redirectToSource } from './redirect.js';
import { negotiateTransform } from './representation.js';
import { withinDeadline, type RequestDeadline } from './request-deadline.js';
import { RequestPlanner } from './request-plan.js';
import { routeRequest, sourcePathOf } from './request-target.js';
import { msSince, transformedPhases } from './request-timings.js';
import { SignatureCheck } from './signature-check.js';
import { checkResponseSize, checkSourceSize } from './size-checks.js';
import { locateSource, resolveSource } from './source-location.js';
import { headOnly, notModified, originalResponse, representationHeaders, transformedResponse } from './success-response.js';
import { TransformJobs } from './transform-job.js';
import type { OriginRequest, OriginResponse } from './types.js';
import { UrlReader } from './url-reader.js';

export { compileVersionPattern } from './url-reader.js';

export interface HandlerDeps {
  readonly config: OriginConfig;
  /** Maps a source path (`/uploads/abc.jpg`) to the source that serves it. */
  readonly router: MountTable;
  /** Serves absolute http(s) sources; absent means they are refused. */
  readonly httpSource?: Source;
  readonly metrics: OriginMetrics;
  readonly capabilities: EncoderCapabilities;
  /** Named variants, loaded and validated at start. */
  readonly variants: VariantTable;
  /** Called with unexpected (non-ImageCdnError) failures, which become 500s. */
  readonly onBug?: (error: unknown, request: OriginRequest) => void;
}

/**
 * The origin as a function: request in, response out. Everything a CDN relies on is decided
 * here from metadata alone (ETag, Cache-Control, Vary, 304); pixels are touched only for a
 * 200 to a GET, and then once per unique (source, pipeline, format) however many ask at once.
 */
export class OriginHandler {
  readonly queue: WorkQueue;
  /** Decoded sources shared by the transforms of one source (transform/raster-cache.ts). */
  readonly decoded: RasterCache;
  private readonly urls: UrlReader;
  private readonly signatures: SignatureCheck;
  private readonly planner: RequestPlanner;
  private readonly transforms: TransformJobs;

  constructor(private readonly deps: HandlerDeps) {
    const { config, metrics } = deps;
    const { limits } = config;
    // Revalidations repeat the same URLs: their parses and plans are kept (plan-cache.ts).
    const plans = new PlanCache();
    this.urls = new UrlReader({ grammars: config.grammars, imagekitEndpoint: config.imagekitEndpoint, versionPattern: config.versionPattern, plans });
    this.signatures = new SignatureCheck({ config, isVariantUrl: (url) => this.urls.isVariantUrl(url) });
    this.planner = new RequestPlanner({ config, variants: deps.variants, plans });
    this.decoded = new RasterCache(limits.sourceCacheMiB * 1024 * 1024, {
      onLookup: (outcome) => metrics.sourceCacheLookups.inc({ outcome }),
      onResize: (bytes) => metrics.sourceCacheBytes.set(bytes),
    });
    this.queue = new WorkQueue(
      { concurrency: limits.concurrency, maxWaiting: limits.queueSize },
      {
        onCoalesced: () => metrics.coalesced.inc(),
        onDropped: () => metrics.dropped.inc(),
        onDepthChange: (waiting, running) => metrics.setQueueDepth(waiting, running),
      },
    );
    this.transforms = new TransformJobs({ config, metrics, queue: this.queue, decoded: this.decoded });
  }

  async handle(request: OriginRequest): Promise<OriginResponse> {
    try {
      return await withinDeadline({ timeoutMs: this.deps.config.limits.requestTimeoutMs }, (budget) => this.answer({ request, ...budget }));
    } catch (error) {
      return this.failure(error, request);
    }
  }

  /**
   * Whether an enabled grammar reads the raw request target as an image request, valid or not,
   * whatever its signature: such a URL is this origin's to answer even when the answer is an error.
   */
  readsAsImageUrl(url: string): boolean {
    return this.urls.readsAsImageUrl(url);
  }

  /**
   * The request path, top to bottom. Everything up to the conditional is decided from the URL,
   * the headers and the source's metadata; a failure anywhere is a tagged error (handle()).
   */
  private async answer({ request, signal, deadline }: RequestDeadline & { readonly request: OriginRequest }): Promise<OriginResponse> {
    const { config, capabilities } = this.deps;
    const target = routeRequest({ request });
    // The signature covers the target exactly as sent; what the grammars see is the URL without it.
    const signed = this.signatures.verify({ target });
    const pathname = this.urls.withoutVersion(signed.pathname);
    const parsed = this.urls.parse({ pathname, search: signed.search, scheme: signed.scheme });
    if (parsed === undefined) return this.original({ request, sourcePath: sourcePathOf(pathname), signal, expiresAt: signed.expiresAt });
    if (!parsed.ok) throw parsed.error;
    const image = parsed.value;

    const plan = this.planner.plan({ image, header: (name) => request.header(name) });
    const location = locateSource({ path: image.source, router: this.deps.router, httpSource: this.deps.httpSource });
    try {
      const resolveStarted = performance.now();
      const resolved = await resolveSource({ location, signal });
      const { meta } = resolved;
      const representation = negotiateTransform({ request, plan, meta, capabilities });
      const headers = representationHeaders({
        config,
        etag: representation.etag,
        sourcePath: image.source,
        meta,
        mountCacheControl: location.cacheControl,
        expiresAt: signed.expiresAt,
        vary: representation.vary,
        content: { kind: 'transform', format: representation.format, fallback: representation.fallback },
      });
      if (requestIsNotModified({ request, etag: representation.etag, lastModified: meta.lastModified })) return notModified({ headers });
      if (request.method === 'HEAD') return headOnly({ headers });

      checkSourceSize({ size: meta.size, limits: config.limits });
      const resolveMs = msSince(resolveStarted);
      const job = this.transforms.queue({
        etag: representation.etag,
        job: { resolved, pipeline: plan.pipeline, format: representation.format, quality: representation.quality, sourceName: image.source, deadline },
      });
      const result = await job.promise;
      checkResponseSize({ bytes: result.data.length, limits: config.limits });
      return transformedResponse({ headers, data: result.data, timings: transformedPhases({ resolveMs, timings: result.timings }), coalesced: job.coalesced });
    } catch (error) {
      if (redirectsOnError({ options: plan.options, error })) return redirectToSource({ source: image.source, cacheControl: config.cacheControl.clientError });
      throw error;
    }
  }

  /**
   * Paths outside every grammar: the source's own bytes, under the same cache contract, served
   * only as the image format those bytes are (original.ts). HEAD and conditional requests
   * decide from the first bytes (remembered per version); a GET sniffs the very bytes it sends.
   */
  private async original({
    request,
    sourcePath,
    signal,
    expiresAt,
  }: {
    readonly request: OriginRequest;
    readonly sourcePath: string;
    readonly signal: AbortSignal;
    readonly expiresAt: number | undefined;
  }): Promise<OriginResponse> {
    const { config } = this.deps;
    if (sourcePath === '' || sourcePath.endsWith('/')) throw errors.notFound(`/${sourcePath}`);
    const location = locateSource({ path: sourcePath, router: this.deps.router, httpSource: this.deps.httpSource });
    const resolved = await resolveSource({ location, signal });
    const { meta } = resolved;
    const read = { signal, maxBytes: config.limits.maxSourceBytes };
    // The same key as the decoded-source cache's (transform-job.ts), so a transform's sniff serves here too.
    const version = sourceVersionKey(sourcePath, meta.etagSeed);
    const bodyless = request.method === 'HEAD' || request.header('if-none-match') !== undefined || request.header('if-modified-since') !== undefined;
    // Known from the metadata: refused before a byte is read.
    if (!bodyless) checkResponseSize({ bytes: meta.size, limits: config.limits });
    let opened: OpenedOriginal | undefined = bodyless ? undefined : await openOriginal(version, resolved, read);
    try {
      const sniffed = opened?.sniffed ?? (await sniffOriginal(version, resolved, read));
      const etag = originalEtag(meta);
      const headers = representationHeaders({
        config,
        etag,
        sourcePath,
        meta,
        mountCacheControl: location.cacheControl,
        expiresAt,
        vary: [],
        content: { kind: 'original', format: servableFormat(sniffed, sourcePath, config.svg) },
      });
      if (requestIsNotModified({ request, etag, lastModified: meta.lastModified })) return notModified({ headers });
      if (request.method === 'HEAD') return headOnly({ headers });

      opened ??= await openOriginal(version, resolved, read);
      if (opened.sniffed.format !== sniffed.format) throw errors.fetchFailed(sourcePath, 'it changed while being read; retry');
      checkResponseSize({ bytes: opened.length ?? meta.size, limits: config.limits });
      const served = opened;
      opened = undefined; // the response owns the body now
      return originalResponse({ headers, body: served.body(), length: served.length });
    } finally {
      await opened?.close();
    }
  }

  private failure(error: unknown, request: OriginRequest): OriginResponse {
    const head = request.method === 'HEAD';
    if (error instanceof ImageCdnError) {
      if (error.tag === 'overloaded') this.deps.metrics.rejected.inc();
      if (error.tag === 'request_timeout') this.deps.metrics.timedOut.inc();
      return errorResponse(error, this.deps.config.cacheControl, head);
    }
    this.deps.onBug?.(error, request);
    return errorResponse(internalError(), this.deps.config.cacheControl, head);
  }
}
