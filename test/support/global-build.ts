/**
 * Vitest global setup of both projects: builds the package (dist/ and the container and Lambda
 * bundles) so the CLI tests run the built `dist/bin/image-cdn.js` that `npm pack` ships, never a
 * stale build.
 *
 * Each project loads its global setup files on its own, so a run of both would build twice; the
 * build is shared through the process instead.
 */
import { buildPackage } from '../../tools/build.js';

const run = globalThis as { imageCdnBuild?: Promise<void> };

export default async function setup(): Promise<void> {
  run.imageCdnBuild ??= buildPackage();
  await run.imageCdnBuild;
}
