import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { errors } from '../errors.js';
import here from './here.cjs';
import { bundleModel, MODEL_FILE } from './model-bundle.js';

export interface PageFile {
  readonly body: Buffer;
  readonly contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The page's static files (page/) and its model, read on first use and kept: nothing is read or
 * bundled while the origin starts. Only names in page/ are served, so no request names a path.
 */
export function createPageFiles(): (name: string) => Promise<PageFile | undefined> {
  let files: Promise<ReadonlyMap<string, PageFile>> | undefined;
  const loaded = () =>
    (files ??= load().catch((error: unknown) => {
      files = undefined; // the next request tries again (an edit, a build)
      throw error;
    }));
  return async (name) => (await loaded()).get(name);
}

async function load(): Promise<ReadonlyMap<string, PageFile>> {
  // Inside a bundle (the container's) the page has no folder to come from.
  if (here.dir === undefined) throw errors.notFound('/ (the playground is not part of this bundle; `image-cdn serve` has it)');
  const folder = path.join(here.dir, 'page');
  const names = (await readdir(folder)).filter((name) => CONTENT_TYPES[path.extname(name)] !== undefined);
  const entries = await Promise.all(
    names.map(async (name) => [name, { body: await readFile(path.join(folder, name)), contentType: CONTENT_TYPES[path.extname(name)]! }] as const),
  );
  const files = new Map<string, PageFile>(entries);
  // dist/ has the model the build made; from source it is bundled now.
  if (!files.has(MODEL_FILE)) files.set(MODEL_FILE, { body: Buffer.from(await bundleModel()), contentType: CONTENT_TYPES['.js']! });
  return files;
}
