/**
 * Vitest global setup: builds the package once (dist/ and the container bundle, about 5 s) and packs
 * it, so the CLI tests run the built `dist/bin/image-cdn.js` that `npm pack` ships, never a stale
 * build, and the package tests install the tarball of this very source.
 */
import { buildPackage } from '../../tools/build.js';
import { packTarball } from './package-tarball.js';

export default async function setup(): Promise<void> {
  await buildPackage();
  await packTarball();
}
