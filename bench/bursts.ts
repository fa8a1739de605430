/**
 * A new upload's first page views: the renditions a responsive page asks for (srcset widths in
 * WebP and JPEG) of a source nobody has asked for before. Every round copies the images under new
 * names, so nothing the origin keeps from earlier rounds or cases applies: each source is decoded
 * at least once per round, by every contender. AVIF is left out so that the origin's cheaper AVIF
 * encoder settings do not mix into what this case shows: decoding once per source, not per URL.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Transform, TransformCase } from './cases.js';
import type { BenchOptions } from './options.js';
import { type Contenders, type Measurement, measureInterleaved, type TransformContender } from './suite.js';

export const BURST_WIDTHS = [320, 640, 960, 1280, 1920] as const;
export const BURST_FORMATS = ['webp', 'jpeg'] as const;
export const BURST_CONCURRENCY = 2 * os.availableParallelism();

export const BURST_CASE: TransformCase = {
  id: 'burst',
  label: `new upload: widths ${BURST_WIDTHS.join('/')} × WebP, JPEG`,
  format: 'jpeg',
  cover: false,
  auto: false,
};

/** A scratch copy of the images that every contender serves, so rounds can add new uploads beside them. */
export function servedRoot(options: BenchOptions): { root: string; remove(): void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'image-cdn-bench-'));
  for (const file of options.images) copyFileSync(path.join(options.root, file), path.join(root, file));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export async function runBursts(options: BenchOptions, all: Contenders, log: (line: string) => void): Promise<Measurement<TransformContender>[]> {
  const roundTransforms = (round: number): Transform[] => {
    const transforms: Transform[] = [];
    options.images.forEach((file, image) => {
      const upload = `upload-${round}-${file}`;
      copyFileSync(path.join(options.root, file), path.join(options.root, upload));
      for (const width of BURST_WIDTHS) for (const format of BURST_FORMATS) transforms.push({ image, file: upload, width, format });
    });
    return transforms;
  };
  const results = await measureInterleaved(BURST_CASE, BURST_CONCURRENCY, roundTransforms, options, all, log);
  for (const file of readdirSync(options.root)) if (file.startsWith('upload-')) rmSync(path.join(options.root, file));
  return results;
}
