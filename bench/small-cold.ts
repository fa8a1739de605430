/**
 * The common web case the 600-px cases miss: a source of a few hundred KB (the smallest image,
 * fossa 4096×2304, 300 KB, with the corpus) resized to a few hundred pixels, every request naming
 * a source nobody has asked for before (a copy under a new name for every request of every
 * contender), so nothing a contender kept from an earlier request applies: the origin's
 * decoded-source level is made, used once and never reused.
 *
 * Against raw sharp (ceiling), the fair ceiling (raw sharp plus what the origin's engine must do
 * for every source: ceiling-worker.ts), ipx, and bare HTTP (node:http around the ceiling's own
 * sharp call: servers/bare-server.ts), the floor any HTTP origin pays. The URL fixes the encoder
 * (quality 80, baseline JPEG: sharp's default), so the origin, both ceilings and bare HTTP encode
 * alike; ipx encodes progressive JPEG, its default, which a URL cannot turn off.
 */
import { copyFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { encodePath, SMALL_COLD_CASE, SMALL_COLD_QUALITY, type Transform, type TransformCase } from './cases.js';
import type { BenchOptions } from './options.js';
import { type CasePaths, type Contenders, type Measurement, measureInterleaved, type SliceSource, type TransformContender } from './suite.js';

export const SMALL_COLD_WIDTHS = { from: 400, count: 50 } as const;
export const SMALL_COLD_CONTENDERS: readonly TransformContender[] = ['ceiling', 'fair ceiling', 'origin', 'origin, no levels', 'ipx', 'bare HTTP'];
/** The origin's two configurations, each a row of the ratios table. */
export const SMALL_COLD_ORIGINS: readonly TransformContender[] = ['origin', 'origin, no levels'];
export const SMALL_COLD_CONCURRENCIES = [1, 2] as const;
/** Requests per slice at concurrency 1 (that times the concurrency above): slices of ≈ 0.5 s. */
export const SMALL_COLD_SLICE = 32;

export const SMALL_COLD_PATHS: Required<CasePaths> = {
  origin: (_: TransformCase, t: Transform) => `/cdn-cgi/image/width=${t.width},quality=${t.quality},format=baseline-jpeg/${encodePath(t.file)}`,
  ipx: (_: TransformCase, t: Transform) => `/w_${t.width}&q_${t.quality}&f_jpeg/${encodePath(t.file)}`,
  bare: (_: TransformCase, t: Transform) => `/${t.width}/${encodePath(t.file)}`,
};

/** The smallest of the images by bytes: the "few hundred KB" source. */
export function smallSource(options: Pick<BenchOptions, 'images' | 'root'>): string {
  return [...options.images].sort((a, b) => statSync(path.join(options.root, a)).size - statSync(path.join(options.root, b)).size)[0]!;
}

export async function runSmallCold(options: BenchOptions, all: Contenders, log: (line: string) => void): Promise<Measurement<TransformContender>[]> {
  const source = smallSource(options);
  const widths = `${SMALL_COLD_WIDTHS.from}–${SMALL_COLD_WIDTHS.from + SMALL_COLD_WIDTHS.count - 1}`;
  const testCase = { ...SMALL_COLD_CASE, label: `small source, cold: ${source} → width ${widths}, q${SMALL_COLD_QUALITY} baseline JPEG` };
  const setup = { contenders: SMALL_COLD_CONTENDERS, paths: SMALL_COLD_PATHS };
  // Unmeasured: JIT and first-use costs of the fair ceiling's path, the bare server and these URLs.
  const warm = await measureInterleaved(testCase, 1, coldSlices(options, source, 2), options, all, () => {}, { ...setup, rounds: 1 });
  const failed = warm.filter((m) => m.summary.failed > 0);
  if (failed.length) throw new Error(`warm-up of ${testCase.label}: ${failed.map((m) => `${m.contender}: ${m.summary.failures.join('; ')}`).join(' | ')}`);
  log(`warmed up: ${testCase.label}`);
  const results: Measurement<TransformContender>[] = [];
  for (const concurrency of SMALL_COLD_CONCURRENCIES) {
    // Cheap slices, so twice the rounds of the other cases: a steadier median of per-slice ratios.
    const slices = coldSlices(options, source, SMALL_COLD_SLICE * concurrency);
    results.push(...(await measureInterleaved(testCase, concurrency, slices, options, all, log, { ...setup, rounds: options.rounds * 2 })));
  }
  return results;
}

let batches = 0;

/**
 * Each contender's slice asks for its own copies of `source`, made before the slice starts and
 * removed after it. Names are never reused within a run: the origin's file source reuses a
 * path's stat for up to a second, so a name copied again would still look like the old file.
 */
export function coldSlices(options: Pick<BenchOptions, 'root'>, source: string, count: number): SliceSource {
  const batch = batches++;
  const copied = new Map<string, string[]>();
  const tag = (round: number, contender: string) => `${batch}-${round}-${contender.replace(/\W+/g, '-')}`;
  return {
    requests: (round, contender) => {
      const transforms = Array.from({ length: count }, (_, i): Transform => {
        const file = `cold-${tag(round, contender)}-${i}-${source}`;
        copyFileSync(path.join(options.root, source), path.join(options.root, file));
        return { image: 0, file, width: SMALL_COLD_WIDTHS.from + (i % SMALL_COLD_WIDTHS.count), format: 'jpeg', quality: SMALL_COLD_QUALITY };
      });
      copied.set(
        tag(round, contender),
        transforms.map((t) => t.file),
      );
      return transforms;
    },
    release: (round, contender) => {
      for (const file of copied.get(tag(round, contender)) ?? []) rmSync(path.join(options.root, file), { force: true });
      copied.delete(tag(round, contender));
    },
  };
}
