import type { SvgConfig } from '../config-types.js';
import type { Pipeline } from '../pipeline/types.js';
import { rememberFormat } from '../sources/sniffed-formats.js';
import type { SourceBody } from '../sources/types.js';
import { type CheckedSourceBody, checkSourceBody } from './checked-source.js';
import type { RasterCache } from './raster-cache.js';

/** Decoded sources to reuse, and this source's key there (must change when its bytes do). */
export interface DecodedSources {
  readonly cache: RasterCache;
  readonly key: string;
  /** Wraps waiting for another transform's decode of the same level (e.g. to lend the queue slot meanwhile). */
  readonly whileShared?: <T>(decoding: Promise<T>) => Promise<T>;
}

export interface SourceRequestInput {
  /** Reads the source's bytes; not called when its header and the raster needed are in `decoded`. */
  readonly open: () => Promise<SourceBody>;
  readonly decoded?: DecodedSources;
  readonly sourceName: string;
  readonly maxPixels: number;
  /** The normalised pipeline; an SVG is rendered at the size it needs (svg-render.ts). */
  readonly pipeline: Pipeline;
  readonly deadline: number;
  readonly timeoutMs: number;
  /** SVG sources; absent or disabled, they are refused (checked-source.ts). */
  readonly svg?: SvgConfig | undefined;
}

/** A transform's view of its source: bytes read at most once, and only when needed. */
export interface SourceRequest {
  readonly body: () => Promise<CheckedSourceBody>;
  readonly decoded?: DecodedSources;
  readonly sourceName: string;
  readonly maxPixels: number;
}

/**
 * Every body is sniffed (and an SVG checked and rendered) before libvips may see it; the format
 * is remembered under the decoded-source key, so the original's HEAD need not read it again.
 */
export function sourceRequest(request: SourceRequestInput): SourceRequest {
  let body: Promise<CheckedSourceBody> | undefined;
  const check = async () => {
    const checked = await checkSourceBody(await request.open(), request);
    if (request.decoded) rememberFormat(request.decoded.key, { format: checked.format });
    return checked;
  };
  return { ...request, body: () => (body ??= check()) };
}
