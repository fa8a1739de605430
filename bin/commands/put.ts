import { type Command, Option } from 'commander';
import { imageUrl } from '../../lib/client/index.js';
import { DEFAULT_UPLOAD_LIMITS, DEFAULT_UPLOAD_PREFIX } from '../../lib/upload/settings.js';
import { loadWithPeers, UsageError } from '../cli-errors.js';
import { addClientLimitOptions, type ClientLimitFlags, clientLimitsFrom } from './client-limit-options.js';

/** The transform shown as an example per uploaded file. */
const EXAMPLE_OPTIONS = { width: 600, format: 'auto' } as const;

interface PutFlags extends ClientLimitFlags {
  readonly bucket: string;
  readonly prefix: string;
  readonly baseUrl?: string;
  readonly s3ForcePathStyle?: boolean;
  readonly json?: boolean;
}

export function registerPutCommand(program: Command): void {
  const command = program
    .command('put')
    .description(
      'Upload images to S3 under content-addressed keys (<prefix><sha256>.<ext>), skipping ones already there; ' +
        'prints each key and an example transform URL. AWS credentials, region and endpoint come from the SDK chain ' +
        '(AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3, ...).',
    )
    .argument('<files...>', 'image files to upload')
    .addOption(new Option('--bucket <name>', 'destination bucket').env('IMAGE_CDN_S3_BUCKET').makeOptionMandatory())
    .option('--prefix <prefix>', 'key prefix', DEFAULT_UPLOAD_PREFIX)
    .addOption(new Option('--base-url <url>', 'CDN URL for the printed examples (default: root-relative paths)').env('IMAGE_CDN_BASE_URL'))
    .option('--s3-force-path-style', 'path-style S3 URLs (for S3-compatible servers); env IMAGE_CDN_S3_FORCE_PATH_STYLE=true')
    .option('--json', 'print a JSON array of results instead of text');
  addClientLimitOptions(command, 'S3', DEFAULT_UPLOAD_LIMITS).action(async (files: string[], flags: PutFlags) => {
    const forcePathStyle = flags.s3ForcePathStyle ?? /^(1|true|yes|on)$/i.test(process.env['IMAGE_CDN_S3_FORCE_PATH_STYLE'] ?? '');
    if (flags.baseUrl) checkBaseUrl(flags.baseUrl); // before uploading anything
    // The AWS SDK (an optional peer) loads only when an upload runs.
    const { putImages } = await loadWithPeers(() => import('../../lib/upload/upload.js'));
    const results = await putImages(files, { bucket: flags.bucket, prefix: flags.prefix, forcePathStyle, ...clientLimitsFrom(flags) });
    const withUrls = results.map((result) => ({
      ...result,
      url: imageUrl(result.key, EXAMPLE_OPTIONS, flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    }));
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(withUrls, null, 2)}\n`);
      return;
    }
    for (const result of withUrls) {
      const state = result.uploaded ? 'uploaded' : 'already present';
      process.stdout.write(`${result.file}\n  key: ${result.key} (${state})\n  url: ${result.url}\n`);
    }
  });
}

function checkBaseUrl(baseUrl: string): void {
  try {
    imageUrl('x', EXAMPLE_OPTIONS, { baseUrl });
  } catch (error) {
    throw new UsageError(`--base-url "${baseUrl}": ${(error as Error).message}`);
  }
}
