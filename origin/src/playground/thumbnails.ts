import type { OriginConfig } from '../config.js';
import { parseCloudflareOptions } from '../grammar/cloudflare.js';
import { requestUrl } from './model/grammar-urls.js';
import { encodeSource } from './model/translation.js';

const THUMBNAIL = parseCloudflareOptions('width=160,height=160,fit=cover,format=auto');

/**
 * A gallery thumbnail, served by the origin itself: a small cover crop in the first enabled
 * grammar that says it, or the original where only variants are served.
 */
export function thumbnailUrl(config: OriginConfig, source: string): string {
  const original = `/${encodeSource(source)}`;
  if (config.onlyVariants || !THUMBNAIL.ok) return original;
  const url = requestUrl(THUMBNAIL.value, source, config);
  return url.ok ? url.url : original;
}
