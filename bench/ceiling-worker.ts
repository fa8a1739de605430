/**
 * The ceiling: raw sharp in a loop, no HTTP, sharp's defaults for everything the transform does
 * not name (quality, effort, threads). Runs in its own process so its peak RSS is its own.
 */
import path from 'node:path';
import sharp from 'sharp';
import type { Transform } from './cases.js';
import type { CeilingCommand, RunSample, Versions } from './protocol.js';
import { serveCommands } from './rpc.js';
import { SampleRecorder } from './sample.js';

async function run(root: string, transforms: readonly Transform[], concurrency: number): Promise<RunSample> {
  const recorder = new SampleRecorder();
  let next = 0;
  const loop = async () => {
    while (next < transforms.length) {
      const t = transforms[next++]!;
      const started = performance.now();
      try {
        const resize = t.height === undefined ? { width: t.width, withoutEnlargement: true } : { width: t.width, height: t.height, fit: 'cover' as const };
        const data = await sharp(path.join(root, t.file)).resize(resize).toFormat(t.format).toBuffer();
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
  return run(command.root, command.transforms, command.concurrency);
});
