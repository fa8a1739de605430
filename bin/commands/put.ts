import { type Command, Option } from 'commander';
import { imageUrl } from '../../lib/client/index.js';
import { DEFAULT_UPLOAD_PREFIX, putImages, UploadError, type PutImageResult } from '../../lib/upload/index.js';

/** The transform shown as an example per uploaded file. */
const EXAMPLE_OPTIONS = { width: 600, format: 'auto' } as const;

export function registerPutCommand(program: Command): void {
  program
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
    .option('--json', 'print a JSON array of results instead of text')
    .action(async (files: string[], flags: { bucket: string; prefix: string; baseUrl?: string; s3ForcePathStyle?: boolean; json?: boolean }) => {
      const forcePathStyle = flags.s3ForcePathStyle ?? /^(1|true|yes|on)$/i.test(process.env['IMAGE_CDN_S3_FORCE_PATH_STYLE'] ?? '');
      let results: PutImageResult[];
      try {
        if (flags.baseUrl) imageUrl('x', EXAMPLE_OPTIONS, { baseUrl: flags.baseUrl }); // refuse a bad base URL before uploading
        results = await putImages(files, { bucket: flags.bucket, prefix: flags.prefix, forcePathStyle });
      } catch (error) {
        const message = error instanceof UploadError || error instanceof TypeError ? error.message : describeFailure(error);
        process.stderr.write(`image-cdn put: ${message}\n`);
        process.exitCode = 1;
        return;
      }
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

/** SDK configuration failures (no region, no credentials) arrive as plain errors with a useful message. */
function describeFailure(error: unknown): string {
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
  return String(error);
}
