import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCloudflareOptions } from '../../../origin/src/grammar/cloudflare.js';
import { fingerprint } from '../../../origin/src/pipeline/fingerprint.js';
import { normalise } from '../../../origin/src/pipeline/normalise.js';
import type { ImageOptions } from '../../../origin/src/pipeline/types.js';
import { isVariantRequest, loadVariants, parseVariants, resolveVariant, type VariantTable } from '../../../origin/src/pipeline/variants.js';
import { ENCODER_ID } from '../../../origin/src/transform/encoder-settings.js';

const dir = mkdtempSync(path.join(tmpdir(), 'image-cdn-variants-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DEFINITIONS = {
  thumb: 'width=120,height=120,fit=cover,gravity=face',
  avatar: 'width=64,height=64,fit=cover,format=webp',
  'hero_2x-wide': 'width=1600,dpr=2,quality=high',
};

function table(): VariantTable {
  const loaded = parseVariants(DEFINITIONS);
  if (!loaded.ok) throw loaded.error;
  return loaded.value;
}

function cloudflare(text: string): ImageOptions {
  const parsed = parseCloudflareOptions(text);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

describe('loading variants', () => {
  it('parses each option string with the Cloudflare grammar', () => {
    const variants = table();
    expect([...variants.keys()]).toEqual(['thumb', 'avatar', 'hero_2x-wide']);
    expect(variants.get('thumb')).toEqual({ width: 120, height: 120, fit: 'cover', gravity: { mode: 'face' } });
    expect(variants.get('hero_2x-wide')).toEqual(cloudflare(DEFINITIONS['hero_2x-wide']));
  });

  it('reads a JSON file', () => {
    const file = path.join(dir, 'variants.json');
    writeFileSync(file, JSON.stringify(DEFINITIONS));
    const loaded = loadVariants(file);
    expect(loaded.ok && [...loaded.value.entries()]).toEqual([...table().entries()]);
  });

  const bad: [string, unknown, RegExp][] = [
    ['an array', ['width=1'], /expected a JSON object/],
    ['null', null, /expected a JSON object/],
    ['a number', 3, /expected a JSON object/],
    ['an upper-case name', { Thumb: 'width=1' }, /variant name "Thumb" must be 1 to 64 of a-z/],
    ['an empty name', { '': 'width=1' }, /variant name ""/],
    ['a 65-character name', { ['a'.repeat(65)]: 'width=1' }, /variant name "a{65}"/],
    ['a name with a slash', { 'a/b': 'width=1' }, /variant name "a\/b"/],
    ['a non-string definition', { thumb: { width: 120 } }, /variant "thumb" must be a Cloudflare option string/],
    ['an invalid value', { thumb: 'width=120,fit=zoom' }, /variant "thumb": invalid value "zoom" for option "fit"/],
    ['an unknown option', { thumb: 'width=120,zoom=2' }, /variant "thumb": unknown option "zoom"/],
    ['an empty definition', { thumb: '' }, /variant "thumb": no options/],
  ];
  it.each(bad)('refuses %s, naming the variant and the problem', (_, json, message) => {
    const loaded = parseVariants(json);
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.error.message).toMatch(message);
  });

  it('names the file when it cannot be read or is not JSON', () => {
    const missing = loadVariants(path.join(dir, 'missing.json'));
    expect(!missing.ok && missing.error.message).toMatch(/variants file .*missing\.json: cannot read it \(ENOENT\)/);
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"thumb": "width=1",}');
    const loaded = loadVariants(broken);
    expect(!loaded.ok && loaded.error.message).toMatch(/variants file .*broken\.json: not valid JSON/);
    const invalid = path.join(dir, 'invalid.json');
    writeFileSync(invalid, '{"thumb": "width=abc"}');
    const checked = loadVariants(invalid);
    expect(!checked.ok && checked.error.message).toMatch(/variants file .*invalid\.json: variant "thumb": invalid value "abc" for option "width"/);
  });
});

describe('resolving a variant request', () => {
  it("expands to exactly the variant's options: same fingerprint as the ad-hoc transform", () => {
    const resolved = resolveVariant({ variant: 'thumb' }, table());
    expect(resolved).toEqual({ ok: true, value: cloudflare(DEFINITIONS.thumb) });
    if (resolved.ok) expect(fingerprint(normalise(resolved.value), ENCODER_ID)).toBe(fingerprint(normalise(cloudflare(DEFINITIONS.thumb)), ENCODER_ID));
  });

  it('combines with format=auto (and onerror), equal to the ad-hoc transform with that format', () => {
    const resolved = resolveVariant({ variant: 'thumb', format: 'auto', onerror: 'redirect' }, table());
    const adHoc = cloudflare(`${DEFINITIONS.thumb},format=auto,onerror=redirect`);
    expect(resolved).toEqual({ ok: true, value: adHoc });
    if (resolved.ok) expect(fingerprint(normalise(resolved.value), ENCODER_ID)).toBe(fingerprint(normalise(adHoc), ENCODER_ID));
    // Repeating the variant's own format is no conflict.
    expect(resolveVariant({ variant: 'avatar', format: 'webp' }, table())).toEqual({ ok: true, value: cloudflare(DEFINITIONS.avatar) });
  });

  it('answers 404 variant_not_found for an unknown name', () => {
    const resolved = resolveVariant({ variant: 'huge' }, table());
    expect(resolved.ok).toBe(false);
    if (!resolved.ok) expect(resolved.error).toMatchObject({ tag: 'variant_not_found', status: 404, message: 'variant "huge" not found' });
  });

  it('refuses options that change the variant, and contradictions, with 400 invalid_option', () => {
    const width = resolveVariant({ variant: 'thumb', width: 300 }, table());
    expect(!width.ok && width.error).toMatchObject({
      tag: 'invalid_option',
      status: 400,
      message: 'option "width" cannot be combined with variant "thumb"; options that can: format, onerror',
    });
    const contradiction = resolveVariant({ variant: 'avatar', format: 'avif' }, table());
    expect(!contradiction.ok && contradiction.error).toMatchObject({
      tag: 'invalid_option',
      message: 'option "format" conflicts with variant "avatar", which sets it to webp',
    });
    const slow = resolveVariant({ variant: 'thumb', slowConnectionQuality: 'low' }, table());
    expect(!slow.ok && slow.error.message).toMatch(/option "slow-connection-quality" cannot be combined/);
  });

  it('passes requests without a variant through unchanged', () => {
    const options: ImageOptions = { width: 300, fit: 'contain' };
    expect(resolveVariant(options, table())).toEqual({ ok: true, value: options });
  });

  describe('with onlyVariants', () => {
    const policy = { onlyVariants: true };
    it('refuses ad-hoc transforms with 400 unknown_option naming the option', () => {
      const resolved = resolveVariant({ width: 300, format: 'auto' }, table(), policy);
      expect(!resolved.ok && resolved.error).toMatchObject({
        tag: 'unknown_option',
        status: 400,
        message: 'option "width" is not accepted: this origin serves named variants only (variant=<name>, with format, onerror)',
      });
    });
    it('serves variants, plain originals and format changes of originals', () => {
      expect(resolveVariant({ variant: 'thumb', format: 'auto' }, table(), policy).ok).toBe(true);
      expect(resolveVariant({}, table(), policy)).toEqual({ ok: true, value: {} });
      expect(resolveVariant({ format: 'webp' }, table(), policy)).toEqual({ ok: true, value: { format: 'webp' } });
    });
  });
});

describe('isVariantRequest (what signing may exempt)', () => {
  it('is true for a variant with only combinable options', () => {
    expect(isVariantRequest({ variant: 'thumb' })).toBe(true);
    expect(isVariantRequest({ variant: 'thumb', format: 'auto' })).toBe(true);
    expect(isVariantRequest({ variant: 'thumb', width: 10 })).toBe(false);
    expect(isVariantRequest({ width: 10 })).toBe(false);
    expect(isVariantRequest({})).toBe(false);
  });
});
