import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { dropUndefined, parseGrammarList, parseSigningMode, resolveConfig, settingsFromEnv, type Settings } from '../../origin/src/config.js';
import { exampleUrl } from '../../origin/src/example-url.js';
import { defaultConfig } from '../../origin/src/defaults.js';
import { handleShutdownSignals } from '../../origin/src/shutdown.js';
import { packageRoot } from '../../lib/cdk/package-files.js';
import { loadWithPeers, UsageError } from '../cli-errors.js';

/**
 * The repository's sample images: the default file root, so `serve` works on a fresh clone, from
 * source or built. Found from the package root (this module is one level deeper in dist/).
 */
export const SAMPLES_DIR = path.join(packageRoot(path.dirname(fileURLToPath(import.meta.url))), 'samples');

const integer = (name: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer, got "${value}"`);
  return parsed;
};

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the image origin locally (file root or S3 bucket).')
    .option('--root <dir>', 'serve files from this directory (default: the bundled sample images)')
    .addOption(new Option('--port <n>', 'port to listen on (0 picks a free one)').env('PORT').argParser(integer('--port')))
    .option('--host <address>', 'address to bind', '127.0.0.1')
    .addOption(new Option('--s3-bucket <name>', 'serve from this S3 bucket').env('IMAGE_CDN_S3_BUCKET'))
    .addOption(new Option('--s3-prefix <prefix>', 'key prefix inside the bucket').env('IMAGE_CDN_S3_PREFIX'))
    .option('--s3-force-path-style', 'path-style S3 URLs (for S3-compatible servers)')
    .option('--s3-verify-digest', 'hash content-addressed objects on read; 502 on mismatch')
    .option('--config <file>', 'JSON configuration file (mounts, limits, cache control)')
    .option('--request-timeout <ms>', 'per-request deadline', integer('--request-timeout'))
    .option('--lb-idle-timeout <ms>', "idle timeout of the load balancer in front; keep-alive lasts 5 s longer (default 60000)", integer('--lb-idle-timeout'))
    .option('--headers-timeout <ms>', 'time a client gets to send its request headers (default 10000)', integer('--headers-timeout'))
    .option('--max-pixels <n>', 'largest source, width × height × frames', integer('--max-pixels'))
    .option('--max-output-pixels <n>', 'largest output, width × height × frames (after resize, pad and border)', integer('--max-output-pixels'))
    .option('--max-source-bytes <n>', 'largest source in bytes', integer('--max-source-bytes'))
    .option('--concurrency <n>', 'transforms at once (default: one per core)', integer('--concurrency'))
    .option('--queue-size <n>', 'transforms allowed to wait before 503', integer('--queue-size'))
    .option('--source-cache-mb <n>', 'memory for decoded sources shared by transforms of one source; 0 keeps none (default 256)', integer('--source-cache-mb'))
    .option('--no-access-log', 'no JSON access log lines')
    .option('--version-pattern <regex>', 'cache-busting path segment to ignore, e.g. "^/v[0-9]+/" (empty disables)')
    .option('--cache-tag-header <name>', 'send the source identity in this response header (e.g. Cache-Tag)')
    .option('--grammars <list>', 'URL grammars to accept: cloudflare,imgix,cloudinary,imagekit (default: cloudflare)', parseGrammarList)
    .option('--imagekit-endpoint <prefix>', 'ImageKit URL endpoint prefix, e.g. /my_id/ (default: /)')
    .option('--variants <file>', 'JSON file of named variants: {"thumb": "width=120,height=120,fit=cover"}')
    .option('--only-variants', 'serve named variants only; refuse ad-hoc transforms')
    .option('--signing-key <key>', 'HMAC key for signed URLs (repeatable: the first signs, all verify)', collect, [])
    .option('--signing <mode>', 'required | optional (default: required when a key is given)', parseSigningMode)
    .option('--signing-exempt-variants', 'let unsigned variant requests through in required mode')
    .option('--svg', 'accept SVG sources (rasterised under limits; SVG originals served as downloads)')
    .option('--svg-max-bytes <n>', 'largest SVG source in bytes (default 262144)', integer('--svg-max-bytes'))
    .option('--svg-max-elements <n>', 'most SVG elements, references expanded (default 5000)', integer('--svg-max-elements'))
    .action(async (flags) => {
      const env = settingsFromEnv(process.env);
      const file = flags.config ? await loadConfig(flags.config as string) : undefined;
      const fromFlags: Settings = dropUndefined({
        host: flags.host,
        port: flags.port,
        loadBalancerIdleTimeoutMs: flags.lbIdleTimeout,
        headersTimeoutMs: flags.headersTimeout,
        root: flags.root,
        s3Bucket: flags.s3Bucket,
        s3Prefix: flags.s3Prefix,
        s3ForcePathStyle: flags.s3ForcePathStyle,
        s3VerifyDigest: flags.s3VerifyDigest,
        requestTimeoutMs: flags.requestTimeout,
        maxPixels: flags.maxPixels,
        maxOutputPixels: flags.maxOutputPixels,
        maxSourceBytes: flags.maxSourceBytes,
        concurrency: flags.concurrency,
        queueSize: flags.queueSize,
        sourceCacheMiB: flags.sourceCacheMb,
        accessLog: flags.accessLog,
        versionPattern: flags.versionPattern,
        cacheTagHeader: flags.cacheTagHeader,
        grammars: flags.grammars,
        imagekitEndpoint: flags.imagekitEndpoint,
        variants: flags.variants,
        onlyVariants: flags.onlyVariants,
        signingKeys: (flags.signingKey as string[]).length ? flags.signingKey : undefined,
        signingMode: flags.signing,
        signingExemptVariants: flags.signingExemptVariants,
        svg: flags.svg,
        svgMaxBytes: flags.svgMaxBytes,
        svgMaxElements: flags.svgMaxElements,
      });
      const hasSource = Boolean(fromFlags.root ?? fromFlags.s3Bucket ?? env.root ?? env.s3Bucket ?? file?.mounts?.length);
      // The samples are there in a clone, not in the npm package: without them there is nothing to serve.
      if (!hasSource && !existsSync(SAMPLES_DIR)) throw new UsageError('no image source: pass --root <dir> or --s3-bucket <name>');
      const config = resolveConfig(
        { defaults: defaultConfig(), ...(file && { file }) },
        hasSource ? {} : { root: SAMPLES_DIR },
        env,
        fromFlags,
      );
      // sharp (an optional peer) loads here, not when the CLI starts: `image-cdn --help` needs none.
      const [{ startOrigin }, { ImageHandlerOptionsError }] = await loadWithPeers(() =>
        Promise.all([import('../../origin/src/start.js'), import('../../origin/src/handler-options.js')]),
      );
      const server = await startOrigin(config).catch((error: unknown) => {
        // A value the origin cannot use (a root that is no directory, say) is the command line's to fix.
        throw error instanceof ImageHandlerOptionsError ? new UsageError(error.message) : error;
      });
      handleShutdownSignals(server);
      process.stderr.write(`image-cdn origin listening on ${server.url}\ntry: ${exampleUrl(server.url, config)}\n`);
    });
}

async function loadConfig(file: string) {
  const { loadConfigFile } = await import('../../origin/src/config-file.js');
  return loadConfigFile(file);
}

const collect = (value: string, previous: string[]) => [...previous, value];
