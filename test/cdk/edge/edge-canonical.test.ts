/**
 * The viewer-request function writes each URL of an enabled grammar in one canonical spelling:
 * what it writes, that the origin reads it exactly as it reads the URL as sent, that a signed URL
 * is never rewritten, and that the work per request stays linear and bounded.
 */
import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { edgeTables } from '../../../lib/cdk/edge/tables.js';
import { URL_GRAMMARS, viewerRequestFunctionCode, type ViewerRequestFunctionOptions } from '../../../lib/cdk/viewer-request-function.js';
import { createImageUrlParser } from '../../../origin/src/grammar/index.js';
import { MAX_STEP_COMPONENTS, MAX_STEPS } from '../../../origin/src/grammar/hosted.js';
import { shortestNumbers, type NumberSpelling } from '../../../origin/src/grammar/spelling.js';
import { normalise } from '../../../origin/src/pipeline/normalise.js';
import { parseVariants, resolveVariant } from '../../../origin/src/pipeline/variants.js';
import { chooseQuality } from '../../../origin/src/transform/negotiate.js';
import { cacheKey, type EdgeHandler, forward, forwardedAccept, forwardedTarget, loadFunction, querystring } from '../../support/edge.js';

const VARIANTS = { thumb: 'width=120,height=120,fit=cover,format=auto', hero: 'width=800,format=webp' };
const AUTO_VARIANTS = ['thumb'];
const all = loadFunction(viewerRequestFunctionCode({ grammars: URL_GRAMMARS, autoFormatVariants: AUTO_VARIANTS })).handler;
const CHROME = { Accept: 'image/avif,image/webp,image/apng,image/*,*/*;q=0.8' };
const canonical = (target: string, handler: EdgeHandler = all) => forwardedTarget(forward(handler, target, CHROME));

describe('canonical form per grammar', () => {
  it.each([
    // Cloudflare: names sorted and unaliased, numbers shortest, escapes of unreserved characters decoded, dpr=1 dropped.
    ['/cdn-cgi/image/w=0600,f=%61uto,dpr=1,fit=cover/a.jpg', '/cdn-cgi/image/fit=cover,format=auto,width=600/a.jpg'],
    [
      '/cdn-cgi/image/%77idth=6%30%30,quality=080,gravity=.50x1.0,fit=cover,h=300/a.jpg',
      '/cdn-cgi/image/fit=cover,gravity=0.5x1,height=300,quality=80,width=600/a.jpg',
    ],
    ['/cdn-cgi/image/dpr=3.0,w=100/a.jpg', '/cdn-cgi/image/dpr=2,width=100/a.jpg'],
    ['/cdn-cgi/image/dpr=1.0/a.jpg', '/cdn-cgi/image/dpr=1/a.jpg'],
    ['/cdn-cgi/image/w=100//photos//a.jpg?utm_source=x&v=3', '/cdn-cgi/image/width=100/photos//a.jpg'],
    ['/cdn-cgi/image/background=%23ff0000,w=1/a.jpg', '/cdn-cgi/image/background=%23ff0000,width=1/a.jpg'],
    // imgix: parameters decoded, sorted, ignorable ones dropped, `auto` values combined, dpr capped at 5.
    ['/a.jpg?ixlib=js-3.8.0&w=0300&auto=format&dpr=1&q=75&utm_source=mail', '/a.jpg?auto=format&q=75&w=300'],
    ['/a.jpg?auto=compress&w=300&auto=format%2Ccompress&dpr=7.0', '/a.jpg?auto=compress,format&dpr=5&w=300'],
    ['//photos/a.jpg?%77=300&fm=%77ebp&or=6&orient=2', '/photos/a.jpg?fm=webp&orient=2&w=300'],
    ['/a.jpg?w=300&s=abc&expires=1', '/a.jpg?w=300'],
    // Cloudinary: components sorted within each step (steps keep their order), version and query gone.
    ['/demo/image/upload/w_0600,c_fill,f_auto/q_080,dpr_2.0/v1699999999/a.jpg?_a=DATA', '/demo/image/upload/c_fill,f_auto,w_600/dpr_2,q_80/a.jpg'],
    ['/image/upload/s--abcdefgh--/dpr_1.0,w_300/e_blur:0300/a.jpg', '/image/upload/w_300/e_blur:300/a.jpg'],
    ['/demo/image/upload/w_600%2Cf_auto/a.jpg', '/demo/image/upload/f_auto,w_600/a.jpg'],
    ['/demo/image/upload/bo_05px_solid_rgb:000000,w_300/a.jpg', '/demo/image/upload/bo_5px_solid_rgb:000000,w_300/a.jpg'],
    // ImageKit: ?tr= folded into the path form, components sorted within each step.
    ['/a.jpg?tr=w-0600,f-auto:dpr-1,q-080', '/tr:f-auto,w-600:q-80/a.jpg'],
    ['/tr:q-80,w-600/photos//a.jpg?tr=f-auto&ik-sdk-version=js-5', '/tr:q-80,w-600:f-auto/photos//a.jpg'],
    ['/tr:w-300,e-sharpen-05.0,e-grayscale//a.jpg', '/tr:e-grayscale,e-sharpen-5,w-300/a.jpg'],
    // Defaults that are all a chain has stay: an empty `tr:` is refused where `tr:dpr-1:dpr-1` is served.
    ['/tr:dpr-1:dpr-1//a.jpg', '/tr:dpr-1:dpr-1/a.jpg'],
    ['/demo/image/upload/dpr_1.0/dpr_1/a.jpg', '/demo/image/upload/dpr_1/dpr_1/a.jpg'],
    // A URL no grammar reads is the source itself: its query goes.
    ['/photos/a.jpg?utm_source=x&v=2', '/photos/a.jpg'],
  ])('%s → %s', (raw, expected) => {
    expect(canonical(raw)).toBe(expected);
    // A fixed point: the canonical form is its own canonical form.
    expect(canonical(expected)).toBe(expected);
  });

  it('keeps what only looks alike: a default that is all a URL has, escapes that are not unreserved characters, colours', () => {
    expect(canonical('/a.jpg?dpr=1')).toBe('/a.jpg?dpr=1');
    expect(canonical('/tr:dpr-1/a.jpg')).toBe('/tr:dpr-1/a.jpg');
    expect(canonical('/cdn-cgi/image/background=rgb(1%2c2,3),w=1/a.jpg')).toBe('/cdn-cgi/image/background=rgb(1%2C2,3),width=1/a.jpg');
    expect(canonical('/a.jpg?bg=000&w=1')).toBe('/a.jpg?bg=000&w=1');
    expect(canonical('/demo/image/upload/f%5Fauto/a.jpg')).toBe('/demo/image/upload/f%5Fauto/a.jpg');
  });

  it("keeps the parameters the cache policy names besides the grammars', as sent", () => {
    const keeping = loadFunction(viewerRequestFunctionCode({ grammars: URL_GRAMMARS, keepQueryStrings: ['ref'] })).handler;
    expect(canonical('/cdn-cgi/image/w=1/a.jpg?ref=x%2Cy&utm_source=z', keeping)).toBe('/cdn-cgi/image/width=1/a.jpg?ref=x%2Cy');
    expect(canonical('/a.jpg?w=2&ref=1', keeping)).toBe('/a.jpg?ref=1&w=2');
  });

  it('negotiates format=auto however it is spelled', () => {
    for (const target of [
      '/cdn-cgi/image/format=%61uto/a.jpg',
      '/cdn-cgi/image/f=%61%75%74%6f/a.jpg',
      '/a.jpg?auto=%66ormat',
      '/a.jpg?%61uto=format',
      '/a.jpg?variant=%74humb',
      '/cdn-cgi/image/variant=t%68umb/a.jpg',
      '/a.jpg?tr=f-%61uto',
      '/demo/image/upload/f_%61uto/a.jpg',
    ]) {
      expect(forwardedAccept(forward(all, target, CHROME)), target).toBe('image/avif,image/webp');
    }
  });

  it('writes the query with an explicit multiValue, so no duplicate survives into the key', () => {
    const request = forward(all, '/a.jpg?w=1&w=2&auto=format&auto=compress', CHROME);
    expect(request.querystring).toEqual({
      auto: { value: 'compress,format', multiValue: [{ value: 'compress,format' }] },
      w: { value: '1', multiValue: [{ value: '1' }, { value: '2' }] },
    });
    expect(request.headers.accept).toEqual({ value: 'image/avif,image/webp', multiValue: [{ value: 'image/avif,image/webp' }] });
  });
});

/** What the origin makes of a request target: the normalised pipeline, or the refusal's tag. */
function originReads(target: string): unknown {
  const table = parseVariants(VARIANTS);
  if (!table.ok) throw table.error;
  const queryAt = target.indexOf('?');
  const pathname = (queryAt < 0 ? target : target.slice(0, queryAt)).replace(/^\/v[0-9]{1,6}\//, '/');
  const parsed = createImageUrlParser(URL_GRAMMARS)(pathname, queryAt < 0 ? '' : target.slice(queryAt));
  if (parsed === undefined) return { original: decodeURIComponent(pathname.slice(1)).replace(/^\/+/, '') };
  if (!parsed.ok) return { refused: parsed.error.tag };
  const resolved = resolveVariant(parsed.value.options, table.value);
  return resolved.ok ? { source: parsed.value.source, pipeline: normalise(resolved.value) } : { refused: resolved.error.tag };
}

describe('the origin reads the canonical form as it reads the URL as sent', () => {
  const spellings = fc.oneof(
    fc
      .tuple(
        fc.shuffledSubarray(
          [
            'w=0600',
            'h=400',
            'fit=cover',
            'f=auto',
            'q=080',
            'dpr=1',
            'dpr=2.0',
            'gravity=.5x1',
            'blur=010',
            'variant=thumb',
            'rotate=90',
            '%77idth=7',
            'trim=01;0;0;0',
            'border=color:red;width:010',
          ],
          { minLength: 1, maxLength: 5 },
        ),
      )
      .map(([options]) => `/cdn-cgi/image/${options.join(',')}/a.jpg`),
    fc
      .tuple(
        fc.shuffledSubarray(
          [
            'w=0300',
            'h=200',
            'fit=crop',
            'auto=format',
            'auto=compress',
            'fm=webp',
            'q=075',
            'dpr=1',
            'dpr=3.0',
            'dpr=9',
            'ixlib=js',
            'utm_source=x',
            'or=6',
            'orient=2',
            'rect=010,0,50,50',
            'ar=16:09',
            'variant=thumb',
            'bg=000',
            'v=3',
            '%77=5',
            's=abc',
            'foo=1',
          ],
          { minLength: 1, maxLength: 6 },
        ),
      )
      .map(([params]) => `/a.jpg?${params.join('&')}`),
    fc
      .tuple(
        fc.array(
          fc.shuffledSubarray(
            ['w_0300', 'h_200', 'c_fill', 'f_auto', 'q_080', 'dpr_1.0', 'dpr_3', 'a_090', 'e_blur:0300', 't_thumb', 'bo_02px_solid_red', 'x_1', '$v_1'],
            { minLength: 1, maxLength: 4 },
          ),
          { minLength: 1, maxLength: 3 },
        ),
        fc.boolean(),
      )
      .map(([steps, version]) => `/demo/image/upload/${steps.map((step) => step.join(',')).join('/')}/${version ? 'v12/' : ''}a.jpg?_a=x`),
    fc
      .tuple(
        fc.array(
          fc.shuffledSubarray(
            ['w-0300', 'h-200', 'f-auto', 'q-080', 'dpr-1', 'dpr-2.50', 'rt-N090', 'e-sharpen', 'e-sharpen-05', 'n-thumb', 'bl-010', 'b-05_FF0000', 't-true'],
            { minLength: 1, maxLength: 4 },
          ),
          { minLength: 1, maxLength: 3 },
        ),
        fc.boolean(),
      )
      .map(([steps, query]) =>
        query ? `/a.jpg?tr=${steps.map((step) => step.join(',')).join(':')}` : `/tr:${steps.map((step) => step.join(',')).join(':')}//a.jpg`,
      ),
  );

  it('serves what it served before rewriting, for the counterexamples the property below has found', () => {
    for (const raw of ['/tr:dpr-1:dpr-1//a.jpg', '/a.jpg?tr=dpr-1:dpr-1', '/demo/image/upload/dpr_1.0/dpr_1/a.jpg']) {
      const before = originReads(raw) as { refused?: string };
      expect(before.refused, raw).toBeUndefined();
      expect(originReads(canonical(raw)), `${raw} → ${canonical(raw)}`).toEqual(before);
    }
  });

  it('gives the same pipeline, or a refusal either way (a refused URL may become a served one, never the reverse)', () => {
    fc.assert(
      fc.property(spellings, (raw) => {
        const written = canonical(raw);
        const before = originReads(raw) as { refused?: string };
        const after = originReads(written) as { refused?: string };
        if (before.refused === undefined) expect(after, `${raw} → ${written}`).toEqual(before);
        expect(canonical(written), written).toBe(written);
      }),
      { numRuns: 3_000 },
    );
  });
});

describe('signatures', () => {
  const signing = loadFunction(viewerRequestFunctionCode({ grammars: URL_GRAMMARS, signing: true, autoFormatVariants: AUTO_VARIANTS })).handler;

  it('with signing on, a URL that carries a signature (or its expiry) is forwarded as sent, Accept aside', () => {
    for (const target of [
      '/cdn-cgi/image/w=1,f=auto/a.jpg?sig=x&expires=9',
      '/a.jpg?w=1&auto=format&s=abc',
      '/a.jpg?w=1&auto=format&expires=9',
      '/demo/image/upload/s--abcdefgh--/w_1,f_auto/a.jpg',
      '/tr:w-1,f-auto/a.jpg?ik-t=9&ik-s=abc',
      '/a.jpg?tr=w-1,f-auto&ik-s=abc',
    ]) {
      const request = forward(signing, target, CHROME);
      expect(forwardedTarget(request), target).toBe(target);
      expect(forwardedAccept(request), target).toBe('image/avif,image/webp');
    }
  });

  it('with signing on, an unsigned URL is written in canonical form like any other', () => {
    expect(canonical('/cdn-cgi/image/w=1,f=auto/a.jpg?utm_source=x', signing)).toBe('/cdn-cgi/image/format=auto,width=1/a.jpg');
    expect(canonical('/demo/image/upload/w_1,c_fill/a.jpg', signing)).toBe('/demo/image/upload/c_fill,w_1/a.jpg');
  });

  it('with signing off, signature-like names are just names', () => {
    expect(canonical('/cdn-cgi/image/w=1,f=auto/a.jpg?sig=x&expires=9')).toBe('/cdn-cgi/image/format=auto,width=1/a.jpg');
    expect(canonical('/demo/image/upload/s--abcdefgh--/w_1,c_fill/a.jpg')).toBe('/demo/image/upload/c_fill,w_1/a.jpg');
    expect(canonical('/tr:w-1/a.jpg?ik-s=abc&ik-t=9')).toBe('/tr:w-1/a.jpg');
  });
});

describe('bounded work', () => {
  it(`leaves a chain longer than the origin accepts (${MAX_STEPS} steps, ${MAX_STEP_COMPONENTS} components) as sent; the origin refuses it`, () => {
    const steps = Array.from({ length: MAX_STEPS + 1 }, () => 'w_1').join('/');
    const components = Array.from({ length: MAX_STEP_COMPONENTS + 1 }, (_, i) => `x_${i}`).join(',');
    const imagekit = Array.from({ length: MAX_STEPS + 1 }, () => 'w-1').join(':');
    for (const target of [`/image/upload/${steps}/a.jpg`, `/image/upload/${components}/a.jpg`, `/tr:${imagekit}/a.jpg`]) {
      const request = forward(all, target, CHROME);
      expect(request.uri, target).toBe(target.split('?')[0]);
      expect(forwardedAccept(request)).toBeUndefined();
      expect(originReads(target)).toEqual({ refused: 'operation_too_costly' });
    }
    const within = Array.from({ length: MAX_STEPS }, () => 'w_1').join('/');
    expect(canonical(`/image/upload/${within}/a.jpg`)).toBe(`/image/upload/${within}/a.jpg`);
  });

  it('reads at most 64 options or parameters', () => {
    const params = Array.from({ length: 65 }, (_, i) => `utm_${i}=1`).join('&');
    expect(canonical(`/a.jpg?w=1&${params}`)).toBe(`/a.jpg?w=1&${params}`);
  });

  /**
   * The work of one request, counted without a clock: the sizes of the strings and arrays the
   * function's built-in calls go through. A loop that copies or rescans what it has read (the
   * former Cloudinary loop) grows with the square of the URL; linear code doubles with it.
   */
  function work(code: string, target: string, headers: Record<string, string> = {}): number {
    const context = vm.createContext({});
    vm.runInContext(
      `'use strict';
      var work = 0;
      [String.prototype, Array.prototype, RegExp.prototype].forEach(function (prototype) {
        Object.getOwnPropertyNames(prototype).forEach(function (name) {
          var original = prototype[name];
          if (typeof original !== 'function' || name === 'constructor' || name === 'toString') return;
          // A copy costs what it copies, a lookup one step, a regular expression what it scans (the
          // string methods that take one call its exec), anything else a pass over its receiver.
          if (prototype === RegExp.prototype && name !== 'exec') return;
          var copies = name === 'substring' || name === 'slice' || name === 'substr';
          var steps = name === 'charAt' || name === 'charCodeAt' || name === 'push' || name === 'pop';
          prototype[name] = function () {
            var start = name === 'exec' && (this.global || this.sticky) ? this.lastIndex : 0;
            var result = original.apply(this, arguments);
            // A sticky expression (how split walks a string) tries one position.
            if (name === 'exec' && this.sticky) work += result ? result[0].length : 1;
            else if (name === 'exec') work += (result ? result.index + result[0].length : String(arguments[0]).length) - start;
            else if (copies) work += result.length;
            else if (steps) work += 1;
            else if (!(arguments[0] instanceof RegExp)) work += this && typeof this.length === 'number' ? this.length : 0;
            return result;
          };
        });
      });`,
      context,
    );
    vm.runInContext(code, context);
    (context.handler as EdgeHandler)(
      JSON.parse(
        JSON.stringify({
          request: {
            method: 'GET',
            ...splitTarget(target),
            headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, { value: v }])),
            cookies: {},
          },
        }),
      ),
    );
    return context.work as number;
  }
  const splitTarget = (target: string) => {
    const queryAt = target.indexOf('?');
    return { uri: queryAt < 0 ? target : target.slice(0, queryAt), querystring: querystring(queryAt < 0 ? '' : target.slice(queryAt + 1)) };
  };

  const code = viewerRequestFunctionCode({ grammars: URL_GRAMMARS, autoFormatVariants: AUTO_VARIANTS });
  it.each([
    ['Cloudinary steps', (n: number) => `/image/upload/${'w_1,h_1/'.repeat(n)}a.jpg`],
    ['Cloudinary source segments', (n: number) => `/image/upload/w_1/${'a/'.repeat(n)}a.jpg`],
    ['ImageKit steps', (n: number) => `/tr:${Array.from({ length: n }, () => 'w-1,h-1').join(':')}/a.jpg`],
    ['Cloudflare options', (n: number) => `/cdn-cgi/image/${Array.from({ length: n }, (_, i) => `o${i}=${i}`).join(',')}/a.jpg`],
    ['Cloudflare values', (n: number) => `/cdn-cgi/image/width=${'0'.repeat(n)}1,background=${'%41'.repeat(n)}/a.jpg`],
    ['imgix parameters', (n: number) => `/a.jpg?${Array.from({ length: n }, (_, i) => `utm_${i}=${i}`).join('&')}&w=1`],
    ['imgix auto values', (n: number) => `/a.jpg?${Array.from({ length: 40 }, () => `auto=${'compress,'.repeat(n / 40)}format`).join('&')}&w=1`],
    ['operational spellings', (n: number) => `/${'%2525'.repeat(n)}metrics`],
  ])('%s: the work grows no faster than the URL', (_name, url) => {
    const [small, large] = [url(400), url(800)];
    const [smallWork, largeWork] = [work(code, small), work(code, large)];
    expect(largeWork / smallWork).toBeLessThan(2.3);
    // And stays a small multiple of the URL's length.
    expect(largeWork).toBeLessThan(60 * large.length);
  });

  it('a huge Accept header costs its first 4096 characters', () => {
    const header = 'x/y;q=0.5,'.repeat(50_000);
    expect(work(code, '/cdn-cgi/image/format=auto/a.jpg', { accept: header })).toBeLessThan(40_000);
  });
});

describe("the function's tables are the origin's", () => {
  const tablesOf = (options: ViewerRequestFunctionOptions) =>
    JSON.parse(JSON.stringify(loadFunction(viewerRequestFunctionCode(options, { mangle: false })).context.TABLES)) as Record<string, unknown>;

  it('deploys exactly the tables the grammar modules give, for the enabled grammars only', () => {
    expect(tablesOf({ grammars: URL_GRAMMARS })).toEqual(edgeTables(new Set(URL_GRAMMARS)));
    expect(Object.keys(tablesOf({ grammars: ['cloudflare'] })).sort()).toEqual(['cloudflare', 'presets', 'slow']);
    expect(Object.keys(tablesOf({ grammars: ['imgix'] }))).toEqual(['imgix']);
  });

  it("resolves slow-connection-quality exactly as the origin's chooseQuality decides", () => {
    const fn = loadFunction(viewerRequestFunctionCode()).handler;
    const hint = fc.option(
      fc.oneof(
        fc.constantFrom('on', 'off', ' ON ', 'slow-2g', '2g', '3g', '4g', '150', '150.001', '151', '4.999', '5', '0', '', 'x'),
        fc.double({ min: 0, max: 1000, noNaN: true }).map(String),
      ),
      { nil: undefined },
    );
    fc.assert(
      fc.property(fc.record({ 'save-data': hint, ect: hint, rtt: hint, downlink: hint }), (hints) => {
        const headers = Object.fromEntries(Object.entries(hints).filter(([, v]) => v !== undefined)) as Record<string, string>;
        const origin = chooseQuality(
          { format: 'original', quality: 85, slowConnectionQuality: 40, metadata: 'copyright', animated: true, compression: 'default' },
          (name) => headers[name],
        ).quality;
        expect(forward(fn, '/cdn-cgi/image/quality=85,scq=40/a.jpg', headers).uri).toBe(`/cdn-cgi/image/quality=${origin}/a.jpg`);
      }),
      { numRuns: 1_000 },
    );
  });

  it('respells numbers exactly as origin/src/grammar/spelling.ts does', () => {
    const { context } = loadFunction(viewerRequestFunctionCode({ grammars: URL_GRAMMARS }, { mangle: false }));
    const edge = context.shortestNumbers as (value: string, spelling: NumberSpelling) => string;
    const value = fc.stringMatching(/^[-0-9.:;,x_a-f]{0,24}$/);
    fc.assert(
      fc.property(value, fc.constantFrom<NumberSpelling>('i', 'd', 'p'), (text, spelling) => {
        expect(edge(text, spelling)).toBe(shortestNumbers(text, spelling));
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives cacheKey the forwarded path, query and Accept', () => {
    expect(cacheKey(forward(all, '/a.jpg?auto=format&w=1', CHROME))).toBe('/a.jpg?auto=format&w=1 | image/avif,image/webp');
  });
});
