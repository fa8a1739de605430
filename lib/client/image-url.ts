import { formatCloudflareOptions } from '../../origin/src/grammar/cloudflare.js';
import type { ImageOptions } from '../../origin/src/grammar/image-options.js';

/**
 * URLs for apps that render `<img src srcset>`: the canonical Cloudflare-grammar URL, so every
 * page that asks for the same transform asks with the same bytes of URL (one cache entry).
 */
export interface ImageUrlSettings {
  /** Origin of the CDN (`https://images.example.com`, optionally with a path); omitted → a root-relative URL. */
  readonly baseUrl?: string;
}

const PREFIX = '/cdn-cgi/image/';

/**
 * `imageUrl('uploads/3a7b….jpg', { width: 600, format: 'auto' })`
 * → `/cdn-cgi/image/format=auto,width=600/uploads/3a7b….jpg`.
 * `key` is the source path as the origin serves it (an object key under a mount, or an absolute
 * http(s) URL for an allow-listed upstream).
 */
export function imageUrl(key: string, options: ImageOptions, settings: ImageUrlSettings = {}): string {
  const optionString = formatCloudflareOptions(options);
  if (optionString === '') throw new Error('imageUrl needs at least one option, e.g. { width: 600 }');
  return `${base(settings.baseUrl)}${PREFIX}${optionString}/${encodeSource(key)}`;
}

/**
 * `srcset` candidates, one per width, ascending and without duplicates:
 * `imageSrcset(key, [320, 640], { format: 'auto' })` → `… 320w, … 640w`.
 */
export function imageSrcset(key: string, widths: readonly number[], options: Omit<ImageOptions, 'width'> = {}, settings: ImageUrlSettings = {}): string {
  if (widths.length === 0) throw new Error('imageSrcset needs at least one width');
  for (const width of widths) {
    if (!Number.isInteger(width) || width < 1) throw new Error(`imageSrcset widths must be positive integers, got ${width}`);
  }
  return [...new Set(widths)]
    .sort((a, b) => a - b)
    .map((width) => `${imageUrl(key, { ...options, width }, settings)} ${width}w`)
    .join(', ');
}

function base(baseUrl: string | undefined): string {
  if (baseUrl === undefined || baseUrl === '') return '';
  const url = new URL(baseUrl); // throws on a relative or malformed base, naming it
  if (url.search || url.hash) throw new Error(`baseUrl "${baseUrl}" must not have a query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Each path segment percent-encoded, so the parser's decoding gives back the key exactly. */
function encodeSource(key: string): string {
  if (/^https?:\/\//i.test(key)) return new URL(key).href;
  const path = key.replace(/^\/+/, '');
  if (path === '') throw new Error('imageUrl needs a source key');
  return path.split('/').map(encodeURIComponent).join('/');
}
