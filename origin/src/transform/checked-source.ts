import { open } from 'node:fs/promises';
import type { Metadata } from 'sharp';
import type { SvgConfig } from '../config-types.js';
import { errors } from '../errors.js';
import type { Pipeline } from '../pipeline/types.js';
import { bodyStart } from '../sources/file-start.js';
import { type ImageFormat, sniffImageFormat } from '../sources/image-format.js';
import type { SourceBody } from '../sources/types.js';
import { inspectSvg } from './svg-policy.js';
import { renderSvg } from './svg-render.js';

/** A source body that sniffing let through: a raster format libvips may decode, or an SVG already rendered. */
export type CheckedSourceBody = SourceBody & {
  readonly format: ImageFormat;
  /** Set when the bytes are an SVG's rendering (a PNG): the SVG's own header. */
  readonly svgHeader?: Metadata;
};

export interface SourceCheck {
  readonly sourceName: string;
  readonly maxPixels: number;
  /** `performance.now()` ms past which no rendering may run. */
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly pipeline: Pipeline;
  /** Absent or disabled: SVG sources are refused. */
  readonly svg?: SvgConfig | undefined;
}

/**
 * The gate between a source's bytes and libvips: the first bytes must be an image format the
 * origin serves (415 naming what they are otherwise, SVGZ included), and an SVG must be enabled,
 * pass svg-policy.ts and is rendered from memory (svg-render.ts), never from its path.
 */
export async function checkSourceBody(body: SourceBody, check: SourceCheck): Promise<CheckedSourceBody> {
  const sniffed = sniffImageFormat(await bodyStart(body));
  if (sniffed.format === undefined) throw errors.notAnImage(check.sourceName, sniffed.found);
  if (sniffed.format !== 'svg') return { ...body, format: sniffed.format };
  const svg = check.svg;
  if (!svg?.enabled) throw errors.svgDisabled(check.sourceName);
  const bytes = body.kind === 'bytes' ? body.bytes : await readFileUpTo(body.path, svg.maxBytes, check.sourceName);
  const { elements } = await inspectSvg(bytes, { ...svg, maxPixels: check.maxPixels }, check.sourceName);
  const rendered = await renderSvg(bytes, { ...check, elements });
  return { kind: 'bytes', bytes: rendered.raster, format: 'svg', svgHeader: rendered.header };
}

/** The whole file, refused (413) before reading when it is over `maxBytes`. */
async function readFileUpTo(path: string, maxBytes: number, sourceName: string): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size > maxBytes) throw errors.sourceTooLarge(`SVG source "${sourceName}" is ${size} bytes; the SVG limit is ${maxBytes}`);
    return await file.readFile();
  } finally {
    await file.close();
  }
}
