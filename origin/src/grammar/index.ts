import type { GrammarName } from './names.js';
import type { Result } from '../errors.js';
import type { ImageRequest } from './image-options.js';
import { parseCloudflarePath } from './cloudflare.js';
import { parseCloudinary } from './cloudinary.js';
import { parseImageKit } from './imagekit.js';
import { parseImgix } from './imgix.js';

/** The Cloudflare grammar's fixed prefix. */
export const CLOUDFLARE_PREFIX = '/cdn-cgi/image/';

export type ImageUrlParser = (pathname: string, search: string) => Result<ImageRequest> | undefined;

/**
 * A parser for the enabled grammars. `undefined` means "no grammar claims this URL", which the
 * origin serves as the untransformed source. Order matters: the prefixed grammars first, imgix
 * last, because imgix claims any path whose query has an imgix parameter.
 */
export function createImageUrlParser(grammars: readonly GrammarName[], options: { imagekitEndpoint?: string } = {}): ImageUrlParser {
  const enabled = new Set(grammars);
  const parsers: ImageUrlParser[] = [];
  if (enabled.has('cloudflare')) {
    parsers.push((pathname) => (pathname.startsWith(CLOUDFLARE_PREFIX) ? parseCloudflarePath(pathname.slice(CLOUDFLARE_PREFIX.length)) : undefined));
  }
  if (enabled.has('cloudinary')) parsers.push(parseCloudinary);
  if (enabled.has('imagekit')) {
    parsers.push((pathname, search) => parseImageKit(pathname, search, { endpoint: options.imagekitEndpoint ?? '/' }));
  }
  if (enabled.has('imgix')) parsers.push(parseImgix);
  return (pathname, search) => {
    for (const parse of parsers) {
      const result = parse(pathname, search);
      if (result !== undefined) return result;
    }
    return undefined;
  };
}

/** The default origin's parser: the Cloudflare grammar only. */
export const parseImageUrl: ImageUrlParser = createImageUrlParser(['cloudflare']);
