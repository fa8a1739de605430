/**
 * No spelling adds a cache key, and no two transforms share one, in every grammar: random
 * transforms written many ways (test/support/spellings.ts) go through the function from the
 * synthesized template; the origin answers the URLs as written and as forwarded, for each of
 * sixteen real Accept headers. 10,000 cases against the origin in process, and a run over HTTP.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { URL_GRAMMARS } from '../../../lib/cdk/viewer-request-function.js';
import type { OriginServer } from '../../../origin/src/server.js';
import { createImageHandler, type ImageHandler } from '../../../origin/src/index.js';
import { acceptHeaders, cacheKey, forward, forwardedTarget, loadFunction, REAL_ACCEPT_HEADERS, synthesizedFunctionCode } from '../../support/edge.js';
import { SAMPLES, startTestOrigin } from '../../support/origin.js';
import { noise, spell, transforms } from '../../support/spellings.js';

const VARIANTS = { thumb: 'width=120,height=120,fit=cover,format=auto', hero: 'width=800,format=webp' };
const ACCEPTS = Object.values(REAL_ACCEPT_HEADERS);
const edge = loadFunction(synthesizedFunctionCode({ grammars: URL_GRAMMARS, variants: VARIANTS })).handler;

/** The origin's answer to a HEAD of `target` with `accept`: its ETag, or its status and error tag. */
type Answer = (target: string, accept: string | undefined) => Promise<string>;

/**
 * The property for one origin: every spelling of a transform has the key of every other, and a
 * key always stands for one answer, the one the origin gives the URL as written.
 */
function keyProperty(answer: Answer) {
  const seen = new Map<string, string>();
  const memo = new Map<string, Promise<string>>();
  const remembered: Answer = (target, accept) => {
    const key = `${target} ${accept}`;
    if (!memo.has(key)) memo.set(key, answer(target, accept));
    return memo.get(key)!;
  };
  return fc.asyncProperty(transforms, noise, noise, async (transform, first, second) => {
    const [a, b] = [spell(transform, first), spell(transform, second)];
    for (const accept of ACCEPTS) {
      const forwarded = forward(edge, a, acceptHeaders(accept));
      expect(cacheKey(forward(edge, b, acceptHeaders(accept))), `${a} and ${b} with ${accept}`).toBe(cacheKey(forwarded));
      const [written, served] = await Promise.all([remembered(a, accept), remembered(forwardedTarget(forwarded), forwarded.headers.accept?.value)]);
      expect(written, `${a} as written is served`).toMatch(/^"/);
      // What the cache keeps under the key is what the origin gives the URL as written.
      expect(served, `${a} → ${forwardedTarget(forwarded)} with ${accept}`).toBe(written);
      const key = cacheKey(forwarded);
      if (!seen.has(key)) seen.set(key, written);
      expect(seen.get(key), `two transforms share ${key}`).toBe(written);
    }
  });
}

describe('cache keys over every grammar, against the origin in process', () => {
  let images: ImageHandler;
  beforeAll(async () => {
    images = createImageHandler({ root: SAMPLES, grammars: URL_GRAMMARS, variants: VARIANTS, logger: false });
    await images.ready;
  });
  afterAll(async () => {
    await images?.close();
  });

  it('10,000 cases: no spelling adds a key, no key stands for two answers', async () => {
    await fc.assert(
      keyProperty(async (target, accept) => {
        const response = await images.fetch(new Request(`http://origin${target}`, { method: 'HEAD', headers: acceptHeaders(accept) }));
        return response.headers.get('etag') ?? `${response.status} ${response.headers.get('x-image-cdn-error')}`;
      }),
      { numRuns: 10_000 },
    );
  }, 300_000);
});

describe('cache keys over every grammar, against the origin over HTTP', () => {
  let origin: OriginServer;
  beforeAll(async () => {
    origin = await startTestOrigin({ grammars: [...URL_GRAMMARS], variants: VARIANTS });
  });
  afterAll(async () => {
    await origin?.close();
  });

  it('no spelling adds a key, no key stands for two answers', async () => {
    await fc.assert(
      keyProperty(async (target, accept) => {
        const response = await fetch(`${origin.url}${target}`, { method: 'HEAD', headers: acceptHeaders(accept) });
        return response.headers.get('etag') ?? `${response.status} ${response.headers.get('x-image-cdn-error')}`;
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
