import { formatCloudflareOptions } from '../../grammar/cloudflare.js';
import type { ImageOptions } from '../../pipeline/types.js';
import { encodeSource, translated, type Translation } from './translation.js';

/** grammar/index.ts's CLOUDFLARE_PREFIX; that module brings every parser (and node:util) with it. */
export const CLOUDFLARE_PREFIX = '/cdn-cgi/image/';

/** The origin's own canonical spelling: formatCloudflareOptions, which the parser reads back exactly. */
export function cloudflareUrl(options: ImageOptions, source: string): Translation {
  return translated(`${CLOUDFLARE_PREFIX}${formatCloudflareOptions(options)}/${encodeSource(source)}`);
}
