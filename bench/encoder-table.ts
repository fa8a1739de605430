/**
 * `npm run bench -- --encoders`: encode time, size and fidelity per encoder setting on the
 * corpus, to choose ENCODER_DEFAULTS (AVIF effort above all). Each image is decoded and resized
 * once to 600 px wide; only the encode is timed, with one libvips thread (what each transform
 * gets when the queue is full). The decode + resize time is printed for scale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { ENCODER_DEFAULTS } from '../origin/src/transform/encoder-settings.js';
import type { BenchOptions } from './options.js';
import { percentile } from './stats.js';

const WIDTH = 600;

interface Reference {
  readonly file: string;
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

interface Variant {
  readonly label: string;
  /** The origin's current default in its family. */
  readonly isDefault: boolean;
  readonly encode: (image: Sharp) => Sharp;
}

interface Row {
  readonly variant: Variant;
  /** Median over repetitions of the time to encode all images. */
  readonly encodeMs: number;
  readonly bytes: number;
  readonly psnr: number;
  readonly ssim: number;
}

const { jpeg, webp, avif } = ENCODER_DEFAULTS;

const FAMILIES: Record<string, Variant[]> = {
  JPEG: [
    { label: 'q80 baseline (sharp default)', isDefault: false, encode: (i) => i.jpeg({ quality: 80 }) },
    { label: 'q80 progressive', isDefault: false, encode: (i) => i.jpeg({ quality: 80, progressive: true }) },
    { label: `q${jpeg.quality} baseline`, isDefault: false, encode: (i) => i.jpeg({ quality: jpeg.quality }) },
    { label: `q${jpeg.quality} progressive`, isDefault: true, encode: (i) => i.jpeg({ quality: jpeg.quality, progressive: true }) },
    { label: `q${jpeg.quality} progressive mozjpeg`, isDefault: false, encode: (i) => i.jpeg({ quality: jpeg.quality, mozjpeg: true }) },
  ],
  WebP: [0, 1, 2, 3, 4, 5, 6].map((effort) => ({
    label: `q${webp.quality} effort ${effort}`,
    isDefault: effort === webp.effort,
    encode: (i: Sharp) => i.webp({ quality: webp.quality, effort }),
  })),
  AVIF: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((effort) => ({
    label: `q${avif.quality} effort ${effort}${effort === 4 ? ' (sharp default)' : ''}`,
    isDefault: effort === avif.effort,
    encode: (i: Sharp) => i.avif({ quality: avif.quality, effort, chromaSubsampling: avif.chromaSubsampling }),
  })),
};

/** Repetitions per family: cheap encoders need more to rise above the noise of a shared machine. */
const REPETITIONS: Record<string, { full: number; quick: number }> = { JPEG: { full: 9, quick: 3 }, WebP: { full: 7, quick: 3 }, AVIF: { full: 3, quick: 1 } };

export async function runEncoderTable(options: BenchOptions, log: (line: string) => void, outDir: string): Promise<void> {
  sharp.concurrency(1);
  sharp.cache(false);
  const references: Reference[] = [];
  const decodeTimes: number[] = [];
  for (let r = 0; r < 3; r++) {
    const started = performance.now();
    for (const file of options.images) {
      const { data, info } = await sharp(path.join(options.root, file)).resize({ width: WIDTH }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      if (r === 0) references.push({ file, data, width: info.width, height: info.height });
    }
    decodeTimes.push(performance.now() - started);
  }
  const decodeMs = percentile(
    decodeTimes.sort((a, b) => a - b),
    50,
  );
  const sections = [
    `Encoders at ${WIDTH} px wide, one libvips thread, ${references.length} images (${options.images.join(', ')}); ` +
      `sharp ${sharp.versions.sharp}, libvips ${sharp.versions.vips}, aom ${sharp.versions.aom ?? '?'}, webp ${sharp.versions.webp ?? '?'}. ` +
      `Time is the median over repetitions of encoding all images, with the settings of a family interleaved in every repetition. ` +
      `For scale: decoding and resizing the same images takes ${decodeMs.toFixed(0)} ms. PSNR and SSIM (8×8 luma blocks) against the resized image.`,
  ];
  for (const [family, variants] of Object.entries(FAMILIES)) {
    const repetitions = options.quick ? REPETITIONS[family]!.quick : REPETITIONS[family]!.full;
    const times = variants.map(() => [] as number[]);
    for (let r = 0; r < repetitions; r++) {
      // Rotate the order so that drift in background load does not favour one setting.
      for (let turn = 0; turn < variants.length; turn++) {
        const index = (turn + r) % variants.length;
        times[index]!.push(await encodeAll(variants[index]!, references));
      }
    }
    const rows: Row[] = [];
    for (const [index, variant] of variants.entries()) {
      const row = {
        variant,
        encodeMs: percentile(
          times[index]!.sort((a, b) => a - b),
          50,
        ),
        ...(await fidelity(variant, references)),
      };
      rows.push(row);
      log(`${family} ${variant.label}: ${row.encodeMs.toFixed(0)} ms, ${row.bytes} bytes, PSNR ${row.psnr.toFixed(2)} dB, SSIM ${row.ssim.toFixed(4)}`);
    }
    const base = rows.find((r) => r.variant.isDefault)!;
    sections.push(
      [
        `### ${family} (median of ${repetitions})`,
        '',
        `| setting | encode ms (all images) | time vs origin default | bytes (all images) | bytes vs origin default | PSNR dB | SSIM |`,
        '|---|---|---|---|---|---|---|',
        ...rows.map(
          (r) =>
            `| ${r.variant.label}${r.variant.isDefault ? ' **(origin default)**' : ''} | ${r.encodeMs.toFixed(0)} | ${(r.encodeMs / base.encodeMs).toFixed(2)}× | ${r.bytes} | ${(r.bytes / base.bytes).toFixed(3)}× | ${r.psnr.toFixed(2)} | ${r.ssim.toFixed(4)} |`,
        ),
      ].join('\n'),
    );
  }
  const report = `${sections.join('\n\n')}\n`;
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'encoders.md'), report);
  process.stdout.write(report);
}

const fromRaw = (ref: Reference) => sharp(ref.data, { raw: { width: ref.width, height: ref.height, channels: 3 } });

/** Wall-clock ms to encode every reference image once. */
async function encodeAll(variant: Variant, references: readonly Reference[]): Promise<number> {
  let total = 0;
  for (const ref of references) {
    const started = performance.now();
    await variant.encode(fromRaw(ref)).toBuffer();
    total += performance.now() - started;
  }
  return total;
}

/** Output size and fidelity: deterministic, so measured once. */
async function fidelity(variant: Variant, references: readonly Reference[]): Promise<{ bytes: number; psnr: number; ssim: number }> {
  let bytes = 0;
  let psnrSum = 0;
  let ssimSum = 0;
  for (const ref of references) {
    const encoded = await variant.encode(fromRaw(ref)).toBuffer();
    bytes += encoded.length;
    const decoded = await sharp(encoded).removeAlpha().raw().toBuffer();
    psnrSum += psnr(ref.data, decoded);
    ssimSum += blockSsim(luma(ref.data), luma(decoded), ref.width, ref.height);
  }
  return { bytes, psnr: psnrSum / references.length, ssim: ssimSum / references.length };
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
      let sa = 0,
        sb = 0,
        saa = 0,
        sbb = 0,
        sab = 0;
      for (let y = by; y < by + 8; y++) {
        for (let x = bx; x < bx + 8; x++) {
          const va = a[y * width + x]!;
          const vb = b[y * width + x]!;
          sa += va;
          sb += vb;
          saa += va * va;
          sbb += vb * vb;
          sab += va * vb;
        }
      }
      const n = 64;
      const ma = sa / n,
        mb = sb / n;
      const va = saa / n - ma * ma,
        vb = sbb / n - mb * mb,
        cov = sab / n - ma * mb;
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      blocks++;
    }
  }
  return total / blocks;
}
