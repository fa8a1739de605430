import type { Sharp } from 'sharp';
import type { OutputFormat, Pipeline } from '../pipeline/types.js';
import { type Budget, deadlineBudget } from './budget.js';
import { decodeLevel, decodeSource, decodingBudget } from './decode.js';
import type { GeometryLimits } from './output-geometry.js';
import { keepsFrames, planTransform, type TransformPlan } from './plan.js';
import type { SourceHeader } from './raster-cache.js';
import { orientedSize, sourceHeader } from './source-header.js';
import { type SourceRequest, sourceRequest, type SourceRequestInput } from './source-request.js';
import { type Animation, encode } from './steps/encode.js';
import { applyChainedStep, applyGeometryStep } from './steps/index.js';
import { applyMetadataPolicy } from './steps/metadata.js';
import type { Size } from './steps/types.js';

/**
 * A transform is a list of steps: read the source's header, plan every step from it (plan.ts),
 * decode, run the steps (steps/), encode. Nothing is decoded before the plan has passed the limits.
 */

export interface TransformInput extends SourceRequestInput {
  /** The concrete output format, already negotiated. */
  readonly format: OutputFormat;
  /** Effective quality (the request's, or its slow-connection quality). */
  readonly quality: Pipeline['output']['quality'];
  /** Output size and operation cost bounds (output-geometry.ts). */
  readonly outputLimits: GeometryLimits;
  /** Downscales may start from a decoded level (source-level.ts); the fingerprint names the choice. */
  readonly sourceLevels: boolean;
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

export async function transform(request: TransformInput): Promise<TransformOutput> {
  const { pipeline, format } = request;
  const started = performance.now();
  const source = sourceRequest(request);
  const keepFrames = keepsFrames(pipeline, format);
  const header = await sourceHeader(source, keepFrames ? 'all' : 'first');
  const headerDone = performance.now();
  const plan = planTransform(header, {
    pipeline,
    outputLimits: request.outputLimits,
    animated: keepFrames && (header.pages ?? 1) > 1,
    levels: request.sourceLevels,
  });

  const { image, budget } = await runSteps(plan, header, request, source);
  const settings = { format, quality: request.quality, output: pipeline.output, ...(plan.animated && { animation: animationOf(header, plan.frames) }) };
  const { data, info } = await encode(image, settings, budget);
  return {
    data,
    format,
    width: info.width,
    height: plan.animated && info.pageHeight ? info.pageHeight : info.height,
    timings: { header: headerDone - started, pipeline: performance.now() - headerDone },
  };
}

/** The source's frame delays (only when there is one per frame) and loop count. */
function animationOf(header: SourceHeader, frames: number): Animation {
  const delay = header.delay?.length === frames ? header.delay : undefined;
  return { ...(delay && { delay }), ...(header.loop !== undefined && { loop: header.loop }) };
}

/**
 * Cloudflare's `format=json`: output and original dimensions, without encoding an image. The
 * output size is arithmetic on the header; only a trim by border colour, whose result depends
 * on the pixels, runs the pipeline (bounded like any transform).
 */
export async function describe(request: Omit<TransformInput, 'format' | 'quality'>, fileSize: number | undefined): Promise<Describe> {
  const source = sourceRequest(request);
  const header = await sourceHeader(source, 'first');
  const { sourceWidth, sourceHeight } = orientedSize(header);
  const format = `image/${header.format === 'heif' ? 'avif' : header.format}`;
  const original = { ...(fileSize !== undefined && { file_size: fileSize }), width: sourceWidth, height: sourceHeight, format };
  const plan = planTransform(header, { pipeline: request.pipeline, outputLimits: request.outputLimits, animated: false, levels: request.sourceLevels });
  if (plan.output.exact) return { width: plan.output.width, height: plan.output.height, original };
  const { image, budget } = await runSteps(plan, header, request, source);
  const { info } = await budget.run(image.raw());
  return { width: info.width, height: info.height, original };
}

type StepsInput = Omit<TransformInput, 'format' | 'quality'>;

/**
 * Decodes the source (or takes its level) and adds every step of the plan; what is left to run
 * is the returned pipeline, with the budget its run must use.
 */
async function runSteps(plan: TransformPlan, header: SourceHeader, request: StepsInput, source: SourceRequest): Promise<{ image: Sharp; budget: Budget }> {
  const deadline = deadlineBudget(request);
  let image: Sharp;
  let budget: Budget;
  if (plan.level) {
    image = await decodeLevel(plan.level, source, deadline);
    budget = deadline;
  } else {
    image = decodeSource(await source.body(), plan.animated, request.maxPixels);
    budget = decodingBudget(deadline, request.sourceName);
  }

  let measured: Size = plan.afterGeometry;
  for (const step of plan.geometry) {
    const result = await applyGeometryStep(image, step, budget);
    image = result.image;
    measured = { width: result.width, height: result.height };
  }
  const steps = sameSize(measured, plan.afterGeometry) ? plan.steps : plan.replan(measured);
  for (const step of steps) image = await applyChainedStep(image, step, budget);
  return { image: applyMetadataPolicy(image, request.pipeline.output.metadata, header.exif), budget };
}

const sameSize = (a: Size, b: Size) => a.width === b.width && a.height === b.height;
