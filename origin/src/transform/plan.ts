import { WHITE } from '../pipeline/colours.js';
import type { Operation, OutputFormat, Pipeline } from '../pipeline/types.js';
import { type Geometry, type GeometryLimits, planSteps } from './output-geometry.js';
import type { SourceHeader } from './raster-cache.js';
import { orientedSize } from './source-header.js';
import { chooseLevel, type SourceLevel } from './source-level.js';
import { type ChainedStep, type GeometryStep, isChainedStep, isGeometryStep, type Size } from './steps/types.js';

/**
 * One request's plan, from the pipeline and the source's header alone: the steps with every size
 * worked out, the output size, and where the pixels come from. Each resize is planned once, here.
 */
export interface TransformPlan {
  /** The source once oriented, one frame, in source pixels: what the first step's numbers refer to. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** Frames the output keeps: the source's pages when animated, else 1. */
  readonly frames: number;
  readonly animated: boolean;
  /**
   * The decoded level the pixels come from (`level.width × level.height` level pixels), or
   * undefined to decode the source itself. The steps stay planned in source pixels either way.
   */
  readonly level: SourceLevel | undefined;
  /** Trim, flip and rotate, run first and each materialised. */
  readonly geometry: readonly GeometryStep[];
  /** The size after `geometry`, by arithmetic: the size `steps` were planned from. */
  readonly afterGeometry: Size;
  readonly steps: readonly ChainedStep[];
  /**
   * `steps` planned again from the size the geometry actually left, for when it differs from
   * `afterGeometry` (a trim by border colour), with the output limits checked again.
   */
  readonly replan: (measured: Size) => readonly ChainedStep[];
  /** The output size; not `exact` when a trim by border colour makes it depend on the pixels. */
  readonly output: Geometry;
}

export interface PlanRequest {
  readonly pipeline: Pipeline;
  /** Output size and operation cost bounds (output-geometry.ts). */
  readonly outputLimits: GeometryLimits;
  /** Keep the source's frames (keepsFrames) and it has more than one. */
  readonly animated: boolean;
  /** Downscales may start from a decoded level (the `sourceLevels` setting). */
  readonly levels: boolean;
}

const ANIMATABLE: ReadonlySet<OutputFormat> = new Set(['gif', 'webp']);
const isGeometry = (op: Operation) => op.op === 'trim' || op.op === 'flip' || op.op === 'rotate';
/** Source formats decoded through a level (source-level.ts): raster formats sharp decodes to 8 bits. */
const LEVEL_FORMATS: ReadonlySet<string> = new Set(['jpeg', 'png', 'webp', 'heif', 'tiff', 'gif']);

/** Whether a transform keeps every frame of an animated source: it must ask to, write a format that animates, and not change the geometry. */
export function keepsFrames(pipeline: Pipeline, format: OutputFormat): boolean {
  return pipeline.output.animated && ANIMATABLE.has(format) && !pipeline.operations.some(isGeometry);
}

/** Plans a transform from the source's header, refusing what passes the output limits before any decode. */
export function planTransform(header: SourceHeader, request: PlanRequest): TransformPlan {
  const { pipeline, outputLimits, animated, levels } = request;
  const oriented = orientedSize(header);
  const sourceWidth = oriented.sourceWidth;
  const sourceHeight = animated ? (header.pageHeight ?? oriented.sourceHeight) : oriented.sourceHeight;
  const frames = animated ? (header.pages ?? 1) : 1;
  const fill = pipeline.output.background ?? WHITE;
  const geometryOperations = pipeline.operations.filter(isGeometry);
  const chainedOperations = pipeline.operations.filter((op) => !isGeometry(op));
  const geometry = planSteps(sourceWidth, sourceHeight, frames, geometryOperations, outputLimits, fill);
  const chained = planSteps(geometry.width, geometry.height, frames, chainedOperations, outputLimits, fill);
  const steps = chained.steps.filter(isChainedStep);
  return {
    sourceWidth,
    sourceHeight,
    frames,
    animated,
    level: animated || !levels ? undefined : levelFor(header, pipeline, { width: sourceWidth, height: sourceHeight }, steps),
    geometry: geometry.steps.filter(isGeometryStep),
    afterGeometry: { width: geometry.width, height: geometry.height },
    steps,
    replan: (measured) => planSteps(measured.width, measured.height, frames, chainedOperations, outputLimits, fill).steps.filter(isChainedStep),
    output: { width: chained.width, height: chained.height, exact: geometry.exact },
  };
}

/**
 * The level (source-level.ts) a transform starts from, or undefined to decode the source
 * directly: only a single downscale of an 8-bit still image qualifies, and not `metadata=keep`,
 * which needs the source's own ICC profile and XMP on the output. The target is the size the
 * resize scales to: an attention crop's window, which libvips scales to cover, or the scale's.
 */
function levelFor(header: SourceHeader, pipeline: Pipeline, source: Size, steps: readonly ChainedStep[]): SourceLevel | undefined {
  const ops = pipeline.operations;
  if (header.depth !== 'uchar' || !LEVEL_FORMATS.has(header.format ?? '') || pipeline.output.metadata === 'keep') return undefined;
  if (ops.some(isGeometry) || ops.filter((op) => op.op === 'resize').length !== 1) return undefined;
  const target = firstOf(steps, 'crop-attention')?.window ?? firstOf(steps, 'scale')?.to;
  return target && chooseLevel(source.width, source.height, target.width, target.height);
}

const firstOf = <K extends ChainedStep['kind']>(steps: readonly ChainedStep[], kind: K) =>
  steps.find((step): step is Extract<ChainedStep, { kind: K }> => step.kind === kind);
