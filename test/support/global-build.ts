/**
 * Vitest global setup: builds the package once (dist/ and the container bundle, about 5 s) so the
 * CLI tests run the built `dist/bin/image-cdn.js` that `npm pack` ships, never a stale build.
 */
import { buildPackage } from '../../tools/build.js';

export default async function setup(): Promise<void> {
  await buildPackage();
}
