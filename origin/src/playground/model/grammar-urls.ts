import type { GrammarName } from '../../grammar/names.js';
import type { ImageOptions } from '../../pipeline/types.js';
import { cloudflareUrl } from './cloudflare-url.js';
import { cloudinaryUrl } from './cloudinary-url.js';
import { imagekitUrl } from './imagekit-url.js';
import { imgixUrl } from './imgix-url.js';
import { encodeSource, type Translation, untranslatable, type UrlSettings } from './translation.js';

export interface GrammarUrl {
  /** `original` when there are no options: every grammar then names the source itself. */
  readonly grammar: GrammarName | 'original';
  readonly translation: Translation;
}

/** The transform's URL in every enabled grammar, in the order the settings list them. */
export function grammarUrls(options: ImageOptions, source: string, settings: UrlSettings): GrammarUrl[] {
  if (Object.keys(options).length === 0) return [{ grammar: 'original', translation: { ok: true, url: `/${encodeSource(source)}` } }];
  return settings.grammars.map((grammar) => ({ grammar, translation: urlIn(grammar, options, source, settings) }));
}

/**
 * The fields the translators below spell, or refuse by name. A complete record, so a field added
 * to ImageOptions fails the build here until imgix-url.ts, cloudinary-url.ts and imagekit-url.ts
 * know it: none of them may drop an option without a word.
 */
const TRANSLATED: Readonly<Record<keyof ImageOptions, true>> = {
  width: true,
  height: true,
  fit: true,
  gravity: true,
  dpr: true,
  quality: true,
  slowConnectionQuality: true,
  format: true,
  metadata: true,
  background: true,
  blur: true,
  sharpen: true,
  brightness: true,
  contrast: true,
  gamma: true,
  saturation: true,
  rotate: true,
  flip: true,
  trim: true,
  border: true,
  anim: true,
  compression: true,
  onerror: true,
  variant: true,
};

export function urlIn(grammar: GrammarName, options: ImageOptions, source: string, settings: UrlSettings): Translation {
  const unknown = Object.keys(options).find((field) => !Object.hasOwn(TRANSLATED, field));
  if (grammar !== 'cloudflare' && unknown !== undefined) return untranslatable(grammar, unknown, 'not known to the playground');
  switch (grammar) {
    case 'cloudflare':
      return cloudflareUrl(options, source);
    case 'imgix':
      return imgixUrl(options, source);
    case 'cloudinary':
      return cloudinaryUrl(options, source);
    case 'imagekit':
      return imagekitUrl(options, source, settings.imagekitEndpoint);
  }
}

/** The URL the page requests: the first enabled grammar's that can say it. */
export function requestUrl(options: ImageOptions, source: string, settings: UrlSettings): Translation {
  const urls = grammarUrls(options, source, settings);
  return urls.find((entry) => entry.translation.ok)?.translation ?? urls[0]?.translation ?? { ok: false, why: 'no grammar is enabled' };
}
