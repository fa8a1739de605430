import sharp from 'sharp';
import type { GrammarName, OriginConfig } from '../config.js';
import { errors, ImageCdnError } from '../errors.js';
import { createImageUrlParser, type ImageUrlParser } from '../grammar/index.js';
import { cacheTagForSource } from '../cache-tag.js';
import { fingerprint } from '../pipeline/fingerprint.js';
import { normalise } from '../pipeline/normalise.js';
import { isVariantRequest, resolveVariant, type VariantTable } from '../pipeline/variants.js';
import { readAsAuthorised } from '../signing/authorised-grammar.js';
import type { SigningScheme } from '../signing/scheme.js';
import { verifyRequest } from '../signing/verify.js';
import type { ImageRequest, OutputFormat, Pipeline } from '../pipeline/types.js';
import { builtinSource, HEALTH_IMAGE_PATH } from '../sources/builtin.js';
import type { MountTable } from '../sources/mounts.js';
import { sourceVersionKey } from '../sources/sniffed-formats.js';
import type { ResolvedSource, Source } from '../sources/types.js';
import { describe, transform } from '../transform/engine.js';
import { checkOutputLimits } from '../transform/limits.js';
import { chooseFormat, chooseQuality, resolveAutoWidth, type EncoderCapabilities } from '../transform/negotiate.js';
import { RasterCache } from '../transform/raster-cache.js';
import { WorkQueue } from '../transform/work-queue.js';
import { successCacheControl } from './cache-control.js';
import { PlanCache } from './plan-cache.js';
import { isNotModified } from './conditional.js';
import { errorResponse, internalError } from './error-response.js';
import { strongEtag } from './etag.js';
import { openOriginal, ORIGINAL_ETAG_PART, originalRepresentation, sniffOriginal, type OpenedOriginal } from './original.js';
import { SECURITY_HEADERS } from './security-headers.js';
import type { OriginMetrics } from './metrics.js';
import type { OriginRequest, OriginResponse } from './types.js';

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

interface RequestContext {
  readonly signal: AbortSignal;
  /** `performance.now()` ms at which the request answers 504. */
  readonly deadline: number;
  /** Unix seconds at which the request's signature expires. */
  readonly expiresAt?: number;
}

/** CloudFront's own limit on a request URL: nothing longer can reach the origin through it. */
export const MAX_URL_LENGTH = 8_192;

const CONTENT_TYPES: Record<OutputFormat | 'json', string> = {
  avif: 'image/avif',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
  'baseline-jpeg': 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  json: 'application/json',
};

/** What one queued transform needs. */
interface TransformJob {
  readonly resolved: ResolvedSource;
  readonly pipeline: Pipeline;
  readonly format: OutputFormat | 'json';
  /** Effective quality (the request's, or its slow-connection quality). */
  readonly quality: Pipeline['output']['quality'];
  readonly sourceName: string;
  /** `performance.now()` ms: the deadline of the request that started the job. */
  readonly deadline: number;
}

interface TransformResult {
  readonly data: Buffer;
  readonly timings: Readonly<Record<string, number>>;
}

/**
 * The origin as a function: request in, response out. Everything a CDN relies on is decided
 * here from metadata alone (ETag, Cache-Control, Vary, 304); pixels are touched only for a
 * 200 to a GET, and then once per unique (source, pipeline, format) however many ask at once.
 */
export class OriginHandler {
  readonly queue: WorkQueue;
  private readonly versionSegment: RegExp | undefined;
  private readonly parseImageUrl: ImageUrlParser;
  /** One parser per enabled grammar, for signed URLs that authorise a single grammar. */
  private readonly grammarParsers: ReadonlyMap<GrammarName, ImageUrlParser>;
  private readonly signingSchemes: readonly SigningScheme[];
  private readonly plans = new PlanCache();
  /** Decoded sources shared by the transforms of one source (transform/raster-cache.ts). */
  readonly decoded: RasterCache;

  constructor(private readonly deps: HandlerDeps) {
    const { limits, grammars } = deps.config;
    this.versionSegment = compileVersionPattern(deps.config.versionPattern);
    this.parseImageUrl = createImageUrlParser(grammars, { imagekitEndpoint: deps.config.imagekitEndpoint });
    this.grammarParsers = new Map(grammars.map((g) => [g, createImageUrlParser([g], { imagekitEndpoint: deps.config.imagekitEndpoint })]));
    // Each enabled hosted grammar brings its own signature scheme, so migrated signed URLs keep working.
    this.signingSchemes = ['native', ...grammars.filter((g): g is Exclude<typeof g, 'cloudflare'> => g !== 'cloudflare')];
    this.decoded = new RasterCache(limits.sourceCacheMiB * 1024 * 1024, {
      onLookup: (outcome) => deps.metrics.sourceCacheLookups.inc({ outcome }),
      onResize: (bytes) => deps.metrics.sourceCacheBytes.set(bytes),
    });
    this.queue = new WorkQueue(
      { concurrency: limits.concurrency, maxWaiting: limits.queueSize },
      {
        onCoalesced: () => deps.metrics.coalesced.inc(),
        onDropped: () => deps.metrics.dropped.inc(),
        onDepthChange: (waiting, running) => deps.metrics.setQueueDepth(waiting, running),
      },
    );
  }

  async handle(request: OriginRequest): Promise<OriginResponse> {
    const timeoutMs = this.deps.config.limits.requestTimeoutMs;
    const controller = new AbortController();
    const deadlineAt = performance.now() + timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(errors.timeout(timeoutMs));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.route(request, controller.signal, deadlineAt), deadline]);
    } catch (error) {
      return this.failure(error, request);
    } finally {
      clearTimeout(timer);
    }
  }

  private failure(error: unknown, request: OriginRequest): OriginResponse {
    if (error instanceof ImageCdnError) {
      if (error.tag === 'overloaded') this.deps.metrics.rejected.inc();
      if (error.tag === 'request_timeout') this.deps.metrics.timedOut.inc();
      return errorResponse(error, this.deps.config.cacheControl, request.method === 'HEAD');
    }
    this.deps.onBug?.(error, request);
    return errorResponse(internalError(), this.deps.config.cacheControl, request.method === 'HEAD');
  }

  private async route(request: OriginRequest, signal: AbortSignal, deadline: number): Promise<OriginResponse> {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw errors.methodNotAllowed(request.method);
    // Every URL is parsed, and its plan kept, before anything else: bound what one request can make the origin hold.
    if (request.url.length > MAX_URL_LENGTH) throw errors.uriTooLong(request.url.length, MAX_URL_LENGTH);
    const queryStart = request.url.indexOf('?');
    const target = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
    if (!target.startsWith('/')) throw errors.malformedUrl('request target must start with "/"');
    // The signature covers the target exactly as sent; what the grammars see is the URL without it.
    const { pathname: signedPath, search, expiresAt, scheme } = this.verifySignature(target, queryStart < 0 ? '' : request.url.slice(queryStart));
    const context: RequestContext = { signal, deadline, ...(expiresAt !== undefined && { expiresAt }) };
    // `/v2/cdn-cgi/image/...`: the version only busts caches; the origin ignores it.
    const pathname = this.withoutVersion(signedPath);

    const parsed = this.parse(pathname, search, scheme);
    if (parsed === undefined) return this.original(request, decodePath(pathname), context);
    if (!parsed.ok) throw parsed.error;
    return this.image(request, parsed.value, context);
  }

  private verifySignature(pathname: string, search: string): { pathname: string; search: string; expiresAt?: number; scheme?: SigningScheme } {
    const signing = this.deps.config.signing;
    if (!signing) return { pathname, search };
    const verified = verifyRequest(pathname, search, {
      keys: signing.keys,
      mode: signing.mode,
      now: Math.floor(Date.now() / 1000),
      schemes: this.signingSchemes,
      imagekitEndpoint: this.deps.config.imagekitEndpoint,
      ...(signing.exemptVariants && { exempt: (url) => this.isVariantUrl(url.pathname, url.search) }),
    });
    if (!verified.ok) throw verified.error;
    return verified.value;
  }

  /**
   * Parses once per URL: an exempt-variant check and the request itself share the result. A URL
   * signed with a hosted service's scheme is read only by that service's grammar.
   */
  private parse(pathname: string, search: string, scheme?: SigningScheme) {
    return readAsAuthorised(scheme, (grammar) =>
      grammar === undefined
        ? this.plans.parse(`${pathname}${search}`, () => this.parseImageUrl(pathname, search))
        : this.plans.parse(`${grammar}:${pathname}${search}`, () => this.grammarParsers.get(grammar)?.(pathname, search)),
    );
  }

  /**
   * Whether an enabled grammar reads the raw request target as an image request, valid or not,
   * whatever its signature: such a URL is this origin's to answer even when the answer is an error.
   */
  readsAsImageUrl(url: string): boolean {
    const queryStart = url.indexOf('?');
    const target = queryStart < 0 ? url : url.slice(0, queryStart);
    return this.parseImageUrl(this.withoutVersion(target), queryStart < 0 ? '' : url.slice(queryStart)) !== undefined;
  }

  private withoutVersion(pathname: string): string {
    return this.versionSegment ? pathname.replace(this.versionSegment, '/') : pathname;
  }

  private isVariantUrl(pathname: string, search: string): boolean {
    const parsed = this.parse(this.withoutVersion(pathname), search);
    return parsed?.ok === true && isVariantRequest(parsed.value.options);
  }

  private locate(source: string): { source: Source; relativePath: string; cacheControl?: string } {
    if (/^https?:\/\//i.test(source)) {
      if (!this.deps.httpSource) {
        throw errors.sourceForbidden(source, 'absolute http(s) sources are not enabled on this origin (configure httpSource.allowHosts)');
      }
      return { source: this.deps.httpSource, relativePath: source };
    }
    if (source === HEALTH_IMAGE_PATH) return { source: builtinSource, relativePath: source };
    const match = this.deps.router.match(`/${source}`);
    if (!match) throw errors.sourceNotFound(source);
    return match;
  }

  private async image(request: OriginRequest, image: ImageRequest, { signal, deadline, expiresAt }: RequestContext): Promise<OriginResponse> {
    const { config, capabilities } = this.deps;
    const options = this.plans.options(image, () => {
      const expanded = resolveVariant(image.options, this.deps.variants, { onlyVariants: config.onlyVariants });
      if (!expanded.ok) throw expanded.error;
      return expanded.value;
    });
    const autoWidth = resolveAutoWidth(options, (name) => request.header(name), config.limits.maxOutputDimension);
    const buildPlan = () => {
      const pipeline = normalise(autoWidth.options);
      checkOutputLimits(pipeline, config.limits);
      return { pipeline, fingerprint: fingerprint(pipeline) };
    };
    const { pipeline, fingerprint: print } = autoWidth.vary.length ? buildPlan() : this.plans.plan(image, buildPlan);
    const location = this.locate(image.source);

    try {
      const sourceStarted = performance.now();
      const resolved = await location.source.resolve(location.relativePath, signal);
      const { meta } = resolved;
      const decision = chooseFormat(pipeline.output.format, meta.contentType, request.header('accept'), capabilities);
      const quality = chooseQuality(pipeline.output, (name) => request.header(name));
      const etag = strongEtag(meta.etagSeed, print, decision.format, String(quality.quality ?? ''));
      const vary = [...(decision.varyAccept ? ['Accept'] : []), ...quality.vary.map(titleCase), ...autoWidth.vary];
      const headers: Record<string, string> = {
        etag,
        'cache-control': successCacheControl(config.cacheControl, meta, location.cacheControl, expiresAt),
        ...(meta.lastModified && { 'last-modified': meta.lastModified.toUTCString() }),
        ...(vary.length && { vary: vary.join(', ') }),
        'content-type': CONTENT_TYPES[decision.format],
        ...(decision.fallback && { 'x-image-cdn-format-fallback': decision.fallback }),
        ...this.cacheTag(image.source),
        ...SECURITY_HEADERS,
      };
      if (isNotModified((name) => request.header(name), etag, meta.lastModified)) {
        return { status: 304, headers: withoutContentHeaders(headers), outcome: 'not-modified' };
      }
      if (request.method === 'HEAD') return { status: 200, headers, outcome: 'head' };

      const maxBytes = config.limits.maxSourceBytes;
      if (meta.size !== undefined && meta.size > maxBytes) {
        throw errors.sourceTooLarge(`source is ${meta.size} bytes; the limit is ${maxBytes}`);
      }
      const resolveMs = performance.now() - sourceStarted;
      const job = this.queue.run(
        etag,
        () => this.execute({ resolved, pipeline, format: decision.format, quality: quality.quality, sourceName: image.source, deadline }),
        deadline,
      );
      const result = await job.promise;
      checkResponseSize(result.data.length, config.limits.maxResponseBytes);
      return {
        status: 200,
        headers: {
          ...headers,
          'content-length': String(result.data.length),
          'server-timing': serverTiming({ resolve: resolveMs, ...result.timings }),
        },
        body: result.data,
        outcome: job.coalesced ? 'coalesced' : 'transformed',
        timings: { resolve: resolveMs, ...result.timings },
      };
    } catch (error) {
      if (options.onerror === 'redirect' && error instanceof ImageCdnError && redirectsOnError(error)) {
        return redirectToSource(image.source, config.cacheControl.clientError);
      }
      throw error;
    }
  }

  /**
   * One decode → transform → encode; coalesced callers share its result. Its work stops at the
   * deadline of the request that started it: reading, decoding and each libvips step.
   */
  private async execute({ resolved, pipeline, format, quality, sourceName, deadline }: TransformJob): Promise<TransformResult> {
    const { limits } = this.deps.config;
    const started = performance.now();
    let fetchMs = 0;
    const common = {
      // Read only when the decoded-source cache lacks the header or the raster this transform needs.
      open: async () => {
        const opening = performance.now();
        const signal = AbortSignal.timeout(Math.max(1, Math.ceil(deadline - opening)));
        try {
          return await resolved.open({ signal, maxBytes: limits.maxSourceBytes });
        } finally {
          fetchMs = performance.now() - opening;
          this.deps.metrics.observeSourceFetch(fetchMs);
        }
      },
      // The ETag seed changes with the bytes; the source path keeps two mounts' equal seeds apart.
      decoded: {
        cache: this.decoded,
        key: sourceVersionKey(sourceName, resolved.meta.etagSeed),
        // Waiting for another transform's decode uses no CPU: its queue slot runs the next transform meanwhile.
        whileShared: <T>(decoding: Promise<T>) => this.queue.lend(decoding),
      },
      pipeline,
      maxPixels: limits.maxPixels,
      outputLimits: limits,
      deadline,
      timeoutMs: limits.requestTimeoutMs,
      sourceName,
      svg: this.deps.config.svg,
    };
    let data: Buffer;
    let timings: Record<string, number>;
    if (format === 'json') {
      data = Buffer.from(JSON.stringify(await describe(common, resolved.meta.size)));
      timings = { transform: performance.now() - started - fetchMs };
    } else {
      const output = await transform({ ...common, format, quality });
      data = output.data;
      timings = { header: output.timings.header, transform: output.timings.pipeline };
    }
    this.deps.metrics.transforms.inc({ format });
    this.deps.metrics.observeTransform(performance.now() - started);
    return { data, timings: { fetch: fetchMs, ...timings } };
  }

  /** Tags every response of one source alike, so a CDN that purges by tag can drop all its transforms at once. */
  private cacheTag(sourcePath: string): Record<string, string> {
    const header = this.deps.config.cacheTagHeader;
    return header ? { [header.toLowerCase()]: cacheTagForSource(sourcePath) } : {};
  }

  /**
   * Paths outside every grammar: the source's own bytes, under the same cache contract, served
   * only as the image format those bytes are (http/original.ts). HEAD and conditional requests
   * decide from the first bytes (remembered per version); a GET sniffs the very bytes it sends.
   */
  private async original(request: OriginRequest, sourcePath: string, { signal, expiresAt }: RequestContext): Promise<OriginResponse> {
    const { config } = this.deps;
    if (sourcePath === '' || sourcePath.endsWith('/')) throw errors.notFound(`/${sourcePath}`);
    const location = this.locate(sourcePath);
    const resolved = await location.source.resolve(location.relativePath, signal);
    const { meta } = resolved;
    const read = { signal, maxBytes: config.limits.maxSourceBytes };
    // The same key as the decoded-source cache's (execute), so a transform's sniff serves here too.
    const version = sourceVersionKey(sourcePath, meta.etagSeed);
    const bodyless = request.method === 'HEAD' || request.header('if-none-match') !== undefined || request.header('if-modified-since') !== undefined;
    // Known from the metadata: refused before a byte is read.
    if (!bodyless) checkResponseSize(meta.size, config.limits.maxResponseBytes);
    let opened: OpenedOriginal | undefined = bodyless ? undefined : await openOriginal(version, resolved, read);
    try {
      const sniffed = opened?.sniffed ?? (await sniffOriginal(version, resolved, read));
      const etag = strongEtag(meta.etagSeed, 'original', ORIGINAL_ETAG_PART);
      const headers: Record<string, string> = {
        etag,
        'cache-control': successCacheControl(config.cacheControl, meta, location.cacheControl, expiresAt),
        ...(meta.lastModified && { 'last-modified': meta.lastModified.toUTCString() }),
        ...originalRepresentation(sniffed, sourcePath, config.svg),
        ...(meta.size !== undefined && { 'content-length': String(meta.size) }),
        ...this.cacheTag(sourcePath),
        ...SECURITY_HEADERS,
      };
      if (isNotModified((name) => request.header(name), etag, meta.lastModified)) {
        return { status: 304, headers: withoutContentHeaders(headers), outcome: 'not-modified' };
      }
      if (request.method === 'HEAD') return { status: 200, headers, outcome: 'head' };
      opened ??= await openOriginal(version, resolved, read);
      if (opened.sniffed.format !== sniffed.format) throw errors.fetchFailed(sourcePath, 'it changed while being read; retry');
      checkResponseSize(opened.length ?? meta.size, config.limits.maxResponseBytes);
      const served = opened;
      opened = undefined; // the response owns the body now
      return {
        status: 200,
        headers: { ...headers, ...(served.length !== undefined && { 'content-length': String(served.length) }) },
        body: served.body(),
        outcome: 'original',
      };
    } finally {
      await opened?.close();
    }
  }
}

/** What this libvips build can encode, probed once at start. */
export function probeCapabilities(): EncoderCapabilities {
  return { avif: Boolean(sharp.format.heif?.output?.buffer), webp: Boolean(sharp.format.webp?.output?.buffer) };
}

/** The version-segment pattern as a RegExp; undefined when empty (off). Throws naming a pattern that is not anchored. */
export function compileVersionPattern(pattern: string): RegExp | undefined {
  if (!pattern) return undefined;
  if (!pattern.startsWith('^/') || !pattern.endsWith('/')) {
    throw new Error(`versionPattern must start with "^/" and end with "/", got "${pattern}"`);
  }
  return new RegExp(pattern);
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname.slice(1));
  } catch {
    throw errors.malformedUrl(`invalid percent-encoding in "${pathname.slice(0, 200)}"`);
  }
}

/** An answer over `maxResponseBytes` (when set) is a 413, decided before any of it is sent. */
function checkResponseSize(bytes: number | undefined, max: number | undefined): void {
  if (max !== undefined && bytes !== undefined && bytes > max) throw errors.responseTooLarge(bytes, max);
}

/** RFC 9110 §15.4.5: a 304 carries the validators and caching headers, not the content ones. */
function withoutContentHeaders(headers: Record<string, string>): Record<string, string> {
  const { 'content-type': _type, 'content-length': _length, 'x-image-cdn-format-fallback': _fallback, ...rest } = headers;
  return rest;
}

/**
 * `onerror=redirect` sends the client to the source itself, but never where the origin would not
 * go: a source the allow-list or address guard refused (source_forbidden) is no redirect target,
 * and an overload is not the source's fault.
 */
const redirectsOnError = (error: ImageCdnError) => error.tag !== 'overloaded' && error.tag !== 'source_forbidden';

/** `source` is a mount path or an absolute URL already in its WHATWG serialisation (grammar/), so it is a valid header value. */
function redirectToSource(source: string, cacheControl: string): OriginResponse {
  const location = /^https?:\/\//i.test(source) ? source : encodeURI(`/${source}`);
  return { status: 302, headers: { location, 'cache-control': cacheControl, 'content-length': '0', ...SECURITY_HEADERS }, outcome: 'redirect' };
}

const titleCase = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());

function serverTiming(timings: Record<string, number>): string {
  return Object.entries(timings)
    .map(([name, ms]) => `${name};dur=${ms.toFixed(1)}`)
    .join(', ');
}
