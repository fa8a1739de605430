/**
 * The playground page's model against the origin itself. One table of form values drives both:
 * the page reads each row with its model (validation, URLs in every grammar, variant names), and a
 * real origin answers the URLs the row makes. They must agree: a value the page refuses, the
 * origin refuses with the same tag and message; a URL the page builds in any grammar, the origin
 * serves as the same transform (the same ETag, which is the transform's fingerprint).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOUDFLARE_OPTION_NAMES, parseCloudflareOptions } from '../../../origin/src/grammar/cloudflare.js';
import { ERROR_TAG_HEADER } from '../../../origin/src/http/error-response.js';
import type { OriginServer } from '../../../origin/src/server.js';
import { VARIANT_COMBINABLE } from '../../../origin/src/pipeline/variants.js';
import { FIELDS, optionText } from '../../../origin/src/playground/model/fields.js';
import { grammarUrls } from '../../../origin/src/playground/model/grammar-urls.js';
import { fieldNamedIn, givenOptions, readForm, type FormValues } from '../../../origin/src/playground/model/read-form.js';
import { parseServerTiming } from '../../../origin/src/playground/model/server-timing.js';
import { matchingVariant, VARIANT_COMBINABLE as PAGE_VARIANT_COMBINABLE } from '../../../origin/src/playground/model/variant-match.js';
import { GRAMMAR_NAMES, type GrammarName } from '../../../origin/src/settings/constants.js';
import { startTestOrigin } from '../../support/origin.js';

const SOURCE = 'fossa.jpg';
const SETTINGS = { grammars: GRAMMAR_NAMES, imagekitEndpoint: '/' };
const VARIANTS = { thumb: 'width=120,height=120,fit=cover' };

interface Row {
  readonly form: FormValues;
  /** The first problem, as the origin states it: on this control, with this tag. */
  readonly problem?: { readonly field: string | undefined; readonly tag: string };
  /** Grammars that have no spelling for the row (the page says why instead of a URL). */
  readonly untranslatable?: readonly GrammarName[];
}

const TABLE: readonly Row[] = [
  { form: { width: '300', format: 'webp' } },
  { form: { width: '600', height: '400', fit: 'cover', gravity: 'face' } },
  { form: { width: '400', height: '300', fit: 'crop', gravity: '0x1' }, untranslatable: ['imagekit'] },
  { form: { width: '500', fit: 'contain', dpr: '2', quality: '70', format: 'jpeg' } },
  { form: { height: '200', fit: 'pad', background: '#336699' } },
  { form: { rotate: '90', flip: 'h' } },
  { form: { width: '300', blur: '5', sharpen: '1.5' } },
  { form: { brightness: '1.2', contrast: '0.8', saturation: '0' }, untranslatable: ['imagekit'] },
  { form: { width: '300', quality: 'high' }, untranslatable: ['imgix', 'imagekit'] },
  { form: { 'trim.left': '10', 'trim.top': '10', 'trim.width': '200', 'trim.height': '150', width: '100' } },
  { form: { trim: 'border', 'trim.border.tolerance': '20' }, untranslatable: ['cloudinary'] },
  { form: { width: '200', border: 'color:#ff0000;width:10' }, untranslatable: ['imgix'] },
  { form: { width: 'auto' }, untranslatable: ['imgix'] },
  { form: { width: '100', metadata: 'keep' }, untranslatable: ['imgix', 'imagekit'] },
  { form: { format: 'auto' } },
  { form: { rotate: '0' } },
  { form: { width: '300', background: 'rgba(255,0,0,0.5)', format: 'png' } },
  { form: { width: '0' }, problem: { field: 'width', tag: 'invalid_option' } },
  { form: { fit: 'stretch' }, problem: { field: 'fit', tag: 'invalid_option' } },
  { form: { background: 'notacolour' }, problem: { field: 'background', tag: 'invalid_option' } },
  { form: { quality: '101', width: '0' }, problem: { field: 'width', tag: 'invalid_option' } },
  { form: { dpr: '-1' }, problem: { field: 'dpr', tag: 'invalid_option' } },
  { form: { 'slow-connection-quality': 'best' }, problem: { field: 'slow-connection-quality', tag: 'invalid_option' } },
  // Each value is valid alone; together they are two kinds of trim, which the origin refuses.
  { form: { trim: '10;10;10;10', 'trim.left': '5' }, problem: { field: 'trim.left', tag: 'invalid_option' } },
];

let origin: OriginServer;

beforeAll(async () => {
  origin = await startTestOrigin({ grammars: GRAMMAR_NAMES, variants: VARIANTS });
});

afterAll(async () => {
  await origin?.close();
});

/** The origin's answer to a URL, without pixel work: HEAD computes the ETag from metadata alone. */
async function head(url: string) {
  const response = await fetch(`${origin.url}${url}`, { method: 'HEAD' });
  return { status: response.status, etag: response.headers.get('etag'), tag: response.headers.get(ERROR_TAG_HEADER) };
}

/** The URL made from the row exactly as typed, before the page rewrites it canonically. */
const typedUrl = (form: FormValues) => `/cdn-cgi/image/${givenOptions(form).join(',')}/${SOURCE}`;

describe('the form has one control per option of the Cloudflare grammar', () => {
  it('named as the options, every option once', () => {
    expect(FIELDS.map((field) => field.name).sort()).toEqual([...CLOUDFLARE_OPTION_NAMES].sort());
  });

  it("suggests only values the origin's codecs accept, and says what each accepts in the origin's words", () => {
    for (const field of FIELDS) {
      for (const value of field.suggestions) expect(parseCloudflareOptions(optionText(field.name, value)).ok, `${field.name}=${value}`).toBe(true);
      const refusal = parseCloudflareOptions(optionText(field.name, ''));
      expect(refusal.ok ? '' : refusal.error.message, field.name).toContain(`expected ${field.accepts}`);
    }
    expect(FIELDS.find((field) => field.name === 'fit')?.suggestions).toEqual(['scale-down', 'contain', 'cover', 'crop', 'pad', 'squeeze']);
  });
});

describe.each(TABLE)('$form', (row) => {
  const reading = readForm(row.form);

  if (row.problem) {
    it("is refused by the page with the origin's own tag and message, beside the control it names", async () => {
      expect(reading.ok).toBe(false);
      const [first] = reading.ok ? [] : reading.problems;
      expect({ field: first?.field, tag: first?.tag }).toEqual(row.problem);
      const response = await fetch(`${origin.url}${typedUrl(row.form)}`);
      expect(response.status).toBe(400);
      expect(response.headers.get(ERROR_TAG_HEADER)).toBe(first?.tag);
      expect((await response.text()).trim()).toBe(first?.message);
    });
    return;
  }

  it('is accepted by the page and by the origin', async () => {
    expect(reading.ok).toBe(true);
    if (Object.keys(row.form).length > 0) expect((await head(typedUrl(row.form))).status).toBe(200);
  });

  it('has a URL in every grammar that can say it, each the same transform to the origin (the same ETag)', async () => {
    if (!reading.ok) throw new Error('refused');
    const urls = grammarUrls(reading.options, SOURCE, SETTINGS);
    const typed = await head(typedUrl(row.form));
    for (const { grammar, translation } of urls) {
      expect(translation.ok, `${grammar}: ${translation.ok ? translation.url : translation.why}`).toBe(!row.untranslatable?.includes(grammar as GrammarName));
      if (!translation.ok) continue;
      const answer = await head(translation.url);
      expect({ grammar, url: translation.url, status: answer.status, etag: answer.etag }).toEqual({
        grammar,
        url: translation.url,
        status: 200,
        etag: typed.etag,
      });
    }
  });
});

describe('with no option set', () => {
  it('names the original, which the origin serves untransformed', async () => {
    const reading = readForm({});
    expect(reading).toEqual({ ok: true, options: {} });
    const urls = grammarUrls({}, SOURCE, SETTINGS);
    expect(urls).toEqual([{ grammar: 'original', translation: { ok: true, url: `/${SOURCE}` } }]);
    expect((await head(`/${SOURCE}`)).status).toBe(200);
  });
});

describe('variant names', () => {
  it('are found for a transform a variant makes, whose URLs in every grammar are the same transform', async () => {
    const reading = readForm({ width: '120', height: '120', fit: 'cover', format: 'webp' });
    if (!reading.ok) throw new Error('refused');
    const variant = matchingVariant(reading.options, VARIANTS);
    expect(variant).toEqual({ variant: 'thumb', format: 'webp' });
    const [cloudflare] = grammarUrls(reading.options, SOURCE, SETTINGS);
    if (!cloudflare?.translation.ok) throw new Error('no Cloudflare URL');
    const adHoc = await head(cloudflare.translation.url);
    for (const { grammar, translation } of grammarUrls(variant!, SOURCE, SETTINGS)) {
      expect(translation.ok, grammar).toBe(true);
      if (translation.ok) expect({ grammar, ...(await head(translation.url)) }).toMatchObject({ grammar, status: 200, etag: adHoc.etag });
    }
  });

  it('are not found when the transform differs, or when an added option contradicts the variant', () => {
    const other = readForm({ width: '121', height: '120', fit: 'cover' });
    expect(other.ok && matchingVariant(other.options, VARIANTS)).toBeUndefined();
    const fixedFormat = readForm({ width: '120', format: 'png' });
    expect(fixedFormat.ok && matchingVariant(fixedFormat.options, { small: 'width=120,format=webp' })).toBeUndefined();
  });

  it('allow exactly the options the origin lets a request add to a variant', () => {
    expect(PAGE_VARIANT_COMBINABLE).toEqual(VARIANT_COMBINABLE);
  });
});

describe("the origin's answers, as the page places and reads them", () => {
  it('puts a message beside the control it quotes, and one that quotes none under the form', () => {
    expect(fieldNamedIn('invalid value "0" for option "width": expected an integer from 1 to 12000, or auto')).toBe('width');
    expect(fieldNamedIn('option "fit" is given more than once (as "fit"); give it once')).toBe('fit');
    expect(fieldNamedIn('variant "nope" not found')).toBeUndefined();
  });

  it('reads Server-Timing as the origin writes it', async () => {
    const response = await fetch(`${origin.url}/cdn-cgi/image/width=64/${SOURCE}`);
    await response.arrayBuffer();
    const timing = parseServerTiming(response.headers.get('server-timing'));
    expect(timing.map(([name]) => name)).toEqual(expect.arrayContaining(['resolve', 'transform']));
    expect(timing.every(([, ms]) => Number.isFinite(ms) && ms >= 0)).toBe(true);
  });
});
