import { readdirSync } from 'node:fs';
import type { OriginConfig } from './config.js';
import { contentTypeFromPath } from './sources/content-type.js';

/** One transform URL that works against this configuration, for the start-up banner. */
export function exampleUrl(baseUrl: string, config: OriginConfig): string {
  const fileMount = config.mounts.find((m) => m.source.type === 'file');
  let image = '_health.png';
  if (fileMount && fileMount.source.type === 'file') {
    const images = readdirSync(fileMount.source.root)
      .sort()
      .filter((name) => contentTypeFromPath(name) !== undefined);
    // A photo shows off a transform better than a graphic.
    const first = images.find((name) => contentTypeFromPath(name) === 'image/jpeg') ?? images[0];
    if (first) image = `${fileMount.prefix.slice(1)}${encodeURIComponent(first)}`;
  }
  return `${baseUrl}/cdn-cgi/image/width=600,format=auto/${image}`;
}
