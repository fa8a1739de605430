import type { GrammarName } from '../../../origin/src/config.js';
import { CLOUDFLARE_ALIASES, CLOUDFLARE_NUMBER_OPTIONS } from '../../../origin/src/grammar/cloudflare.js';
import { MAX_DPR, QUALITY_PRESETS } from '../../../origin/src/grammar/cloudflare-values.js';
import { CLOUDINARY_KEYS, CLOUDINARY_NUMBER_KEYS } from '../../../origin/src/grammar/cloudinary.js';
import { MAX_HOSTED_DPR, MAX_STEP_COMPONENTS, MAX_STEPS } from '../../../origin/src/grammar/hosted.js';
import { IMAGEKIT_NUMBER_KEYS } from '../../../origin/src/grammar/imagekit.js';
import { IMGIX_ALIASES, IMGIX_IGNORED_PARAMETERS, IMGIX_IGNORED_PREFIXES, IMGIX_NUMBER_PARAMETERS } from '../../../origin/src/grammar/imgix.js';
import { slowConnectionTriggers } from './slow-connection.js';

import type { NumberSpelling } from '../../../origin/src/grammar/spelling.js';

/** A list as the function reads it: names separated by spaces. */
const list = (names: readonly string[]) => names.join(' ');

/** Names by how their numbers are spelled, `{ i: 'w h', d: 'dpr' }`, as the function reads them. */
function bySpelling(table: Readonly<Record<string, NumberSpelling>>): Partial<Record<NumberSpelling, string>> {
  const grouped: Partial<Record<NumberSpelling, string[]>> = {};
  for (const [name, spelling] of Object.entries(table)) (grouped[spelling] ??= []).push(name);
  return Object.fromEntries(Object.entries(grouped).map(([spelling, names]) => [spelling, list(names)]));
}

/**
 * Every property name of the tables' structure (not of the lookup maps inside them, such as the
 * aliases): the function's code may shorten these, in TABLES and where it reads them alike.
 */
export const TABLE_PROPERTIES: readonly string[] = [
  'cloudflare',
  'imgix',
  'cloudinary',
  'imagekit',
  'aliases',
  'numbers',
  'cap',
  'presets',
  'slow',
  'saveData',
  'ect',
  'rtt',
  'downlink',
  'ignored',
  'prefixes',
  'keys',
  'maxSteps',
  'maxComponents',
];

/**
 * The CloudFront function's `TABLES`: the origin's own option tables for the enabled grammars,
 * taken from its grammar modules at synth, so the function and the origin cannot disagree on an
 * alias, a number, a key or a bound. Only the enabled grammars' tables are deployed (10 KB limit).
 */
export function edgeTables(grammars: ReadonlySet<GrammarName>): Record<string, unknown> {
  const hosted = grammars.has('cloudinary') || grammars.has('imagekit');
  const slow = grammars.has('cloudflare') ? slowConnectionTriggers() : undefined;
  return {
    ...(slow && {
      cloudflare: { aliases: CLOUDFLARE_ALIASES, numbers: bySpelling(CLOUDFLARE_NUMBER_OPTIONS), cap: MAX_DPR },
      presets: list(QUALITY_PRESETS),
      slow: { ...slow, saveData: list(slow.saveData), ect: list(slow.ect) },
    }),
    ...(grammars.has('imgix') && {
      imgix: {
        aliases: IMGIX_ALIASES,
        numbers: bySpelling(IMGIX_NUMBER_PARAMETERS),
        cap: MAX_HOSTED_DPR,
        ignored: list(IMGIX_IGNORED_PARAMETERS),
        prefixes: list(IMGIX_IGNORED_PREFIXES),
      },
    }),
    ...(grammars.has('cloudinary') && { cloudinary: { keys: list(CLOUDINARY_KEYS), numbers: bySpelling(CLOUDINARY_NUMBER_KEYS), cap: MAX_HOSTED_DPR } }),
    ...(grammars.has('imagekit') && { imagekit: { numbers: bySpelling(IMAGEKIT_NUMBER_KEYS), cap: MAX_HOSTED_DPR } }),
    ...(hosted && { maxSteps: MAX_STEPS, maxComponents: MAX_STEP_COMPONENTS }),
  };
}
