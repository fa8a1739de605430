import { GetObjectCommand, HeadObjectCommand, type GetObjectCommandOutput, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { SourceConfig } from '../config-types.js';
import { errors, ImageCdnError } from '../errors.js';
import { createContentAddressMatcher, sha256Hex } from './content-address.js';
import { contentTypeFromPath } from './content-type.js';
import { abortError, readBounded, readStartOf } from './read-bounded.js';
import { RecentSet } from './recent-set.js';
import { createS3Client } from './s3-client.js';
import { refuseHiddenSegments } from './hidden-path.js';
import type { OpenOptions, ReadStartOptions, ResolvedSource, Source, SourceBody, SourceMeta } from './types.js';

export type S3SourceConfig = Extract<SourceConfig, { type: 's3' }>;

export interface S3SourceOptions {
  /** Defaults to a client from the SDK's standard chain (see createS3Client). */
  readonly client?: S3Client;
  /** Cache-Control for mutable keys whose object carries no Cache-Control metadata of its own. */
  readonly mutableCacheControl?: string;
  /** How many content-addressed keys, seen to exist, are remembered (least recently used out first). @default 10,000 */
  readonly knownKeys?: number;
}

/** Mutable keys can be replaced, so caches hold them briefly and revalidate in the background. */
export const MUTABLE_S3_CACHE_CONTROL = 'public, max-age=300, stale-while-revalidate=3600';

/**
 * Objects in one bucket, under an optional key prefix. A content-addressed key costs one
 * HeadObject the first time and then no S3 request at all, while it is remembered; other keys cost
 * one HeadObject every time. Bytes are only fetched by `open`.
 */
export function createS3Source(config: S3SourceConfig, options: S3SourceOptions = {}): Source {
  const client = options.client ?? createS3Client({ forcePathStyle: config.forcePathStyle ?? false });
  // A client given in options belongs to the caller, which closes it.
  const ownsClient = options.client === undefined;
  const bucket = config.bucket;
  const keyPrefix = normaliseKeyPrefix(config.prefix);
  const contentAddressOf = createContentAddressMatcher(config.contentAddressedPattern);
  const mutableCacheControl = options.mutableCacheControl ?? MUTABLE_S3_CACHE_CONTROL;
  // A digest in a key says what the bytes would be, not that they exist: only a key seen to exist
  // (HeadObject, or a GET that found it) answers HEAD, 304 and `immutable` without asking S3.
  const knownKeys = new RecentSet(options.knownKeys ?? 10_000);

  async function getObject(key: string, signal: AbortSignal, ifMatch?: string): Promise<GetObjectCommandOutput> {
    try {
      return await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(ifMatch && { IfMatch: ifMatch }) }), {
        abortSignal: signal,
      });
    } catch (error) {
      throw s3Error(error, key, signal);
    }
  }

  async function readBody(response: GetObjectCommandOutput, key: string, { signal, maxBytes }: OpenOptions): Promise<Buffer> {
    const body = response.Body as (NodeJS.ReadableStream & AsyncIterable<Uint8Array>) | undefined;
    if (!body) throw errors.fetchFailed(key, 'S3 returned no body');
    if (response.ContentLength !== undefined && response.ContentLength > maxBytes) {
      destroyBody(body);
      throw errors.sourceTooLarge(`source "${key}" is ${response.ContentLength} bytes; the limit is ${maxBytes}`);
    }
    try {
      return await readBounded(body, { maxBytes, signal, what: key });
    } catch (error) {
      throw s3Error(error, key, signal);
    }
  }

  /** The first bytes only (a Range GET), to sniff an original's format without its whole body. */
  async function readStart(key: string, { signal, bytes }: ReadStartOptions, ifMatch?: string): Promise<Buffer> {
    let response: GetObjectCommandOutput;
    try {
      const range = `bytes=0-${bytes - 1}`;
      response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range, ...(ifMatch && { IfMatch: ifMatch }) }), {
        abortSignal: signal,
      });
    } catch (error) {
      // An empty object has no byte 0 to start a range at.
      if ((error as SdkError).$metadata?.httpStatusCode === 416) return Buffer.alloc(0);
      throw s3Error(error, key, signal);
    }
    const body = response.Body as AsyncIterable<Uint8Array> | undefined;
    if (!body) throw errors.fetchFailed(key, 'S3 returned no body');
    return readStartOf(body, { bytes, signal, what: key }).catch((error: unknown) => {
      throw s3Error(error, key, signal);
    });
  }

  async function headObject(key: string, signal: AbortSignal): Promise<HeadObjectCommandOutput> {
    try {
      return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    } catch (error) {
      throw s3Error(error, key, signal);
    }
  }

  async function resolveContentAddressed(key: string, digest: string, signal: AbortSignal): Promise<ResolvedSource> {
    if (!knownKeys.has(key)) {
      await headObject(key, signal);
      knownKeys.add(key);
    }
    const contentType = contentTypeFromPath(key);
    const meta: SourceMeta = {
      etagSeed: digest,
      identity: digest,
      immutable: true,
      ...(contentType && { contentType }),
    };
    return {
      meta,
      open: async (openOptions): Promise<SourceBody> => {
        const response = await getObject(key, openOptions.signal).catch((error: unknown) => {
          // Deleted after all: the next request asks S3 again instead of answering from memory.
          if (error instanceof ImageCdnError && error.tag === 'source_not_found') knownKeys.delete(key);
          throw error;
        });
        knownKeys.add(key);
        const bytes = await readBody(response, key, openOptions);
        if (config.verifyDigest && sha256Hex(bytes) !== digest) {
          throw new ImageCdnError('source_integrity_error', 502, `source "${key}" does not match the sha256 digest in its key`);
        }
        return { kind: 'bytes', bytes };
      },
      readStart: (options) => readStart(key, options),
    };
  }

  async function resolveMutable(key: string, signal: AbortSignal): Promise<ResolvedSource> {
    const head = await headObject(key, signal);
    const size = head.ContentLength;
    const etag = head.ETag;
    const lastModified = head.LastModified;
    const contentType = usableContentType(head.ContentType) ?? contentTypeFromPath(key);
    const meta: SourceMeta = {
      // Any replacement changes at least one of these (the ETag alone can repeat for identical bytes).
      etagSeed: ['s3', key, etag ?? '', lastModified?.toISOString() ?? '', size ?? '', head.VersionId ?? ''].join('|'),
      identity: key,
      cacheControl: head.CacheControl ?? mutableCacheControl,
      ...(size !== undefined && { size }),
      ...(lastModified && { lastModified }),
      ...(contentType && { contentType }),
    };
    return {
      meta,
      open: async (openOptions): Promise<SourceBody> => {
        if (size !== undefined && size > openOptions.maxBytes) {
          throw errors.sourceTooLarge(`source "${key}" is ${size} bytes; the limit is ${openOptions.maxBytes}`);
        }
        // IfMatch pins the GET to the version the HEAD described, so the ETag computed from the
        // HEAD never labels other bytes. Servers that ignore IfMatch are caught by the ETag check.
        const response = await getObject(key, openOptions.signal, etag);
        if (etag !== undefined && response.ETag !== undefined && response.ETag !== etag) {
          destroyBody(response.Body as NodeJS.ReadableStream | undefined);
          throw changedWhileReading(key);
        }
        return { kind: 'bytes', bytes: await readBody(response, key, openOptions) };
      },
      readStart: (options) => readStart(key, options, etag),
    };
  }

  return {
    kind: 's3',
    async resolve(path: string, signal: AbortSignal): Promise<ResolvedSource> {
      const key = keyPrefix + checkKeyPath(path);
      const digest = contentAddressOf(key);
      return digest !== undefined ? resolveContentAddressed(key, digest, signal) : resolveMutable(key, signal);
    },
    close() {
      if (ownsClient) client.destroy();
    },
  };
}

/** `uploads` and `uploads/` mean the same prefix; an empty prefix is the bucket root. */
function normaliseKeyPrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+/, '');
  return trimmed === '' || trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/**
 * S3 keys are opaque strings, but some S3-compatible servers and proxies normalise `..` and `//`,
 * which could step outside the configured prefix: refuse them, as the file source does.
 */
function checkKeyPath(path: string): string {
  if (path === '') throw errors.sourceNotFound(path);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw errors.sourceForbidden(path, 'control character in path');
  const segments = path.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) throw errors.sourceForbidden(path, 'dot segment');
  if (segments.some((segment) => segment === '')) throw errors.sourceForbidden(path, 'empty path segment');
  refuseHiddenSegments(path, segments);
  return path;
}

/** S3 answers `binary/octet-stream` or `application/octet-stream` for objects uploaded without a type. */
const usableContentType = (contentType: string | undefined): string | undefined =>
  contentType && !/octet-stream/i.test(contentType) ? contentType : undefined;

const changedWhileReading = (key: string) => errors.fetchFailed(key, 'the object was replaced while it was being read; retry the request');

function destroyBody(body: NodeJS.ReadableStream | undefined): void {
  const destroy = (body as { destroy?: () => void } | undefined)?.destroy;
  if (typeof destroy === 'function') destroy.call(body);
}

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly Code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * Maps an SDK failure to a tagged error. Messages name the key and the S3 error code only:
 * never the request, its signature or credentials.
 */
function s3Error(error: unknown, key: string, signal: AbortSignal): ImageCdnError {
  if (error instanceof ImageCdnError) return error;
  if (signal.aborted) return abortError(signal, key);
  const sdk = (error ?? {}) as SdkError;
  const status = sdk.$metadata?.httpStatusCode;
  const name = sdk.Code ?? sdk.name ?? 'error';
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return errors.sourceNotFound(key);
  if (name === 'PreconditionFailed' || status === 412) return changedWhileReading(key);
  if (status === 403) {
    return errors.fetchFailed(key, 'S3 denied access (without s3:ListBucket a missing key also answers 403)');
  }
  if (status !== undefined) return errors.fetchFailed(key, `S3 answered ${status} ${name}`);
  const code = sdk.code ?? name;
  return errors.fetchFailed(key, `S3 is unreachable (${code})`);
}
