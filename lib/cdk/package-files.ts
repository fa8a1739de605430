import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'image-cdn';

/**
 * The root of the installed package (or of the repository). Found by walking up from this module,
 * because the module sits at a different depth in the source tree (lib/cdk/) and the build
 * (dist/lib/cdk/).
 */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let directory = from; ; directory = path.dirname(directory)) {
    const manifest = path.join(directory, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return directory;
    if (path.dirname(directory) === directory) throw new Error(`no package.json named "${PACKAGE_NAME}" above ${from}`);
  }
}

/**
 * The origin's container asset: the Dockerfile, the esbuild bundle in bundle/ and a lockfile that
 * pins sharp. Self-contained, so a consumer's app needs nothing of its own to build the image.
 */
export const ORIGIN_CONTAINER_DIR = path.join(packageRoot(), 'origin', 'container');
