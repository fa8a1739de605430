/**
 * Builds what `npm pack` ships (run by `npm run build`, and so by `prepare` and `prepack`):
 *
 *   dist/                    CommonJS JavaScript and .d.ts for lib/, origin/src/ and the CLI in bin/,
 *                            one file per source file (readable stack traces, no duplicated modules)
 *   origin/container/bundle/ the origin as the container runs it: one ESM file made by esbuild
 *   origin/lambda/bundle/    the origin as the Lambda function runs it: one ESM file, handler.mjs
 *
 * CommonJS because that is what CDK apps load: ts-node and Jest set up by `cdk init` `require()`
 * their dependencies, and Node's ESM `import` of a CommonJS module still gets named exports.
 */
import { chmod, cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { bundleLambdaHandler, bundleOrigin, CONTAINER_BUNDLE_DIR, LAMBDA_BUNDLE_DIR } from '../origin/bundle.js';
import { bundleModel, MODEL_FILE } from '../origin/src/playground/model-bundle.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');

/** Source folders compiled into dist/, and the files in them that are not part of the package. */
const SOURCE_DIRS = ['lib', 'origin/src', 'bin'];
const NOT_SHIPPED = new Set(['bin/app.ts', 'bin/app-settings.ts', 'origin/src/main.ts']);
/** Entry points that only their bundles carry (the Lambda handler needs the Lambda runtime's globals). */
const BUNDLED_ONLY = 'origin/src/lambda/';
/**
 * Plain files read at run time (the CloudFront Function's source is read as text at synth; the
 * playground's page files are served as they are, found through its CommonJS locator).
 */
const COPIED = ['lib/cdk/edge/viewer-request.js', 'origin/src/playground/here.cjs', 'origin/src/playground/page'];

async function sourceFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const dir of SOURCE_DIRS) {
    for (const entry of await readdir(path.join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) continue;
      const file = path.relative(ROOT, path.join(entry.parentPath, entry.name));
      if (!NOT_SHIPPED.has(file) && !file.startsWith(BUNDLED_ONLY)) files.push(file);
    }
  }
  return files.sort();
}

/** Each file transpiled on its own (no bundling): the package's module graph stays the source's. */
async function compileJavaScript(files: readonly string[], outdir: string): Promise<void> {
  // import.meta.url has no CommonJS spelling; the few modules that locate files use this stand-in.
  const usesImportMeta = await Promise.all(files.map(async (file) => (await readFile(path.join(ROOT, file), 'utf8')).includes('import.meta')));
  const groups = [files.filter((_, index) => !usesImportMeta[index]), files.filter((_, index) => usesImportMeta[index])];
  for (const [index, entryPoints] of groups.entries()) {
    if (entryPoints.length === 0) continue;
    const withImportMeta = index === 1;
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints,
      outdir,
      outbase: '.',
      bundle: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      sourcemap: true,
      logLevel: 'warning',
      ...(withImportMeta && {
        define: { 'import.meta.url': '__imageCdnModuleUrl' },
        banner: { js: 'const __imageCdnModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
      }),
    });
    if (result.errors.length > 0) throw new Error(`esbuild reported ${result.errors.length} errors`);
  }
  for (const file of COPIED) await cp(path.join(ROOT, file), path.join(outdir, file), { recursive: true });
  // The page's model, bundled for the browser once here rather than at every start (playground/model-bundle.ts).
  await writeFile(path.join(outdir, 'origin/src/playground/page', MODEL_FILE), await bundleModel());
  // The repository is ESM ("type": "module"); everything under dist/ is CommonJS.
  await writeFile(path.join(outdir, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
  await chmod(path.join(outdir, 'bin/image-cdn.js'), 0o755);
}

async function emitDeclarations(outdir: string): Promise<void> {
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  await promisify(execFile)(process.execPath, [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', outdir], { cwd: ROOT }).catch(
    (error: Error & { stdout?: string }) => {
      throw new Error(`tsc -p tsconfig.build.json failed:\n${error.stdout ?? String(error)}`);
    },
  );
}

/**
 * Builds into a fresh directory and swaps it in at the end, so a CLI that another process runs
 * from dist/ meanwhile (a second test run, a dev server) never sees it half-written.
 */
export async function buildPackage(): Promise<void> {
  const staging = `${DIST}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const files = await sourceFiles();
    await Promise.all([compileJavaScript(files, staging), emitDeclarations(staging), bundleOrigins()]);
    const previous = `${DIST}.previous-${process.pid}`;
    await rename(DIST, previous).catch(() => undefined);
    await rename(staging, DIST);
    await rm(previous, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The origin's two bundles: the container's and the Lambda function's. */
export async function bundleOrigins(): Promise<void> {
  await Promise.all([bundleOrigin(CONTAINER_BUNDLE_DIR), bundleLambdaHandler(LAMBDA_BUNDLE_DIR)]);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const only = process.argv[2];
  if (only === 'container') await bundleOrigin(CONTAINER_BUNDLE_DIR);
  else if (only === 'lambda') await bundleLambdaHandler(LAMBDA_BUNDLE_DIR);
  else if (only === 'bundles') await bundleOrigins();
  else await buildPackage();
  process.stdout.write(`built ${only ?? 'package'} in ${Math.round(performance.now() - started)} ms\n`);
}
