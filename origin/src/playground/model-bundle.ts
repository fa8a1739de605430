import path from 'node:path';
import here from './here.cjs';

/** Where the page finds the model: `tools/build.ts` writes it there in dist/. */
export const MODEL_FILE = 'model.js';

/**
 * The model (model/index.ts) and the origin's codecs under it, as one ES module for the browser.
 * The build makes it once for dist/; from source it is made on the first request for it, with the
 * esbuild that the repository's tooling has (a development dependency, never loaded otherwise).
 */
export async function bundleModel(): Promise<string> {
  if (here.dir === undefined) throw new Error('the playground model can only be bundled from its source folder');
  // A specifier in a variable, so that no bundler (the container's) takes esbuild in with the origin.
  const tool = 'esbuild';
  const { build } = (await import(tool)) as typeof import('esbuild');
  const result = await build({
    entryPoints: [path.join(here.dir, 'model', 'index.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('esbuild wrote no playground model');
  return `// The image-cdn playground's model: generated from origin/src/playground/model by esbuild.\n${output.text}`;
}
