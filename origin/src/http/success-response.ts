import type { Readable } from 'node:stream';
import { cacheTagForSource } from '../cache-tag.js';
import type { OriginConfig } from '../config-types.js';
import type { OutputFormat } from '../pipeline/types.js';
import { IMAGE_CONTENT_TYPES, type ImageFormat } from '../sources/image-format.js';
import type { SourceMeta } from '../sources/types.js';
import { CONTENT_TYPES } from '../transform/content-types.js';
import { successCacheControl } from './cache-control.js';
import { serverTiming, type PhaseTimings } from './request-timings.js';
import { SECURITY_HEADERS } from './security-headers.js';
import type { OriginResponse } from './types.js';

/**
 * Every successful answer's headers, transform and original alike: a HEAD's 200 carries the
 * representation's headers, a GET's 200 adds what only the body tells, and a 304 keeps the
 * validators and caching headers without the content ones.
 */

/** What an answer carries: a transform's output, or an original's own bytes. */
export type AnswerContent =
  | {
      readonly kind: 'transform';
      readonly format: OutputFormat | 'json';
      /** Set when the requested format could not be produced: `avif->webp`. */
      readonly fallback?: string | undefined;
    }
  /** The format its bytes were sniffed as, already checked servable (original.ts). */
  | { readonly kind: 'original'; readonly format: ImageFormat };

export interface RepresentationInput {
  readonly config: Pick<OriginConfig, 'cacheControl' | 'cacheTagHeader'>;
  readonly etag: string;
  /** The source path as URLs write it: what the cache tag names. */
  readonly sourcePath: string;
  readonly meta: SourceMeta;
  /** The mount's Cache-Control, which overrides the source's own. */
  readonly mountCacheControl: string | undefined;
  /** Unix seconds at which the URL's signature expires: no cache may keep the answer past it. */
  readonly expiresAt: number | undefined;
  /** Request headers the answer depends on. */
  readonly vary: readonly string[];
  readonly content: AnswerContent;
}

/** The headers of a 200 to a HEAD: what a GET's 200 extends and a 304 trims. */
export function representationHeaders({
  config,
  etag,
  sourcePath,
  meta,
  mountCacheControl,
  expiresAt,
  vary,
  content,
}: RepresentationInput): Record<string, string> {
  return {
    etag,
    'cache-control': successCacheControl(config.cacheControl, meta, mountCacheControl, expiresAt),
    ...(meta.lastModified && { 'last-modified': meta.lastModified.toUTCString() }),
    ...(vary.length && { vary: vary.join(', ') }),
    ...contentHeaders(content),
    // An original's length is its source's; a transform's is known only once encoded.
    ...(content.kind === 'original' && meta.size !== undefined && { 'content-length': String(meta.size) }),
    // Tags every response of one source alike, so a CDN that purges by tag can drop all its transforms at once.
    ...(config.cacheTagHeader && { [config.cacheTagHeader.toLowerCase()]: cacheTagForSource(sourcePath) }),
    ...SECURITY_HEADERS,
  };
}

function contentHeaders(content: AnswerContent): Record<string, string> {
  if (content.kind === 'transform') {
    return { 'content-type': CONTENT_TYPES[content.format], ...(content.fallback && { 'x-image-cdn-format-fallback': content.fallback }) };
  }
  // An SVG is a document that can carry script: never rendered inline from this origin.
  if (content.format === 'svg') return { 'content-type': IMAGE_CONTENT_TYPES.svg, 'content-disposition': 'attachment' };
  return { 'content-type': IMAGE_CONTENT_TYPES[content.format] };
}

/** RFC 9110 §15.4.5: a 304 carries the validators and caching headers, not the content ones. */
export function notModified({ headers }: { readonly headers: Record<string, string> }): OriginResponse {
  const { 'content-type': _type, 'content-length': _length, 'x-image-cdn-format-fallback': _fallback, ...rest } = headers;
  return { status: 304, headers: rest, outcome: 'not-modified' };
}

/** A HEAD's 200: the headers a GET would have, no body. */
export function headOnly({ headers }: { readonly headers: Record<string, string> }): OriginResponse {
  return { status: 200, headers, outcome: 'head' };
}

/** A transform's 200: its length and Server-Timing are known once it is encoded. */
export function transformedResponse({
  headers,
  data,
  timings,
  coalesced,
}: {
  readonly headers: Record<string, string>;
  readonly data: Buffer;
  readonly timings: PhaseTimings;
  /** The bytes came from another request's identical transform. */
  readonly coalesced: boolean;
}): OriginResponse {
  return {
    status: 200,
    headers: { ...headers, 'content-length': String(data.length), 'server-timing': serverTiming(timings) },
    body: data,
    outcome: coalesced ? 'coalesced' : 'transformed',
    timings,
  };
}

/** An original's 200: the length of the very bytes served, when it is known. */
export function originalResponse({
  headers,
  body,
  length,
}: {
  readonly headers: Record<string, string>;
  readonly body: Buffer | Readable;
  readonly length: number | undefined;
}): OriginResponse {
  return {
    status: 200,
    headers: { ...headers, ...(length !== undefined && { 'content-length': String(length) }) },
    body,
    outcome: 'original',
  };
}
