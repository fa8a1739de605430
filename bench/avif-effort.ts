/**
 * `npm run bench -- --avif-effort`: AVIF encode time, size and fidelity per effort level on the
 * corpus, at the origin's default quality, to choose ENCODER_DEFAULTS.avif.effort. Each image
 * is resized once to 600 px wide; only the encode is timed, with one libvips thread (what
 * each transform gets when the queue is full).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ENCODER_DEFAULTS } from '../origin/src/transform/encoder-settings.js';
import type { BenchOptions } from './options.js';
import { percentile } from './stats.js';

const EFFORTS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const WIDTH = 600;

interface Reference {
  readonly file: string;
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

interface EffortRow {
  readonly effort: number;
  /** Sum over the images of each image's median encode time. */
  readonly encodeMs: number;
  readonly bytes: number;
  readonly psnr: number;
  readonly ssim: number;
}

export async function runAvifEffortTable(options: BenchOptions, log: (line: string) => void, outDir: string): Promise<void> {
  sharp.concurrency(1);
  sharp.cache(false);
  const repetitions = options.quick ? 1 : 3;
  const quality = ENCODER_DEFAULTS.avif.quality;
  const references: Reference[] = [];
  for (const file of options.images) {
    const { data, info } = await sharp(path.join(options.root, file)).resize({ width: WIDTH }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    references.push({ file, data, width: info.width, height: info.height });
  }
  const rows: EffortRow[] = [];
  for (const effort of EFFORTS) {
    let encodeMs = 0;
    let bytes = 0;
    let psnrSum = 0;
    let ssimSum = 0;
    for (const ref of references) {
      const times: number[] = [];
      let encoded: Buffer | undefined;
      for (let r = 0; r < repetitions; r++) {
        const started = performance.now();
        encoded = await sharp(ref.data, { raw: { width: ref.width, height: ref.height, channels: 3 } })
          .avif({ quality, effort, chromaSubsampling: ENCODER_DEFAULTS.avif.chromaSubsampling })
          .toBuffer();
        times.push(performance.now() - started);
      }
      encodeMs += percentile(times.sort((a, b) => a - b), 50);
      bytes += encoded!.length;
      const decoded = await sharp(encoded!).removeAlpha().raw().toBuffer();
      psnrSum += psnr(ref.data, decoded);
      ssimSum += blockSsim(luma(ref.data), luma(decoded), ref.width, ref.height);
    }
    const row = { effort, encodeMs, bytes, psnr: psnrSum / references.length, ssim: ssimSum / references.length };
    rows.push(row);
    log(`AVIF effort ${effort}: ${encodeMs.toFixed(0)} ms, ${bytes} bytes, PSNR ${row.psnr.toFixed(2)} dB, SSIM ${row.ssim.toFixed(4)}`);
  }
  const baseline = rows.find((r) => r.effort === 4)!;
  const report = [
    `AVIF at quality ${quality}, chroma ${ENCODER_DEFAULTS.avif.chromaSubsampling}, ${WIDTH} px wide, one libvips thread, ` +
      `${references.length} images (${options.images.join(', ')}), median of ${repetitions}; sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, aom ${sharp.versions.aom ?? '?'}.`,
    '',
    '| effort | encode ms (all images) | time vs effort 4 | bytes (all images) | bytes vs effort 4 | PSNR dB | SSIM (luma, 8×8) |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) =>
      `| ${r.effort}${r.effort === ENCODER_DEFAULTS.avif.effort ? ' (default)' : ''} | ${r.encodeMs.toFixed(0)} | ${(r.encodeMs / baseline.encodeMs).toFixed(2)}× | ${r.bytes} | ${(r.bytes / baseline.bytes).toFixed(3)}× | ${r.psnr.toFixed(2)} | ${r.ssim.toFixed(4)} |`,
    ),
  ].join('\n');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'avif-effort.md'), `${report}\n`);
  process.stdout.write(`${report}\n`);
}

/** PSNR over all RGB samples. */
function psnr(a: Buffer, b: Buffer): number {
  let squared = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    squared += d * d;
  }
  const mse = squared / a.length;
  return mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse);
}

/** BT.601 luma of packed RGB. */
function luma(rgb: Buffer): Float64Array {
  const y = new Float64Array(rgb.length / 3);
  for (let i = 0; i < y.length; i++) y[i] = 0.299 * rgb[3 * i]! + 0.587 * rgb[3 * i + 1]! + 0.114 * rgb[3 * i + 2]!;
  return y;
}

/** Mean SSIM over non-overlapping 8×8 luma blocks: a cheap structural check, not a perceptual metric. */
function blockSsim(a: Float64Array, b: Float64Array, width: number, height: number): number {
  const c1 = (0.01 * 255) ** 2;
  const c2 = (0.03 * 255) ** 2;
  let total = 0;
  let blocks = 0;
  for (let by = 0; by + 8 <= height; by += 8) {
    for (let bx = 0; bx + 8 <= width; bx += 8) {
      let sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let y = by; y < by + 8; y++) {
        for (let x = bx; x < bx + 8; x++) {
          const va = a[y * width + x]!;
          const vb = b[y * width + x]!;
          sa += va; sb += vb; saa += va * va; sbb += vb * vb; sab += va * vb;
        }
      }
      const n = 64;
      const ma = sa / n, mb = sb / n;
      const va = saa / n - ma * ma, vb = sbb / n - mb * mb, cov = sab / n - ma * mb;
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      blocks++;
    }
  }
  return total / blocks;
}
