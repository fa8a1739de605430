/**
 * Vitest global setup of the slow project, after global-build.ts: packs the build, so the package
 * tests install the tarball of this very source. The unit project never packs.
 */
import { packTarball } from './package-tarball.js';

export default async function setup(): Promise<void> {
  await packTarball();
}
