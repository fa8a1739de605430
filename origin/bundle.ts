/**
 * Bundles the origin's entry points into one ESM file each:
 *
 *   npx tsx origin/bundle.ts <outdir>          → <outdir>/main.js, <outdir>/package.json (the container's)
 *   npx tsx origin/bundle.ts --lambda <outdir> → <outdir>/handler.mjs (the Lambda function's)
 *
 * `npm run build` runs them into origin/container/bundle/, the directory the Dockerfile copies, and
 * origin/lambda/bundle/, which the Lambda asset copies; the bundle tests run them into temp
 * directories. sharp stays external because it loads native libvips binaries that must match the
 * platform the bundle runs on; it is installed next to the bundle (`node_modules/sharp` in the
 * bundle's directory or a parent).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ORIGIN_ENTRY = fileURLToPath(new URL('./src/main.ts', import.meta.url));
/** Where `npm run build` puts the bundle: inside the container asset that the Dockerfile builds. */
export const CONTAINER_BUNDLE_DIR = fileURLToPath(new URL('./container/bundle', import.meta.url));
/** The Lambda function's entry point: a function URL's events through the origin's fetch door. */
export const LAMBDA_ENTRY = fileURLToPath(new URL('./src/lambda/handler.ts', import.meta.url));
/** Where `npm run build` puts the Lambda bundle; the function's asset copies it (lib/cdk/lambda-asset.ts). */
export const LAMBDA_BUNDLE_DIR = fileURLToPath(new URL('./lambda/bundle', import.meta.url));
/** The Lambda bundle's file; `.mjs`, so the runtime loads it as ESM whatever package.json is beside it. */
export const LAMBDA_HANDLER_FILE = 'handler.mjs';
/** Packages resolved at run time from node_modules instead of bundled. */
export const EXTERNAL_PACKAGES: readonly string[] = ['sharp'];

// Bundled CommonJS dependencies call require() for Node built-ins; an ESM bundle has none.
const REQUIRE_SHIM =
  "import { createRequire as __imageCdnCreateRequire } from 'node:module';\n" + 'globalThis.require ??= __imageCdnCreateRequire(import.meta.url);';

export async function bundleOrigin(outdir: string): Promise<string> {
  const directory = path.resolve(outdir);
  await bundleEntry(ORIGIN_ENTRY, 'main', directory, '.js');
  // main.js is ESM; this marks the directory so node loads it as such.
  await writeFile(path.join(directory, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
  return path.join(directory, 'main.js');
}

/** The Lambda handler as one ESM file (`handler.mjs`, exporting `handler`), sharp left to node_modules. */
export async function bundleLambdaHandler(outdir: string): Promise<string> {
  const directory = path.resolve(outdir);
  await bundleEntry(LAMBDA_ENTRY, 'handler', directory, '.mjs');
  return path.join(directory, LAMBDA_HANDLER_FILE);
}

async function bundleEntry(entry: string, name: string, directory: string, extension: '.js' | '.mjs'): Promise<void> {
  await mkdir(directory, { recursive: true });
  const result = await build({
    entryPoints: { [name]: entry },
    outdir: directory,
    outExtension: { '.js': extension },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [...EXTERNAL_PACKAGES],
    banner: { js: REQUIRE_SHIM },
    // Stack traces map back to the TypeScript (NODE_OPTIONS=--enable-source-maps) by file and
    // line; the sources themselves stay out of the map, which ships in the npm package.
    sourcemap: 'linked',
    sourcesContent: false,
    // Whitespace and syntax only: identifiers keep their names, so traces read without the map too.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    legalComments: 'linked',
    logLevel: 'warning',
  });
  if (result.errors.length > 0) throw new Error(`esbuild reported ${result.errors.length} errors`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const lambda = process.argv[2] === '--lambda';
  const outdir = process.argv[lambda ? 3 : 2];
  if (!outdir) {
    process.stderr.write('usage: tsx origin/bundle.ts [--lambda] <outdir>\n');
    process.exit(2);
  }
  const entry = lambda ? await bundleLambdaHandler(outdir) : await bundleOrigin(outdir);
  process.stdout.write(`${entry}\n`);
}
