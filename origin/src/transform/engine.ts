import sharp, { type Metadata, type Sharp } from 'sharp';
import { errors, ImageCdnError } from '../errors.js';
import { WHITE } from '../pipeline/normalise.js';
import type { Operation, OutputFormat, Pipeline, Rgba } from '../pipeline/types.js';
import type { SvgConfig } from '../config.js';
import { SHARP_FORMAT_NAMES } from '../sources/image-format.js';
import { rememberFormat } from '../sources/sniffed-formats.js';
import type { SourceBody } from '../sources/types.js';
import { type CheckedSourceBody, checkSourceBody } from './checked-source.js';
import { allowOnlyImageDecoders } from './decoders.js';
import { ENCODER_DEFAULTS, qualityFor } from './encoder-settings.js';
import { applyMetadataPolicy } from './metadata-policy.js';
import type { Raster, RasterCache, SourceHeader } from './raster-cache.js';
import { blurSigma, planGeometry, trimRect, type GeometryLimits } from './output-geometry.js';
import { planResize } from './resize-plan.js';
import { chooseLevel, type SourceLevel } from './source-level.js';

export interface TransformInput {
  /** Reads the source's bytes; not called when its header and the raster needed are in `decoded`. */
  readonly open: () => Promise<SourceBody>;
  /** Decoded sources to reuse, and this source's key there (must change when its bytes do). */
  readonly decoded?: {
    readonly cache: RasterCache;
    readonly key: string;
    /** Wraps waiting for another transform's decode of the same level (e.g. to lend the queue slot meanwhile). */
    readonly whileShared?: <T>(decoding: Promise<T>) => Promise<T>;
  };
  readonly pipeline: Pipeline;
  /** The concrete output format, already negotiated. */
  readonly format: OutputFormat;
  /** Effective quality (the request's, or its slow-connection quality). */
  readonly quality: Pipeline['output']['quality'];
  readonly maxPixels: number;
  /** Output size and operation cost bounds (output-geometry.ts). */
  readonly outputLimits: GeometryLimits;
  /** `performance.now()` ms after which no libvips work of this transform may run. */
  readonly deadline: number;
  /** The request's whole budget, for the 504 message. */
  readonly timeoutMs: number;
  /** For messages only. */
  readonly sourceName: string;
  /** SVG sources; absent or disabled, they are refused (checked-source.ts). */
  readonly svg?: SvgConfig | undefined;
}

export interface TransformOutput {
  readonly data: Buffer;
  readonly format: OutputFormat;
  readonly width: number;
  readonly height: number;
  /** Milliseconds spent reading the header (limits) and running the libvips pipeline (decode, transform, encode stream together). */
  readonly timings: { readonly header: number; readonly pipeline: number };
}

export interface Describe {
  readonly width: number;
  readonly height: number;
  readonly original: { readonly file_size?: number; readonly width: number; readonly height: number; readonly format: string };
}

const ANIMATABLE: ReadonlySet<OutputFormat> = new Set(['gif', 'webp']);
const GEOMETRY: ReadonlySet<Operation['op']> = new Set(['trim', 'flip', 'rotate']);
/** Source formats decoded through a level (source-level.ts): raster formats sharp decodes to 8 bits. */
const LEVEL_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'heif', 'tiff', 'gif']);

/** Reads the header only (no pixel decode); a rendered SVG brings its own. */
async function readHeader(body: CheckedSourceBody, sourceName: string): Promise<Metadata> {
  if (body.svgHeader) return body.svgHeader;
  let meta: Metadata;
  try {
    meta = await sharp(input(body), { limitInputPixels: false }).metadata();
  } catch {
    throw errors.unsupportedSourceFormat(sourceName);
  }
  if (!meta.width || !meta.height) throw errors.unsupportedSourceFormat(sourceName);
  // libvips chose its loader from the bytes too: it must be the one the sniffed format names.
  if (meta.format !== SHARP_FORMAT_NAMES[body.format]) throw errors.unsupportedSourceFormat(sourceName);
  return meta;
}

/** The source's header, from the decoded-source cache when it holds it, with the pixel limit enforced. */
async function sourceHeader(request: SourceRequest, frames: 'all' | 'first'): Promise<SourceHeader> {
  const read = async () => readHeader(await request.body(), request.sourceName);
  const meta = request.decoded ? await request.decoded.cache.header(request.decoded.key, read) : await read();
  enforcePixelLimit(meta, frames, request.maxPixels);
  return meta;
}

function enforcePixelLimit(meta: SourceHeader, frames: 'all' | 'first', maxPixels: number): void {
  const frameHeight = meta.pageHeight ?? meta.height;
  const frameCount = frames === 'all' ? (meta.pages ?? 1) : 1;
  const pixels = meta.width * frameHeight * frameCount;
  if (pixels > maxPixels) {
    throw errors.sourceTooLarge(
      `source is ${meta.width}×${frameHeight}${frameCount > 1 ? `×${frameCount} frames` : ''} = ${pixels} pixels; the limit is ${maxPixels}`,
    );
  }
}

/** A transform's view of its source: bytes read at most once, and only when needed. */
interface SourceRequest {
  readonly body: () => Promise<CheckedSourceBody>;
  readonly decoded?: TransformInput['decoded'];
  readonly sourceName: string;
  readonly maxPixels: number;
}

type SourceRequestInput = Pick<TransformInput, 'open' | 'decoded' | 'sourceName' | 'maxPixels' | 'pipeline' | 'deadline' | 'timeoutMs' | 'svg'>;

/**
 * Every body is sniffed (and an SVG checked and rendered) before libvips may see it; the format
 * is remembered under the decoded-source key, so the original's HEAD need not read it again.
 */
function sourceRequest(request: SourceRequestInput): SourceRequest {
  let body: Promise<CheckedSourceBody> | undefined;
  const check = async () => {
    const checked = await checkSourceBody(await request.open(), request);
    if (request.decoded) rememberFormat(request.decoded.key, { format: checked.format });
    return checked;
  };
  return { ...request, body: () => (body ??= check()) };
}

export async function transform(request: TransformInput): Promise<TransformOutput> {
  const { pipeline, format } = request;
  const started = performance.now();
  const canAnimate = pipeline.output.animated && ANIMATABLE.has(format) && !pipeline.operations.some((o) => GEOMETRY.has(o.op));
  const source = sourceRequest(request);
  const meta = await sourceHeader(source, canAnimate ? 'all' : 'first');
  const headerDone = performance.now();
  const animated = canAnimate && (meta.pages ?? 1) > 1;
  planFromHeader(request, meta, animated);

  try {
    const image = await buildPipeline(request, source, meta, animated);
    const { data, info } = await encode(image, request).toBuffer({ resolveWithObject: true });
    return {
      data,
      format,
      width: info.width,
      height: animated && info.pageHeight ? info.pageHeight : info.height,
      timings: { header: headerDone - started, pipeline: performance.now() - headerDone },
    };
  } catch (error) {
    throw asTransformError(error, request);
  }
}

/**
 * Cloudflare's `format=json`: output and original dimensions, without encoding an image. The
 * output size is arithmetic on the header; only a trim by border colour, whose result depends
 * on the pixels, runs the pipeline (bounded like any transform).
 */
export async function describe(request: Omit<TransformInput, 'format' | 'quality'>, fileSize: number | undefined): Promise<Describe> {
  const source = sourceRequest(request);
  const meta = await sourceHeader(source, 'first');
  const [width, height] = orientedSize(meta);
  const original = { ...(fileSize !== undefined && { file_size: fileSize }), width, height, format: `image/${meta.format === 'heif' ? 'avif' : meta.format}` };
  const planned = planFromHeader(request, meta, false);
  if (planned.exact) return { width: planned.width, height: planned.height, original };
  try {
    const image = await buildPipeline({ ...request, format: 'png', quality: undefined }, source, meta, false);
    const { info } = await withDeadline(image.raw(), request).toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, original };
  } catch (error) {
    throw asTransformError(error, request);
  }
}

/** The output geometry from the header alone, refusing what passes the output limits before any decode. */
function planFromHeader(request: Pick<TransformInput, 'pipeline' | 'outputLimits'>, meta: SourceHeader, animated: boolean) {
  const [width, height] = orientedSize(meta);
  const frames = animated ? (meta.pages ?? 1) : 1;
  return planGeometry(width, animated ? (meta.pageHeight ?? height) : height, frames, request.pipeline.operations, request.outputLimits);
}

async function buildPipeline(request: TransformInput, source: SourceRequest, meta: SourceHeader, animated: boolean): Promise<Sharp> {
  let [width, height] = orientedSize(meta);
  if (animated) height = meta.pageHeight ?? height;
  // Operations keep working in the source's coordinates: a level only changes the pixels they start from.
  const level = animated ? undefined : levelFor(request, meta, width, height);
  let image = level
    ? fromRaw(await levelRaster(request, source, level))
    : sharp(input(await source.body()), decodeOptions(request, animated)).autoOrient();

  const ops = request.pipeline.operations;
  let extended = false;
  // Trim, flip and rotate change the geometry the later operations refer to; apply them on
  // the decoded image first (rare requests, so the lost shrink-on-load is an accepted cost).
  const geometry = ops.filter((o) => GEOMETRY.has(o.op));
  for (const op of geometry) {
    ({ image, width, height } = await applyGeometry(image, op, width, height, request));
  }
  // A trim by border colour makes a size the header could not predict: check the rest again from it.
  if (geometry.some((o) => o.op === 'trim' && o.trim.mode === 'border')) {
    planGeometry(width, height, 1, ops.filter((o) => !GEOMETRY.has(o.op)), request.outputLimits);
  }

  for (const op of ops) {
    switch (op.op) {
      case 'resize': {
        const plan = planResize(width, height, op);
        if (plan.crop && 'attention' in plan.crop) {
          // libvips scales to cover the window (the plan's own scale) and picks the window itself.
          image = image.resize(plan.crop.width, plan.crop.height, { fit: 'cover', position: sharp.strategy.attention });
          ({ width, height } = plan.crop);
          extended = true;
        } else {
          if (plan.scaleTo) {
            image = image.resize(plan.scaleTo.width, plan.scaleTo.height, { fit: 'fill' });
            ({ width, height } = plan.scaleTo);
          }
          if (plan.crop) {
            image = image.extract(plan.crop);
            ({ width, height } = plan.crop);
            extended = true;
          }
        }
        if (plan.pad) {
          const background = toSharpColour(request.pipeline.output.background ?? WHITE);
          const left = Math.floor((plan.pad.width - width) / 2);
          const top = Math.floor((plan.pad.height - height) / 2);
          image = image.extend({ left, top, right: plan.pad.width - width - left, bottom: plan.pad.height - height - top, background });
          ({ width, height } = plan.pad);
          extended = true;
        }
        break;
      }
      case 'adjust':
        if (op.brightness !== 1 || op.saturation !== 1) image = image.modulate({ brightness: op.brightness, saturation: op.saturation });
        if (op.contrast !== 1) image = image.linear(op.contrast, 128 * (1 - op.contrast));
        if (op.gamma !== 1) image = await applyGamma(image, op.gamma, request);
        break;
      case 'blur':
        image = image.blur(blurSigma(op.radius));
        break;
      case 'sharpen':
        image = image.sharpen({ sigma: 0.5 + op.amount / 2 });
        break;
      case 'border':
        // sharp keeps one extend per pipeline and runs it before a post-resize crop; a padded or
        // cropped image must be materialised first so the border goes around the final frame.
        if (extended) image = await rebase(image, request);
        image = image.extend({ ...op.edges, background: toSharpColour(op.color) });
        break;
      default:
        break; // geometry was applied above
    }
  }
  return applyMetadataPolicy(image, request.pipeline.output.metadata, meta.exif);
}

/**
 * The level (source-level.ts) this transform starts from, or undefined to decode the source
 * directly: only a single downscale of an 8-bit still image qualifies, and not `metadata=keep`,
 * which needs the source's own ICC profile and XMP on the output.
 */
function levelFor(request: TransformInput, meta: SourceHeader, width: number, height: number): SourceLevel | undefined {
  const ops = request.pipeline.operations;
  if (meta.depth !== 'uchar' || !LEVEL_FORMATS.has(meta.format ?? '') || request.pipeline.output.metadata === 'keep') return undefined;
  if (ops.some((o) => GEOMETRY.has(o.op))) return undefined;
  const resizes = ops.filter((o) => o.op === 'resize');
  if (resizes.length !== 1) return undefined;
  const plan = planResize(width, height, resizes[0]!);
  // An attention crop scales to cover its window, like a fill to the window's size would.
  const target = plan.crop && 'attention' in plan.crop ? plan.crop : plan.scaleTo;
  return target && chooseLevel(width, height, target.width, target.height);
}

/** The level's pixels: oriented, sRGB, 8-bit; decoded once per source and level while the cache keeps them. */
function levelRaster(request: TransformInput, source: SourceRequest, level: SourceLevel): Promise<Raster> {
  const decode = async (): Promise<Raster> =>
    toRaster(
      sharp(input(await source.body()), decodeOptions(request, false))
        .autoOrient()
        .resize(level.width, level.height, { fit: 'fill' })
        .toColourspace('srgb'),
      request,
    );
  const { decoded } = request;
  return decoded ? decoded.cache.get(`${decoded.key}|level:${level.factor}`, decode, decoded.whileShared) : decode();
}

const decodeOptions = (request: TransformInput, animated: boolean) => ({
  animated,
  limitInputPixels: request.maxPixels,
  sequentialRead: true,
  failOn: 'error' as const,
});

/**
 * Gives a pipeline what is left of the request's deadline: libvips stops it at the next tile
 * past that (sharp counts whole seconds, so it may overrun by under one), and a step that would
 * start after the deadline is not started at all.
 */
function withDeadline(image: Sharp, request: Pick<TransformInput, 'deadline' | 'timeoutMs'>): Sharp {
  const left = request.deadline - performance.now();
  if (left <= 0) throw errors.timeout(request.timeoutMs);
  return image.timeout({ seconds: Math.ceil(left / 1000) });
}

function encode(image: Sharp, request: TransformInput): Sharp {
  const { output } = request.pipeline;
  const fast = output.compression === 'fast';
  const quality = qualityFor(request.format, request.quality);
  // Formats without alpha get the background under any transparency.
  if (request.format === 'jpeg' || request.format === 'baseline-jpeg') {
    image = image.flatten({ background: toSharpColour(output.background ?? WHITE) });
  }
  image = withDeadline(image.toColourspace('srgb'), request);
  switch (request.format) {
    case 'jpeg':
    case 'baseline-jpeg': {
      const settings = ENCODER_DEFAULTS[request.format];
      return image.jpeg({ quality, progressive: settings.progressive, mozjpeg: settings.mozjpeg, chromaSubsampling: settings.chromaSubsampling });
    }
    case 'webp':
      return image.webp({ quality, effort: fast ? ENCODER_DEFAULTS.webp.fastEffort : ENCODER_DEFAULTS.webp.effort });
    case 'avif':
      return image.avif({
        quality,
        effort: fast ? ENCODER_DEFAULTS.avif.fastEffort : ENCODER_DEFAULTS.avif.effort,
        chromaSubsampling: ENCODER_DEFAULTS.avif.chromaSubsampling,
      });
    case 'png':
      return image.png({
        compressionLevel: fast ? ENCODER_DEFAULTS.png.fastCompressionLevel : ENCODER_DEFAULTS.png.compressionLevel,
        palette: ENCODER_DEFAULTS.png.palette,
      });
    case 'gif':
      return image.gif({ effort: fast ? ENCODER_DEFAULTS.gif.fastEffort : ENCODER_DEFAULTS.gif.effort });
  }
}

async function applyGeometry(image: Sharp, op: Operation, width: number, height: number, budget: Budget): Promise<{ image: Sharp; width: number; height: number }> {
  let next: Sharp;
  switch (op.op) {
    case 'trim':
      if (op.trim.mode === 'border') return trimBorder(image, op.trim, budget);
      next = image.extract(trimRect(op.trim, width, height));
      break;
    case 'flip':
      next = op.horizontal ? image.flop() : image;
      break;
    case 'rotate':
      next = image.rotate(op.angle);
      break;
    default:
      return { image, width, height };
  }
  return materialise(next, budget);
}

/** What every materialising step needs to stay inside the request's deadline. */
type Budget = Pick<TransformInput, 'deadline' | 'timeoutMs'>;

/**
 * Trims a uniform border; `keep` puts back that many pixels of the border colour (the given
 * colour, or the top-left pixel, which is what libvips trims against by default).
 */
async function trimBorder(image: Sharp, trim: Extract<Operation, { op: 'trim' }>['trim'] & { mode: 'border' }, budget: Budget) {
  const source = await rebase(image, budget);
  const trimmed = await materialise(
    source.clone().trim({
      ...(trim.color && { background: toSharpColour(trim.color) }),
      ...(trim.tolerance !== undefined && { threshold: trim.tolerance }),
    }),
    budget,
  );
  if (!trim.keep) return trimmed;
  const background = trim.color ? toSharpColour(trim.color) : await topLeftPixel(source, budget);
  return materialise(trimmed.image.extend({ top: trim.keep, right: trim.keep, bottom: trim.keep, left: trim.keep, background }), budget);
}

async function topLeftPixel(image: Sharp, budget: Budget) {
  const { data, info } = await withDeadline(image.clone().extract({ left: 0, top: 0, width: 1, height: 1 }).raw(), budget).toBuffer({ resolveWithObject: true });
  const alpha = info.channels === 4 || info.channels === 2 ? data[info.channels - 1]! / 255 : 1;
  const grey = info.channels <= 2;
  return { r: data[0]!, g: grey ? data[0]! : data[1]!, b: grey ? data[0]! : data[2]!, alpha };
}

/** Runs the pipeline so far into raw pixels and starts a new one on them, so later steps see its result. */
async function materialise(image: Sharp, budget: Budget): Promise<{ image: Sharp; width: number; height: number }> {
  const raster = await toRaster(image, budget);
  return { image: fromRaw(raster), width: raster.width, height: raster.height };
}

/** Runs the pipeline into raw pixels, within the deadline. */
async function toRaster(image: Sharp, budget: Budget): Promise<Raster> {
  const { data, info } = await withDeadline(image.raw(), budget).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** Materialises the pipeline so far, so that the next resize is a separate libvips step. */
async function rebase(image: Sharp, budget: Budget): Promise<Sharp> {
  return (await materialise(image, budget)).image;
}

const fromRaw = (raster: Raster) => sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: raster.channels } });

/** sharp takes each of its two gamma exponents from 1 to 3. */
const SHARP_GAMMA_RANGE = 3;

/**
 * out = 255·(in/255)^(1/γ): γ>1 lightens, γ<1 darkens; alpha is left alone. libvips does the
 * per-pixel work (off the event loop, under the deadline). One sharp pipeline raises to
 * gamma / gammaOut, each from 1 to 3, so an exponent within [1/3, 3] takes one step and a
 * stronger one a step per factor of 3. Each step is materialised, so the adjustment lands
 * exactly where it stands in the pipeline whatever order sharp applies its own stages in.
 */
async function applyGamma(image: Sharp, gamma: number, budget: Budget): Promise<Sharp> {
  let exponent = 1 / gamma;
  let current = await rebase(image, budget);
  do {
    const step = Math.min(Math.max(exponent, 1 / SHARP_GAMMA_RANGE), SHARP_GAMMA_RANGE);
    // gamma(g, gOut) raises to g before sharp's resize stage and to 1/gOut after it; there is no resize here.
    current = await rebase(current.gamma(Math.max(step, 1), Math.max(1 / step, 1)), budget);
    exponent /= step;
  } while (Math.abs(exponent - 1) > 1e-9);
  return current;
}

function orientedSize(meta: SourceHeader): [number, number] {
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  return (meta.orientation ?? 1) >= 5 ? [height, width] : [width, height];
}

/** What sharp reads, once only the loaders of the formats the origin serves are left (decoders.ts). */
function input(body: CheckedSourceBody): string | Buffer {
  allowOnlyImageDecoders();
  // From a path, librsvg would resolve the SVG's relative references next to the file.
  if (body.kind === 'file' && body.format === 'svg') throw new Error('an SVG source must be rendered from memory');
  return body.kind === 'file' ? body.path : body.bytes;
}
const toSharpColour = (c: Rgba) => ({ r: c.r, g: c.g, b: c.b, alpha: c.alpha });

function asTransformError(error: unknown, request: { sourceName: string; timeoutMs: number }): ImageCdnError {
  if (error instanceof ImageCdnError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/timeout|killed/i.test(message)) return errors.timeout(request.timeoutMs);
  if (/input file is missing/i.test(message)) return errors.sourceNotFound(request.sourceName);
  if (/pixel limit/i.test(message)) return errors.sourceTooLarge(`source exceeds the pixel limit`);
  if (/unsupported image format|corrupt|premature end|bad|invalid|VipsJpeg|vipspng|gifload|webpload|heifload/i.test(message)) {
    return errors.unsupportedSourceFormat(request.sourceName);
  }
  throw error;
}
