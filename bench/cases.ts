/**
 * The transforms every contender runs, and how each one spells a request. Request `k` of a case
 * uses image `k mod images` and adds `floor(k / images) mod 16` pixels to the size, so that
 * concurrent requests are always distinct transforms: the origin coalesces identical in-flight
 * requests (same ETag), which would otherwise flatter it.
 */
export type OutputFormat = 'jpeg' | 'webp' | 'avif';

export interface TransformCase {
  readonly id: 'jpeg' | 'webp' | 'avif' | 'cover' | 'auto' | 'burst' | 'small-cold';
  readonly label: string;
  /** The format the response must have (for `auto`: what the Accept header below resolves to). */
  readonly format: OutputFormat;
  readonly cover: boolean;
  /** `format=auto` / `f_auto`, negotiated from `accept`. */
  readonly auto: boolean;
  readonly accept?: string;
}

/** Chrome before AVIF support: auto resolves to WebP on both servers (AVIF has its own row). */
export const WEBP_ACCEPT = 'image/webp,image/apng,image/*,*/*;q=0.8';

export const TRANSFORM_CASES: readonly TransformCase[] = [
  { id: 'jpeg', label: 'width 600, JPEG', format: 'jpeg', cover: false, auto: false },
  { id: 'webp', label: 'width 600, WebP', format: 'webp', cover: false, auto: false },
  { id: 'avif', label: 'width 600, AVIF', format: 'avif', cover: false, auto: false },
  { id: 'cover', label: 'cover crop 600×600, JPEG', format: 'jpeg', cover: true, auto: false },
  { id: 'auto', label: 'width 600, format=auto (→ WebP)', format: 'webp', cover: false, auto: true, accept: WEBP_ACCEPT },
];

/** A small source, never seen before, at a few hundred pixels (bench/small-cold.ts). */
export const SMALL_COLD_CASE: TransformCase = { id: 'small-cold', label: 'small source, cold', format: 'jpeg', cover: false, auto: false };
/** Its encoder quality, named in every contender's request (sharp's JPEG default, so the ceilings and the origin encode alike). */
export const SMALL_COLD_QUALITY = 80;

/** One concrete transform: what the ceiling hands to sharp, and what the HTTP contenders ask for. */
export interface Transform {
  readonly image: number;
  readonly file: string;
  readonly width: number;
  /** Only for cover crops. */
  readonly height?: number;
  readonly format: OutputFormat;
  /** Encoder quality, when the case names one (otherwise each contender's default). */
  readonly quality?: number;
}

const BASE_SIZE = 600;
const SIZE_STEPS = 16;

export function transformFor(testCase: TransformCase, files: readonly string[], k: number): Transform {
  const image = k % files.length;
  const delta = Math.floor(k / files.length) % SIZE_STEPS;
  const size = BASE_SIZE + delta;
  return {
    image,
    file: files[image]!,
    width: size,
    ...(testCase.cover && { height: size }),
    format: testCase.format,
  };
}

export const encodePath = (file: string) => file.split('/').map(encodeURIComponent).join('/');

/** Cloudflare grammar, as the origin serves it. */
export function originPath(testCase: TransformCase, t: Transform): string {
  const size = t.height === undefined ? `width=${t.width}` : `width=${t.width},height=${t.height},fit=cover`;
  return `/cdn-cgi/image/${size},format=${testCase.auto ? 'auto' : t.format}/${encodePath(t.file)}`;
}

/** ipx v3 modifiers (`/w_600&f_webp/file`); `s_WxH` resizes with sharp's default fit, cover. */
export function ipxPath(testCase: TransformCase, t: Transform): string {
  const size = t.height === undefined ? `w_${t.width}` : `s_${t.width}x${t.height}&fit_cover`;
  return `/${size}&f_${testCase.auto ? 'auto' : t.format}/${encodePath(t.file)}`;
}

export const CONTENT_TYPES: Record<OutputFormat, string> = { jpeg: 'image/jpeg', webp: 'image/webp', avif: 'image/avif' };
