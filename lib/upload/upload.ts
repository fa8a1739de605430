import { readFile, stat } from 'node:fs/promises';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { DEFAULT_CACHE_CONTROL } from '../../origin/src/settings/constants.js';
import { sha256Hex } from '../../origin/src/sources/content-address.js';
import { contentTypeFromPath } from '../../origin/src/sources/content-type.js';
import { createS3Client } from '../../origin/src/sources/s3-client.js';
import { type ClientLimits, resolveClientLimits } from '../aws/client-limits.js';
import { watchEndpoint } from '../aws/endpoint-watch.js';
import { asServiceTimeout } from '../aws/timeout-error.js';
import { DEFAULT_UPLOAD_LIMITS, DEFAULT_UPLOAD_PREFIX, UploadError } from './settings.js';

export { DEFAULT_UPLOAD_LIMITS, DEFAULT_UPLOAD_PREFIX, UploadError } from './settings.js';

/**
 * Content-addressed uploads: each image is stored at `<prefix><sha256>.<ext>`, so its key names
 * its bytes forever and the origin can answer for it with no S3 request and a one-year immutable
 * Cache-Control. Uploading the same bytes twice is a no-op.
 */

/** A file path, or bytes with a name for messages (e.g. an upload received by an app). */
export type UploadInput = string | { readonly name: string; readonly bytes: Uint8Array };

/** Timeouts and attempts apply to the client created when none is given. */
export interface PutImagesOptions extends ClientLimits {
  readonly bucket: string;
  /** Key prefix; `uploads/` by default. A missing trailing slash is added. */
  readonly prefix?: string;
  /** Defaults to a client from the SDK's standard chain (AWS_ENDPOINT_URL_S3 etc.). */
  readonly client?: S3Client;
  /** Only used when no client is given. */
  readonly forcePathStyle?: boolean;
  /** Files uploaded at once. */
  readonly concurrency?: number;
}

export interface PutImageResult {
  /** The path, or the name given with the bytes. */
  readonly file: string;
  readonly key: string;
  readonly sha256: string;
  readonly contentType: string;
  readonly size: number;
  /** False when the object was already there (nothing was sent). */
  readonly uploaded: boolean;
}

/** Above this, lib-storage sends the object in parts. */
const PART_SIZE = 8 * 1024 * 1024;

/** sharp format → key extension for the formats the origin serves. */
const EXTENSIONS: Readonly<Record<string, string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  svg: 'svg',
  tiff: 'tif',
  jxl: 'jxl',
};

/**
 * Uploads images that are not in the bucket yet. Every file is checked to be an image before
 * anything is sent, so a stray non-image refuses the whole batch rather than half of it.
 * Results are in input order.
 */
export async function putImages(files: readonly UploadInput[], options: PutImagesOptions): Promise<PutImageResult[]> {
  await Promise.all(files.map(async (file) => imageExtension(await readHeader(file), nameOf(file))));
  const limits = resolveClientLimits(options, DEFAULT_UPLOAD_LIMITS);
  const client = options.client ?? createS3Client({ forcePathStyle: options.forcePathStyle ?? false, ...limits });
  const s3 = { client, endpoint: options.client ? () => undefined : watchEndpoint(client) };
  try {
    return await mapLimited(files, options.concurrency ?? 4, (file) => putOne(file, options, s3));
  } finally {
    if (!options.client) client.destroy();
  }
}

/** One image; see putImages. */
export async function putImage(file: UploadInput, options: PutImagesOptions): Promise<PutImageResult> {
  const [result] = await putImages([file], options);
  return result!;
}

/** The content-addressed key for these bytes, or an UploadError when they are not an image. */
export async function contentAddressedKey(bytes: Uint8Array, prefix = DEFAULT_UPLOAD_PREFIX, name = 'input'): Promise<string> {
  const extension = await imageExtension(bytes, name);
  return `${normalisePrefix(prefix)}${sha256Hex(bytes)}.${extension}`;
}

/** The client, and where its requests went (for messages), when this module created it. */
interface S3Target {
  readonly client: S3Client;
  readonly endpoint: () => string | undefined;
}

async function putOne(file: UploadInput, options: PutImagesOptions, s3: S3Target): Promise<PutImageResult> {
  const name = nameOf(file);
  const bytes = typeof file === 'string' ? await readInput(file) : file.bytes;
  const extension = await imageExtension(bytes, name);
  const sha256 = sha256Hex(bytes);
  const key = `${normalisePrefix(options.prefix ?? DEFAULT_UPLOAD_PREFIX)}${sha256}.${extension}`;
  const contentType = contentTypeFromPath(key) ?? 'application/octet-stream';
  const result = { file: name, key, sha256, contentType, size: bytes.length };

  const existingSize = await headSize(s3, options.bucket, key);
  // Same key means same bytes; a size mismatch means an interrupted or foreign write: replace it.
  if (existingSize === bytes.length) return { ...result, uploaded: false };

  try {
    await new Upload({
      client: s3.client,
      partSize: PART_SIZE,
      params: {
        Bucket: options.bucket,
        Key: key,
        Body: bytes,
        ContentType: contentType,
        CacheControl: DEFAULT_CACHE_CONTROL.immutable,
      },
    }).done();
  } catch (error) {
    throw (
      asServiceTimeout(error, 'S3', s3.endpoint()) ??
      new UploadError(`uploading ${name} to s3://${options.bucket}/${key} failed: ${describe(error)}`, { cause: error })
    );
  }
  return { ...result, uploaded: true };
}

async function headSize(s3: S3Target, bucket: string, key: string): Promise<number | undefined> {
  try {
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ContentLength;
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) return undefined;
    throw asServiceTimeout(error, 'S3', s3.endpoint()) ?? new UploadError(`checking s3://${bucket}/${key} failed: ${describe(error)}`, { cause: error });
  }
}

/** The key extension for an image's real format (read by sharp from its header, not its file name). */
async function imageExtension(bytes: Uint8Array | string, name: string): Promise<string> {
  // Loaded on first use, so apps that only build URLs never load libvips.
  const { default: sharp } = await import('sharp');
  let format: string | undefined;
  let compression: string | undefined;
  try {
    const metadata = await sharp(bytes).metadata();
    format = metadata.format;
    compression = metadata.compression;
  } catch {
    throw new UploadError(`${name} is not an image (sharp cannot read its format)`);
  }
  if (format === 'heif') {
    if (compression === 'av1') return 'avif';
    if (compression === 'hevc') return 'heic';
  }
  const extension = format === undefined ? undefined : EXTENSIONS[format];
  if (!extension) throw new UploadError(`${name} is a ${format ?? 'unknown'} image, which the origin does not serve`);
  return extension;
}

/** For the pre-flight check: a path is handed to sharp, which reads only the header. */
async function readHeader(file: UploadInput): Promise<Uint8Array | string> {
  if (typeof file !== 'string') {
    if (file.bytes.length === 0) throw new UploadError(`${file.name} is empty`);
    return file.bytes;
  }
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new UploadError(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  if (!info.isFile()) throw new UploadError(`${file} is not a file`);
  if (info.size === 0) throw new UploadError(`${file} is empty`);
  return file;
}

async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new UploadError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

const nameOf = (file: UploadInput): string => (typeof file === 'string' ? file : file.name);

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

function describe(error: unknown): string {
  const sdk = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = sdk.$metadata?.httpStatusCode;
  return status !== undefined ? `S3 answered ${status} ${sdk.name ?? ''}`.trim() : (sdk.code ?? sdk.name ?? String(error));
}

/** Runs `work` over `items` with at most `limit` at once; results keep the input order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
