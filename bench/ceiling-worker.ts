/**
 * The ceiling: raw sharp in a loop, no HTTP, sharp's defaults for everything the transform does
 * not name (quality, effort, threads). Runs in its own process so its peak RSS is its own.
 *
 * The fair ceiling adds what the origin's engine does for every source and no request can turn
 * off (origin/src/transform/engine.ts): a header read before the decode (the pixel limit, the
 * EXIF the metadata policy needs), EXIF rotation, conversion to sRGB, and the default metadata
 * policy (copyright and artist notices kept, nothing else). Still one pipeline, no HTTP.
 */
import path from 'node:path';
import sharp from 'sharp';
import { DEFAULT_LIMITS } from '../origin/src/limits.js';
import { applyMetadataPolicy } from '../origin/src/transform/steps/metadata.js';
import type { Transform } from './cases.js';
import type { CeilingCommand, RunSample, Versions } from './protocol.js';
import { encode, rawSharp, resizeOf } from './raw-sharp.js';
import { serveCommands } from './rpc.js';
import { SampleRecorder } from './sample.js';

async function fair(file: string, t: Transform): Promise<Buffer> {
  const { exif } = await sharp(file, { limitInputPixels: false }).metadata();
  const image = sharp(file, { limitInputPixels: DEFAULT_LIMITS.maxPixels, failOn: 'error', sequentialRead: true })
    .autoOrient()
    .resize(resizeOf(t))
    .toColourspace('srgb');
  return encode(applyMetadataPolicy(image, 'copyright', exif), t).toBuffer();
}

async function run(root: string, transforms: readonly Transform[], concurrency: number, steps: typeof rawSharp): Promise<RunSample> {
  const recorder = new SampleRecorder();
  let next = 0;
  const loop = async () => {
    while (next < transforms.length) {
      const t = transforms[next++]!;
      const started = performance.now();
      try {
        const data = await steps(path.join(root, t.file), t);
        recorder.success(t.image, data.length, performance.now() - started, '200');
      } catch (error) {
        recorder.failure(`${t.file}: ${String(error)}`, performance.now() - started);
      }
    }
  };
  recorder.start();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return recorder.finish();
}

serveCommands<CeilingCommand, RunSample | Versions>(async (command) => {
  if (command.type === 'versions') {
    return {
      sharp: sharp.versions.sharp,
      vips: sharp.versions.vips,
      vipsConcurrency: `${sharp.concurrency()} (sharp's default)`,
      uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? 'default (4)',
    };
  }
  return run(command.root, command.transforms, command.concurrency, command.fair ? fair : rawSharp);
});
