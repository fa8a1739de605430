/**
 * The package as `npm pack` makes it: packed once per test run (by the global setup, after the
 * build), then installed by the package tests into apps of their own.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

export const REPOSITORY = path.resolve(import.meta.dirname, '../..');
/**
 * Kept between runs so consumer installs can be reused; one per clone. Outside the repository,
 * and outside any node_modules, because Jest in a consumer app ignores tests under node_modules.
 */
export const PACKAGE_CACHE = path.join(tmpdir(), `image-cdn-package-${createHash('sha256').update(REPOSITORY).digest('hex').slice(0, 12)}`);
export const TARBALL = path.join(PACKAGE_CACHE, 'image-cdn.tgz');

/** `npm pack` of the current build (scripts off: the global setup has just run the build that prepack would). */
export async function packTarball(): Promise<string> {
  await mkdir(PACKAGE_CACHE, { recursive: true });
  const { stdout } = await promisify(execFile)('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', PACKAGE_CACHE], { cwd: REPOSITORY });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  await rm(TARBALL, { force: true });
  await promisify(execFile)('mv', [path.join(PACKAGE_CACHE, packed!.filename), TARBALL]);
  return TARBALL;
}
