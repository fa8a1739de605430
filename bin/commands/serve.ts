import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { OriginConfig } from '../../origin/src/config.js';
import { exampleUrl } from '../../origin/src/example-url.js';
import { handleShutdownSignals } from '../../origin/src/shutdown.js';
import { packageRoot } from '../../lib/cdk/package-files.js';
import { loadWithPeers, UsageError } from '../cli-errors.js';
import { serveConfig } from './serve-config.js';
import { addSettingOptions } from './setting-options.js';

/**
 * The repository's sample images: the default file root, so `serve` works on a fresh clone, from
 * source or built. Found from the package root (this module is one level deeper in dist/).
 */
export const SAMPLES_DIR = path.join(packageRoot(path.dirname(fileURLToPath(import.meta.url))), 'samples');

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('Run the image origin locally (file root or S3 bucket). Flags win over environment variables, which win over the config file.')
    .option('--config <file>', 'JSON configuration file (mounts, limits, cache control, and any setting below)');
  const settingsFromFlags = addSettingOptions(command);
  command.action(async (options: Record<string, unknown>) => {
    const file = typeof options['config'] === 'string' ? await loadConfig(options['config']) : undefined;
    const config = serveConfig({ flags: settingsFromFlags(options), env: process.env, ...(file && { file }), samplesDir: SAMPLES_DIR });
    // sharp (an optional peer) loads here, not when the CLI starts: `image-cdn --help` needs none.
    const [{ startOrigin }, { ImageHandlerOptionsError }] = await loadWithPeers(() =>
      Promise.all([import('../../origin/src/start.js'), import('../../origin/src/handler-options.js')]),
    );
    const server = await startOrigin(config).catch((error: unknown) => {
      // A value the origin cannot use (a root that is no directory, say) is the command line's to fix.
      throw error instanceof ImageHandlerOptionsError ? new UsageError(error.message) : error;
    });
    handleShutdownSignals(server);
    process.stderr.write(`image-cdn origin listening on ${server.url}\n${playgroundLine(server.url, config)}try: ${exampleUrl(server.url, config)}\n`);
  });
}

/** Where the playground is, or why it is not there when signatures are required. */
function playgroundLine(url: string, config: OriginConfig): string {
  if (config.playground) return `playground: ${url}/\n`;
  if (config.signing?.mode === 'required') return 'playground: off, since this origin requires signed URLs (--playground lets the page sign them)\n';
  return '';
}

async function loadConfig(file: string) {
  const { loadConfigFile } = await import('../../origin/src/config-file.js');
  return loadConfigFile(file);
}
