/**
 * The viewer-request CloudFront Function, run in a bare V8 context (ECMAScript built-ins only,
 * none of Node's globals) against CloudFront-shaped viewer-request events. The code under test
 * is what the constructs deploy: viewerRequestFunctionCode() for each configuration.
 */
import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLOUDFRONT_FUNCTION_MAX_BYTES,
  readViewerRequestFunctionCode,
  URL_GRAMMARS,
  type UrlGrammar,
  viewerRequestFunctionCode,
  type ViewerRequestFunctionOptions,
} from '../../../lib/cdk/viewer-request-function.js';
import { DEFAULT_VERSION_PATTERN } from '../../../origin/src/config.js';
import { CLOUDFLARE_ALIASES, formatCloudflareOptions, parseCloudflareOptions } from '../../../origin/src/grammar/cloudflare.js';
import { createImageUrlParser } from '../../../origin/src/grammar/index.js';
import { parseVariants, resolveVariant } from '../../../origin/src/pipeline/variants.js';
import { cloudinarySignature } from '../../../origin/src/signing/cloudinary.js';
import { imagekitSignature } from '../../../origin/src/signing/imagekit.js';
import { imgixSignature } from '../../../origin/src/signing/imgix.js';
import { signPath } from '../../../origin/src/signing/native.js';
import { verifyRequest } from '../../../origin/src/signing/verify.js';
import { acceptedImageTypes } from '../../../origin/src/transform/negotiate.js';
import { viewerRequest } from '../../support/edge.js';
import { es5Problems } from '../../support/es5.js';

interface HeaderValue {
  value: string;
  multiValue?: Array<{ value: string }>;
}
interface ViewerRequest {
  method: string;
  uri: string;
  querystring: Record<string, HeaderValue>;
  headers: Record<string, HeaderValue>;
  cookies: Record<string, HeaderValue>;
}
type Handler = (event: unknown) => ViewerRequest;

/** Compiles function code in a fresh context, as CloudFront runs it: strict, no modules, no Node. */
function load(code: string): { handler: Handler; context: vm.Context } {
  const context = vm.createContext({});
  vm.runInContext(`'use strict';\n${code}`, context, { filename: 'viewer-request.js' });
  return { handler: context.handler as Handler, context };
}

const deployed = (options: ViewerRequestFunctionOptions = {}) => load(viewerRequestFunctionCode(options));
/** The same function with its names as written, to read its tables. */
const readable = (options: ViewerRequestFunctionOptions = {}) => load(viewerRequestFunctionCode(options, { mangle: false }));
const cloudflareOnly = deployed();

const ACCEPT = {
  chrome: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  firefox: 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  safari17: 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  safari15: 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
  curl: '*/*',
} as const;

/** Runs a function and returns a plain copy of the request it forwards. */
function runWith(handler: Handler, target: string, headers: Record<string, string | string[]> = {}): ViewerRequest {
  return JSON.parse(JSON.stringify(handler(viewerRequest(target, headers)))) as ViewerRequest;
}

/** The Cloudflare-only function every distribution gets by default. */
const run = (target: string, headers: Record<string, string | string[]> = {}) => runWith(cloudflareOnly.handler, target, headers);

const acceptOf = (request: ViewerRequest) => request.headers.accept?.value;

describe('Accept normalisation for format=auto', () => {
  it.each([
    ['Chrome', ACCEPT.chrome, 'image/avif,image/webp'],
    ['Firefox', ACCEPT.firefox, 'image/avif,image/webp'],
    ['Safari 17', ACCEPT.safari17, 'image/avif,image/webp'],
    ['Safari 15 (no AVIF)', ACCEPT.safari15, 'image/webp'],
  ])('%s gets one normalised Accept value', (_browser, accept, expected) => {
    const request = run('/cdn-cgi/image/width=600,format=auto/photos/a.jpg', { Accept: accept });
    expect(acceptOf(request)).toBe(expected);
    // Written with an explicit multiValue, so a second Accept header cannot survive into the key.
    expect(request.headers.accept?.multiValue).toEqual([{ value: expected }]);
  });

  it('curl (*/*) and clients without Accept lose the header: wildcards imply neither AVIF nor WebP', () => {
    expect(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: ACCEPT.curl }).headers).not.toHaveProperty('accept');
    expect(run('/cdn-cgi/image/format=auto/a.jpg').headers).not.toHaveProperty('accept');
    expect(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/*' }).headers).not.toHaveProperty('accept');
  });

  it('the f=auto alias negotiates too', () => {
    expect(acceptOf(run('/cdn-cgi/image/f=auto,w=300/a.jpg', { Accept: ACCEPT.chrome }))).toBe('image/avif,image/webp');
  });

  it('q=0 refuses a type, in any spelling of the parameter', () => {
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/avif;q=0,image/webp' }))).toBe('image/webp');
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/avif; Q=0.000, image/webp;q=0.5' }))).toBe('image/webp');
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/avif;q=0.001' }))).toBe('image/avif');
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/avif;q=abc,image/webp;q=0' }))).toBeUndefined();
  });

  it('media types are case-insensitive; near-misses do not count', () => {
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'IMAGE/AVIF, Image/WebP' }))).toBe('image/avif,image/webp');
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/avifx,image/webp2,xxx/image/avif' }))).toBeUndefined();
  });

  it('repeated Accept headers are read together', () => {
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: ['image/webp', 'image/avif'] }))).toBe('image/avif,image/webp');
  });

  it('only the first 4096 characters of a huge Accept count, as at the origin', () => {
    const padding = `${'x/y;q=0.5,'.repeat(12_000)}`;
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: `image/webp,${padding}image/avif` }))).toBe('image/webp');
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: `${padding}image/avif,image/webp` }))).toBeUndefined();
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: ','.repeat(100_000) }))).toBeUndefined();
  });

  it('agrees with the origin: the normalised value selects exactly the AVIF/WebP the raw header accepted', () => {
    const range = fc.record({
      type: fc.constantFrom('image/avif', 'image/webp', 'image/png', 'image/*', '*/*', 'video/*', 'image/jxl'),
      upper: fc.boolean(),
      q: fc.option(fc.constantFrom('0', '0.0', '1', '0.8', '0.001', 'x', ''), { nil: undefined }),
      space: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(range, { maxLength: 8 }), (ranges) => {
        const raw = ranges
          .map((r) => `${r.upper ? r.type.toUpperCase() : r.type}${r.q === undefined ? '' : `${r.space ? '; ' : ';'}q=${r.q}`}`)
          .join(ranges[0]?.space ? ', ' : ',');
        const origin = acceptedImageTypes(raw);
        const expected = ['image/avif', 'image/webp'].filter((type) => origin.has(type));
        const normalised = acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: raw }));
        expect(normalised === undefined ? [] : normalised.split(',')).toEqual(expected);
        // The origin reads the normalised value the same way.
        const reread = acceptedImageTypes(normalised);
        expect(['image/avif', 'image/webp'].filter((type) => reread.has(type))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('one cache entry for URLs that do not negotiate', () => {
  it('explicit formats drop Accept, so every browser sends the same request', () => {
    const forwarded = Object.values(ACCEPT).map((accept) => run('/cdn-cgi/image/width=600,format=webp/a.jpg', { Accept: accept }));
    for (const request of forwarded) {
      expect(request.headers).not.toHaveProperty('accept');
      expect(request).toEqual(forwarded[0]);
    }
  });

  it('no format option, and URLs outside the Cloudflare grammar, also drop Accept', () => {
    expect(run('/cdn-cgi/image/width=600/a.jpg', { Accept: ACCEPT.chrome }).headers).not.toHaveProperty('accept');
    const raw = run('/photos/a.jpg', { Accept: ACCEPT.chrome });
    expect(raw.headers).not.toHaveProperty('accept');
    expect(raw.uri).toBe('/photos/a.jpg');
  });

  it('keeps other headers as they are', () => {
    const request = run('/cdn-cgi/image/format=auto/a.jpg', { Accept: ACCEPT.chrome, 'User-Agent': 'x', 'If-None-Match': '"abc"' });
    expect(request.headers['user-agent']).toEqual({ value: 'x' });
    expect(request.headers['if-none-match']).toEqual({ value: '"abc"' });
  });
});

describe('canonical option order', () => {
  it('orders options by name so equivalent URLs share a cache key', () => {
    const expected = '/cdn-cgi/image/fit=cover,width=600/photos/2024/a.jpg';
    expect(run('/cdn-cgi/image/width=600,fit=cover/photos/2024/a.jpg').uri).toBe(expected);
    expect(run('/cdn-cgi/image/fit=cover,width=600/photos/2024/a.jpg').uri).toBe(expected);
    expect(run('/cdn-cgi/image/fit=cover,w=600/photos/2024/a.jpg').uri).toBe(expected);
  });

  it("expands exactly the origin's aliases", () => {
    expect({ ...(readable().context.TABLES as { cloudflare: { aliases: Record<string, string> } }).cloudflare.aliases }).toEqual({ ...CLOUDFLARE_ALIASES });
    for (const [alias, name] of Object.entries(CLOUDFLARE_ALIASES)) {
      expect(run(`/cdn-cgi/image/${alias}=7/a.jpg`).uri).toBe(`/cdn-cgi/image/${name}=7/a.jpg`);
    }
  });

  it('keeps values byte for byte, including encoded characters and commas inside parentheses', () => {
    expect(run('/cdn-cgi/image/width=10,background=rgb(1,2,3)/a.jpg').uri).toBe('/cdn-cgi/image/background=rgb(1,2,3),width=10/a.jpg');
    expect(run('/cdn-cgi/image/w=10,background=%23FF0000/a%20b.jpg').uri).toBe('/cdn-cgi/image/background=%23FF0000,width=10/a%20b.jpg');
  });

  it("matches the origin's canonical form for any order and spelling of valid options", () => {
    // Values already in their canonical spelling, so the only difference can be order and aliases.
    const pool = [
      'width=600',
      'height=400',
      'quality=80',
      'format=auto',
      'fit=cover',
      'gravity=left',
      'dpr=2',
      'blur=10',
      'sharpen=2',
      'rotate=90',
      'metadata=none',
      'anim=false',
      'background=%23ff0000',
      'brightness=1.5',
      'onerror=redirect',
      'compression=fast',
      'contrast=1.2',
      'gamma=2',
    ];
    const reverse = new Map(Object.entries(CLOUDFLARE_ALIASES).map(([alias, name]) => [name, alias]));
    fc.assert(
      fc.property(
        fc.shuffledSubarray(pool, { minLength: 1 }),
        fc.array(fc.boolean(), { minLength: pool.length, maxLength: pool.length }),
        (options, useAlias) => {
          const written = options
            .map((option, i) => {
              const [name, value] = option.split('=') as [string, string];
              const alias = reverse.get(name);
              return alias && useAlias[i] ? `${alias}=${value}` : option;
            })
            .join(',');
          const parsed = parseCloudflareOptions(written);
          if (!parsed.ok) throw new Error(`origin rejected ${written}`);
          const uri = run(`/cdn-cgi/image/${written}/a.jpg`).uri;
          expect(uri).toBe(`/cdn-cgi/image/${formatCloudflareOptions(parsed.value)}/a.jpg`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('leaves malformed option lists for the origin to reject, and drops Accept', () => {
    for (const uri of [
      '/cdn-cgi/image/width=600,,fit=cover/a.jpg',
      '/cdn-cgi/image/width/a.jpg',
      '/cdn-cgi/image/=5,format=auto/a.jpg',
      '/cdn-cgi/image/format=auto',
      '/cdn-cgi/image//a.jpg',
      '/cdn-cgi/image/',
    ]) {
      const request = run(uri, { Accept: ACCEPT.chrome });
      expect(request.uri).toBe(uri);
      expect(request.headers).not.toHaveProperty('accept');
    }
  });

  it('leaves absurdly long option lists alone', () => {
    const options = Array.from({ length: 65 }, (_, i) => `x${i}=1`).join(',');
    expect(run(`/cdn-cgi/image/${options}/a.jpg`).uri).toBe(`/cdn-cgi/image/${options}/a.jpg`);
  });

  it('treats Object.prototype names as plain option names', () => {
    expect(run('/cdn-cgi/image/width=5,constructor=1,__proto__=2,toString=3/a.jpg').uri).toBe(
      '/cdn-cgi/image/__proto__=2,constructor=1,toString=3,width=5/a.jpg',
    );
  });

  it('is idempotent: a normalised request passes through unchanged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('w=1', 'h=2', 'fit=cover', 'f=auto', 'format=webp', 'q=50', 'g=auto', 'dpr=2', 'bad'), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...Object.values(ACCEPT), ''),
        (options, accept) => {
          const once = run(`/cdn-cgi/image/${options.join(',')}/a.jpg`, accept ? { Accept: accept } : {});
          const headers: Record<string, string> = once.headers.accept ? { accept: once.headers.accept.value } : {};
          expect(run(once.uri, headers)).toEqual(once);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('slow-connection-quality is resolved at the edge', () => {
  it('uses it as the quality when a client hint says the connection is slow', () => {
    for (const hints of [{ 'Save-Data': 'on' }, { ECT: '3g' }, { RTT: '300' }, { Downlink: '1.5' }] as Array<Record<string, string>>) {
      expect(run('/cdn-cgi/image/width=600,quality=85,scq=40/a.jpg', hints).uri).toBe('/cdn-cgi/image/quality=40,width=600/a.jpg');
    }
  });

  it('drops it on a fast connection or without hints', () => {
    expect(run('/cdn-cgi/image/width=600,quality=85,slow-connection-quality=40/a.jpg').uri).toBe('/cdn-cgi/image/quality=85,width=600/a.jpg');
    expect(run('/cdn-cgi/image/width=600,scq=low/a.jpg', { ECT: '4g', RTT: '50', Downlink: '10', 'Save-Data': 'off' }).uri).toBe(
      '/cdn-cgi/image/width=600/a.jpg',
    );
  });

  it('leaves an invalid value for the origin to reject', () => {
    expect(run('/cdn-cgi/image/width=600,scq=0/a.jpg', { 'Save-Data': 'on' }).uri).toBe('/cdn-cgi/image/slow-connection-quality=0,width=600/a.jpg');
    expect(run('/cdn-cgi/image/width=600,scq=fast/a.jpg').uri).toBe('/cdn-cgi/image/slow-connection-quality=fast,width=600/a.jpg');
  });
});

describe('versioned URLs (/v2/cdn-cgi/image/...)', () => {
  it('canonicalises the options and keeps the version segment', () => {
    expect(run('/v2/cdn-cgi/image/width=600,fit=cover/a.jpg').uri).toBe('/v2/cdn-cgi/image/fit=cover,width=600/a.jpg');
    expect(run('/v123456/cdn-cgi/image/w=600/a.jpg').uri).toBe('/v123456/cdn-cgi/image/width=600/a.jpg');
    expect(acceptOf(run('/v2/cdn-cgi/image/f=auto,w=600/a.jpg', { Accept: ACCEPT.chrome }))).toBe('image/avif,image/webp');
    expect(run('/v2/cdn-cgi/image/width=600/a.jpg', { Accept: ACCEPT.chrome }).headers).not.toHaveProperty('accept');
  });

  it('treats only what the origin strips as a version, and leaves anything else alone', () => {
    for (const uri of [
      '/v1234567/cdn-cgi/image/width=600,fit=cover/a.jpg',
      '/V2/cdn-cgi/image/width=600,fit=cover/a.jpg',
      '/v2/v3/cdn-cgi/image/width=600,fit=cover/a.jpg',
      '/v/cdn-cgi/image/width=600,fit=cover/a.jpg',
      '/x2/cdn-cgi/image/width=600,fit=cover/a.jpg',
    ]) {
      const request = run(uri, { Accept: ACCEPT.chrome });
      expect(request.uri).toBe(uri);
      expect(request.headers).not.toHaveProperty('accept');
    }
  });

  it("agrees with the origin's version pattern on which prefixes are versions", () => {
    const version = new RegExp(DEFAULT_VERSION_PATTERN);
    fc.assert(
      fc.property(fc.stringMatching(/^\/[vV]?[0-9]{0,8}\/$/), (prefix) => {
        const uri = `${prefix}cdn-cgi/image/width=600,fit=cover/a.jpg`;
        const rewritten = run(uri).uri !== uri;
        expect(rewritten).toBe(version.test(uri));
        if (rewritten) expect(run(uri).uri).toBe(`${prefix}cdn-cgi/image/fit=cover,width=600/a.jpg`);
      }),
      { numRuns: 200 },
    );
  });

  it('follows a configured pattern, or none', () => {
    const custom = deployed({ versionPattern: '^/release-[0-9]+/' });
    expect(runWith(custom.handler, '/release-7/cdn-cgi/image/width=1,fit=cover/a.jpg').uri).toBe('/release-7/cdn-cgi/image/fit=cover,width=1/a.jpg');
    expect(runWith(custom.handler, '/v2/cdn-cgi/image/width=1,fit=cover/a.jpg').uri).toBe('/v2/cdn-cgi/image/width=1,fit=cover/a.jpg');
    const none = deployed({ versionPattern: '' });
    expect(runWith(none.handler, '/v2/cdn-cgi/image/width=1,fit=cover/a.jpg').uri).toBe('/v2/cdn-cgi/image/width=1,fit=cover/a.jpg');
    expect(runWith(none.handler, '/cdn-cgi/image/width=1,fit=cover/a.jpg').uri).toBe('/cdn-cgi/image/fit=cover,width=1/a.jpg');
  });
});

const VARIANTS = { thumb: 'width=120,height=120,fit=cover,format=auto', hero: 'width=1600,quality=80' };
const variantTable = (() => {
  const table = parseVariants(VARIANTS);
  if (!table.ok) throw table.error;
  return table.value;
})();
const AUTO_VARIANTS = ['thumb'];

/**
 * Whether the origin, with these grammars, negotiates the format for `target`: true or false
 * for a URL it serves, undefined for one it rejects (the function may then guess either way).
 */
function originNegotiates(grammars: readonly UrlGrammar[], target: string, imagekitEndpoint = '/'): boolean | undefined {
  const queryAt = target.indexOf('?');
  const pathname = (queryAt < 0 ? target : target.slice(0, queryAt)).replace(new RegExp(DEFAULT_VERSION_PATTERN), '/');
  const parsed = createImageUrlParser(grammars, { imagekitEndpoint })(pathname, queryAt < 0 ? '' : target.slice(queryAt));
  if (parsed === undefined) return false;
  if (!parsed.ok) return undefined;
  const resolved = resolveVariant(parsed.value.options, variantTable);
  return resolved.ok ? resolved.value.format === 'auto' : undefined;
}

/** URLs of every grammar, asking for format=auto in each way it can be asked, and not. */
const CORPUS = [
  '/cdn-cgi/image/width=600,format=auto/a.jpg',
  '/cdn-cgi/image/f=auto/a.jpg',
  '/cdn-cgi/image/format=webp/a.jpg',
  '/cdn-cgi/image/width=600/a.jpg',
  '/cdn-cgi/image/variant=thumb/a.jpg',
  '/cdn-cgi/image/variant=hero/a.jpg',
  '/cdn-cgi/image/variant=hero,format=auto/a.jpg',
  '/v2/cdn-cgi/image/width=600,format=auto/a.jpg',
  '/v1234567/cdn-cgi/image/format=auto/a.jpg',
  '/a.jpg?w=600&auto=format',
  '/a.jpg?auto=compress,format&q=60',
  '/a.jpg?auto=format%2Ccompress',
  '/a.jpg?auto=compress&auto=format',
  '/a.jpg?w=600&auto=compress',
  '/a.jpg?fm=webp',
  '/a.jpg?fm=webp&auto=format',
  '/a.jpg?variant=thumb',
  '/a.jpg?variant=hero',
  '/v3/photos/a.jpg?auto=format',
  '/a.jpg',
  '/photos/a.jpg?w=600',
  '/demo/image/upload/w_600,f_auto/a.jpg',
  '/image/upload/f_auto/a.jpg',
  '/demo/image/upload/c_fill,w_600,h_400/f_auto,q_auto/a.jpg',
  '/demo/image/upload/w_600,f_webp/a.jpg',
  '/demo/image/upload/w_600/a.jpg',
  '/demo/image/upload/t_thumb/a.jpg',
  '/demo/image/upload/t_hero/a.jpg',
  '/demo/image/upload/w_600/v1699999999/f_auto/a.jpg',
  '/demo/image/upload/f_auto',
  '/demo/image/upload/f_auto/v1699999999/photos/a.jpg',
  '/v2/demo/image/upload/f_auto/a.jpg',
  '/demo/image/upload/f%5Fauto/a.jpg',
  '/tr:w-600,f-auto/a.jpg',
  '/a.jpg?tr=w-600,f-auto',
  '/a.jpg?tr=w-600%2Cf-auto',
  '/tr:w-600:f-auto/a.jpg',
  '/tr:w-600,f-webp/a.jpg',
  '/tr:n-thumb/a.jpg',
  '/tr:n-hero/a.jpg',
  '/tr:w-600/a.jpg?tr=f-auto',
  '/v2/tr:f-auto/a.jpg',
  '/tr:w-600/a.jpg',
];

const GRAMMAR_SETS: ReadonlyArray<readonly UrlGrammar[]> = [
  ['cloudflare'],
  ['imgix'],
  ['cloudinary'],
  ['imagekit'],
  ['cloudflare', 'imgix'],
  ['cloudflare', 'cloudinary', 'imagekit'],
  URL_GRAMMARS,
];

describe('format=auto in every enabled grammar', () => {
  it.each(GRAMMAR_SETS.map((grammars) => [grammars.join(','), grammars] as const))(
    '%s: keeps Accept exactly for the URLs the origin negotiates',
    (_name, grammars) => {
      const fn = deployed({ grammars, autoFormatVariants: AUTO_VARIANTS });
      let negotiated = 0;
      for (const target of CORPUS) {
        const origin = originNegotiates(grammars, target);
        if (origin === undefined) continue;
        const accept = acceptOf(runWith(fn.handler, target, { Accept: ACCEPT.chrome }));
        expect(accept, target).toBe(origin ? 'image/avif,image/webp' : undefined);
        if (origin) negotiated++;
      }
      expect(negotiated).toBeGreaterThanOrEqual(4);
    },
  );

  it("recognises each grammar's marker, and a variant defined with format=auto", () => {
    const all = deployed({ grammars: URL_GRAMMARS, autoFormatVariants: AUTO_VARIANTS });
    const negotiates = (target: string) => acceptOf(runWith(all.handler, target, { Accept: ACCEPT.safari15 })) === 'image/webp';
    expect(negotiates('/cdn-cgi/image/width=600,format=auto/a.jpg')).toBe(true);
    expect(negotiates('/cdn-cgi/image/variant=thumb/a.jpg')).toBe(true);
    expect(negotiates('/a.jpg?w=600&auto=compress,format')).toBe(true);
    expect(negotiates('/a.jpg?variant=thumb')).toBe(true);
    expect(negotiates('/demo/image/upload/c_fill,w_600/f_auto/a.jpg')).toBe(true);
    expect(negotiates('/demo/image/upload/t_thumb/a.jpg')).toBe(true);
    expect(negotiates('/tr:w-600,f-auto/a.jpg')).toBe(true);
    expect(negotiates('/a.jpg?tr=w-600:f-auto')).toBe(true);
    expect(negotiates('/tr:n-thumb/a.jpg')).toBe(true);
    for (const target of ['/a.jpg?w=600&auto=compress', '/demo/image/upload/f_webp/a.jpg', '/tr:f-png/a.jpg', '/tr:n-hero/a.jpg', '/a.jpg']) {
      expect(negotiates(target), target).toBe(false);
    }
  });

  it('reads query values whether or not CloudFront has decoded them', () => {
    const all = deployed({ grammars: URL_GRAMMARS });
    expect(acceptOf(runWith(all.handler, '/a.jpg?auto=format%2Ccompress', { Accept: ACCEPT.chrome }))).toBe('image/avif,image/webp');
    expect(acceptOf(runWith(all.handler, '/a.jpg?auto=format,compress', { Accept: ACCEPT.chrome }))).toBe('image/avif,image/webp');
    expect(acceptOf(runWith(all.handler, '/a.jpg?auto=%E0%A4%A', { Accept: ACCEPT.chrome }))).toBeUndefined();
  });

  it('ignores the markers of grammars the origin does not parse', () => {
    for (const target of ['/a.jpg?auto=format', '/demo/image/upload/f_auto/a.jpg', '/tr:f-auto/a.jpg', '/a.jpg?tr=f-auto']) {
      expect(run(target, { Accept: ACCEPT.chrome }).headers, target).not.toHaveProperty('accept');
    }
    const imgixOnly = deployed({ grammars: ['imgix'] });
    const cloudflareUrl = runWith(imgixOnly.handler, '/cdn-cgi/image/width=600,format=auto/a.jpg', { Accept: ACCEPT.chrome });
    expect(cloudflareUrl.uri).toBe('/cdn-cgi/image/width=600,format=auto/a.jpg');
    expect(cloudflareUrl.headers).not.toHaveProperty('accept');
  });

  it('finds ImageKit URLs under the configured endpoint only', () => {
    const endpoint = '/ik_demo/';
    const fn = deployed({ grammars: ['imagekit'], imagekitEndpoint: endpoint });
    for (const target of ['/ik_demo/tr:w-600,f-auto/a.jpg', '/ik_demo/a.jpg?tr=f-auto', '/tr:w-600,f-auto/a.jpg', '/other/tr:f-auto/a.jpg']) {
      const origin = originNegotiates(['imagekit'], target, endpoint);
      expect(acceptOf(runWith(fn.handler, target, { Accept: ACCEPT.chrome })), target).toBe(origin ? 'image/avif,image/webp' : undefined);
    }
    expect(acceptOf(runWith(fn.handler, '/ik_demo/tr:f-auto/a.jpg', { Accept: ACCEPT.chrome }))).toBe('image/avif,image/webp');
  });
});

describe('signed URLs pass unchanged apart from Accept', () => {
  const KEY = 'a-signing-key-of-32-characters!!';
  const now = Math.floor(Date.now() / 1000);
  const expires = now + 3600;
  const all = deployed({ grammars: URL_GRAMMARS, autoFormatVariants: AUTO_VARIANTS, signing: true });
  const cloudflareSigned = deployed({ signing: true });
  const signed = (result: ReturnType<typeof signPath>) => {
    if (!result.ok) throw result.error;
    return result.value;
  };
  const cloudflarePath = '/cdn-cgi/image/width=600,fit=cover,scq=40,f=auto/a.jpg';
  const cases: Array<[string, string]> = [
    ['native sig/expires', signed(signPath(cloudflarePath, { key: KEY, expiresAt: expires }))],
    ['native, versioned', signed(signPath(`/v2${cloudflarePath}`, { key: KEY }))],
    ['imgix s on a Cloudflare URL', `${cloudflarePath}?s=${imgixSignature(KEY, cloudflarePath)}`],
    ['imgix s', `/a.jpg?w=600&auto=format&s=${imgixSignature(KEY, '/a.jpg?w=600&auto=format')}`],
    ['Cloudinary s--…--', `/demo/image/upload/s--${cloudinarySignature(KEY, 'w_600,f_auto/a.jpg')}--/w_600,f_auto/a.jpg`],
    ['ImageKit ik-s/ik-t', `/tr:w-600,f-auto/a.jpg?ik-t=${expires}&ik-s=${imagekitSignature(KEY, 'tr:w-600,f-auto/a.jpg', expires)}`],
    ['ImageKit ik-s on a Cloudflare URL', `${cloudflarePath}?ik-s=${imagekitSignature(KEY, cloudflarePath.slice(1))}`],
  ];

  const verify = (target: string) => {
    const queryAt = target.indexOf('?');
    return verifyRequest(queryAt < 0 ? target : target.slice(0, queryAt), queryAt < 0 ? '' : target.slice(queryAt), {
      keys: [KEY],
      mode: 'required',
      now,
      schemes: ['native', 'imgix', 'cloudinary', 'imagekit'],
      imagekitEndpoint: '/',
    });
  };

  it.each(cases)('%s: the origin still verifies what the function forwards', (_scheme, target) => {
    expect(verify(target).ok).toBe(true);
    const request = runWith(all.handler, target, { Accept: ACCEPT.chrome, 'Save-Data': 'on' });
    const original = viewerRequest(target).request;
    expect(request.uri).toBe(original.uri);
    expect(request.querystring).toEqual(original.querystring);
    expect(acceptOf(request)).toBe('image/avif,image/webp');
  });

  it('the canonical form of a signed URL would fail verification: that is why it is left alone', () => {
    const target = cases[0]![1];
    const query = target.slice(target.indexOf('?'));
    const canonical = runWith(all.handler, cloudflarePath, { 'Save-Data': 'on' }).uri;
    expect(canonical).toBe('/cdn-cgi/image/fit=cover,format=auto,quality=40,width=600/a.jpg');
    expect(verify(`${canonical}${query}`).ok).toBe(false);
  });

  it('the Cloudflare-only function knows the native scheme, and only it', () => {
    const native = cases[0]![1];
    expect(runWith(cloudflareSigned.handler, native).uri).toBe(cloudflarePath);
    expect(acceptOf(runWith(cloudflareSigned.handler, native, { Accept: ACCEPT.safari15 }))).toBe('image/webp');
    // Without the imgix or ImageKit grammar the origin checks no `s` or `ik-s`: canonical order applies.
    expect(runWith(cloudflareSigned.handler, `${cloudflarePath}?s=0123456789abcdef0123456789abcdef`).uri).toBe(
      '/cdn-cgi/image/fit=cover,format=auto,width=600/a.jpg',
    );
    expect(runWith(cloudflareSigned.handler, `${cloudflarePath}?ik-s=00`).uri).toBe('/cdn-cgi/image/fit=cover,format=auto,width=600/a.jpg');
  });

  it('without signing, signature-like names carry nothing and do not stop the canonical form', () => {
    const unsigned = deployed({ grammars: URL_GRAMMARS, autoFormatVariants: AUTO_VARIANTS });
    for (const [, target] of cases) {
      const request = runWith(unsigned.handler, target, { Accept: ACCEPT.chrome });
      expect(request.uri, target).not.toMatch(/s--/);
      expect(
        Object.keys(request.querystring).filter((name) => ['sig', 'expires', 's', 'ik-s', 'ik-t'].includes(name)),
        target,
      ).toEqual([]);
      expect(acceptOf(request), target).toBe('image/avif,image/webp');
    }
    expect(run(cases[0]![1]).uri).toBe('/cdn-cgi/image/fit=cover,format=auto,width=600/a.jpg');
  });

  it('a signed URL without format=auto loses Accept like any other', () => {
    const target = signed(signPath('/cdn-cgi/image/width=600,format=webp/a.jpg', { key: KEY }));
    const request = runWith(cloudflareSigned.handler, target, { Accept: ACCEPT.chrome });
    expect(request.headers).not.toHaveProperty('accept');
    expect(request.uri).toBe('/cdn-cgi/image/width=600,format=webp/a.jpg');
  });
});

/** Every non-empty set of grammars. */
const EVERY_GRAMMAR_SET: UrlGrammar[][] = Array.from({ length: 2 ** URL_GRAMMARS.length - 1 }, (_, i) =>
  URL_GRAMMARS.filter((_grammar, bit) => ((i + 1) >> bit) & 1),
);
const MANY_AUTO_VARIANTS = Array.from({ length: 40 }, (_, i) => `variant-${String(i).padStart(4, '0')}`);

describe('fits CloudFront Functions (cloudfront-js-2.0)', () => {
  it.each(EVERY_GRAMMAR_SET.map((grammars) => [grammars.join(','), grammars] as const))(
    '%s: deployed code is under the 10 KB limit, even with 40 variants defined with format=auto',
    (_name, grammars) => {
      const code = viewerRequestFunctionCode({ grammars, autoFormatVariants: MANY_AUTO_VARIANTS, imagekitEndpoint: '/my_imagekit_id/' });
      expect(Buffer.byteLength(code, 'utf8')).toBeLessThan(CLOUDFRONT_FUNCTION_MAX_BYTES);
      expect(es5Problems(code)).toEqual([]);
      expect(code).toContain('function handler(');
    },
  );

  it("a Cloudflare-only distribution deploys the smallest function, without the other grammars' code", () => {
    const size = (grammars: readonly UrlGrammar[]) => Buffer.byteLength(viewerRequestFunctionCode({ grammars }), 'utf8');
    for (const grammars of EVERY_GRAMMAR_SET.filter((set) => set.includes('cloudflare') && set.length > 1)) {
      expect(size(['cloudflare']), grammars.join(',')).toBeLessThan(size(grammars));
    }
    const code = viewerRequestFunctionCode({}, { mangle: false });
    for (const fragment of ['cloudinary', "'ik-s'", "push('s')", "'tr:'", 'asksForAuto', 'imgix']) expect(code).not.toContain(fragment);
    expect(code).not.toMatch(/^\s*\/\//m);
    expect(code).toContain("PREFIX='/cdn-cgi/image/'");
  });

  it('the source file is valid ES5, and its compacted form behaves exactly as it does with its names as written', () => {
    expect(es5Problems(readViewerRequestFunctionCode())).toEqual([]);
    const options = { grammars: URL_GRAMMARS, autoFormatVariants: AUTO_VARIANTS, keepQueryStrings: ['ref'] };
    const compacted = deployed(options);
    const named = readable(options);
    expect(viewerRequestFunctionCode(options).length).toBeLessThan(viewerRequestFunctionCode(options, { mangle: false }).length * 0.8);
    for (const target of [...CORPUS, '/cdn-cgi/image/w=1,fit=cover,scq=40/a.jpg', '/a.jpg?w=1&ref=x&utm_source=y', '/metrics']) {
      for (const headers of [{ Accept: ACCEPT.chrome, 'Save-Data': 'on' }, { Accept: ACCEPT.safari15 }, {}] as Array<Record<string, string>>) {
        expect(runWith(compacted.handler, target, headers), target).toEqual(runWith(named.handler, target, headers));
      }
    }
  });

  it('writes the configuration into CONFIG', () => {
    const code = viewerRequestFunctionCode({
      grammars: ['imagekit'],
      imagekitEndpoint: '/ik_demo/',
      autoFormatVariants: ['thumb', 'card'],
      versionPattern: '',
      signing: true,
      keepQueryStrings: ['ref'],
    });
    expect(code.split('\n')[0]).toBe(
      'var CONFIG = { version: null, imagekitEndpoint: "/ik_demo/", autoVariants: ["thumb","card"], signing: true, keep: ["ref"] };',
    );
    expect(viewerRequestFunctionCode().split('\n')[0]).toBe(
      'var CONFIG = { version: /^\\/v[0-9]{1,6}\\//, imagekitEndpoint: "/", autoVariants: [], signing: false, keep: [] };',
    );
  });

  it('refuses options it cannot express, naming them', () => {
    expect(() => viewerRequestFunctionCode({ grammars: ['akamai' as UrlGrammar] })).toThrow(/'akamai'/);
    expect(() => viewerRequestFunctionCode({ imagekitEndpoint: 'ik_demo' })).toThrow(/imagekitEndpoint 'ik_demo'/);
    expect(() => viewerRequestFunctionCode({ versionPattern: 'v[0-9]+/' })).toThrow(/versionPattern 'v\[0-9\]\+\/'/);
    expect(() => viewerRequestFunctionCode({ versionPattern: '^/(v/' })).toThrow(/not a regular expression/);
    expect(() => viewerRequestFunctionCode({ autoFormatVariants: ['Thumb"'] })).toThrow(/'Thumb"'/);
    expect(() => viewerRequestFunctionCode({ keepQueryStrings: ['a&b'] })).toThrow(/'a&b'/);
    expect(() => viewerRequestFunctionCode({ versionPattern: '^/(v[0-9]+)+/' })).toThrow(/repeats a group that itself repeats/);
    expect(() => viewerRequestFunctionCode({ versionPattern: '^/(?<=x)v/' })).toThrow(/lookbehind/);
  });
});
