import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OriginServer } from '../../../origin/src/server.js';
import { signPath } from '../../../origin/src/signing/native.js';
import { magic, startTestOrigin } from '../../support/origin.js';

const KEY = 'k'.repeat(32);
const OLD_KEY = 'o'.repeat(32);
const VARIANTS = { thumb: 'width=120,height=120,fit=cover', hero: 'width=800,format=webp' };
const CHROME = 'image/avif,image/webp,*/*';

const signed = (path: string, key = KEY, expiresAt?: number) => {
  const result = signPath(path, { key, ...(expiresAt !== undefined && { expiresAt }) });
  if (!result.ok) throw result.error;
  return result.value;
};

describe('every grammar, variants and signatures over HTTP', () => {
  let open: OriginServer;
  let locked: OriginServer;
  let variantsOnly: OriginServer;

  beforeAll(async () => {
    const common = { grammars: ['cloudflare', 'imgix', 'cloudinary', 'imagekit'] as const, imagekitEndpoint: '/ik/', variants: VARIANTS };
    open = await startTestOrigin({ ...common, grammars: [...common.grammars] });
    locked = await startTestOrigin({ ...common, grammars: [...common.grammars], signing: { keys: [KEY, OLD_KEY], mode: 'required', exemptVariants: true } });
    variantsOnly = await startTestOrigin({ variants: VARIANTS, onlyVariants: true });
  });
  afterAll(async () => {
    await Promise.all([open?.close(), locked?.close(), variantsOnly?.close()]);
  });

  const get = async (server: OriginServer, target: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${server.url}${target}`, { headers });
    return { response, body: Buffer.from(await response.arrayBuffer()) };
  };

  it('one transform in four grammars gives the same bytes and ETag', async () => {
    const spellings = [
      '/cdn-cgi/image/width=300,height=200,fit=cover,format=webp/fossa.jpg',
      '/fossa.jpg?w=300&h=200&fit=crop&fm=webp',
      '/demo/image/upload/w_300,h_200,c_fill,f_webp/fossa.jpg',
      '/ik/tr:w-300,h-200,f-webp/fossa.jpg',
    ];
    const results = await Promise.all(spellings.map((target) => get(open, target)));
    for (const [index, { response }] of results.entries()) expect(response.status, spellings[index]).toBe(200);
    expect(new Set(results.map((r) => r.response.headers.get('etag'))).size).toBe(1);
    expect(results.every((r) => r.body.equals(results[0]!.body))).toBe(true);
    expect(magic(results[0]!.body)).toBe('webp');
  });

  it('negotiates format=auto in every grammar, with Vary: Accept', async () => {
    for (const target of [
      '/cdn-cgi/image/width=200,format=auto/fossa.jpg',
      '/fossa.jpg?w=200&auto=format',
      '/demo/image/upload/w_200,f_auto/fossa.jpg',
      '/ik/tr:w-200,f-auto/fossa.jpg',
    ]) {
      const { response, body } = await get(open, target, { accept: CHROME });
      expect(magic(body), target).toBe('avif');
      expect(response.headers.get('vary'), target).toBe('Accept');
    }
  });

  it('an unsupported parameter is a 400 that names it', async () => {
    const { response, body } = await get(open, '/fossa.jpg?w=200&mark=logo.png');
    expect(response.status).toBe(400);
    expect(body.toString()).toContain('mark');
  });

  it('a variant has the ETag of the same ad-hoc options, from every grammar', async () => {
    const adHoc = await get(open, '/cdn-cgi/image/width=120,height=120,fit=cover/fossa.jpg');
    for (const target of ['/cdn-cgi/image/variant=thumb/fossa.jpg', '/demo/image/upload/t_thumb/fossa.jpg', '/ik/tr:n-thumb/fossa.jpg']) {
      const { response } = await get(open, target);
      expect(response.status, target).toBe(200);
      expect(response.headers.get('etag'), target).toBe(adHoc.response.headers.get('etag'));
    }
    const auto = await get(open, '/cdn-cgi/image/variant=thumb,format=auto/fossa.jpg', { accept: CHROME });
    expect(magic(auto.body)).toBe('avif');
    expect(auto.response.headers.get('vary')).toBe('Accept');
  });

  it('an unknown variant is 404 variant_not_found; a conflicting option is 400', async () => {
    const missing = await get(open, '/cdn-cgi/image/variant=nope/fossa.jpg');
    expect(missing.response.status).toBe(404);
    expect(missing.response.headers.get('x-image-cdn-error')).toBe('variant_not_found');
    const conflict = await get(open, '/cdn-cgi/image/variant=thumb,width=50/fossa.jpg');
    expect(conflict.response.status).toBe(400);
  });

  it('variant-only mode refuses ad-hoc transforms but serves variants and originals', async () => {
    const adHoc = await get(variantsOnly, '/cdn-cgi/image/width=100/fossa.jpg');
    expect(adHoc.response.status).toBe(400);
    expect(adHoc.body.toString()).toMatch(/variants only/);
    expect((await get(variantsOnly, '/cdn-cgi/image/variant=hero/fossa.jpg')).response.status).toBe(200);
    expect((await get(variantsOnly, '/fossa.jpg')).response.status).toBe(200);
  });

  it('required signing: unsigned 401, signed 200, any key verifies, tampering and expiry refused', async () => {
    const path = '/cdn-cgi/image/width=150/fossa.jpg';
    const unsigned = await get(locked, path);
    expect(unsigned.response.status).toBe(401);
    expect(unsigned.response.headers.get('x-image-cdn-error')).toBe('invalid_signature');
    expect((await get(locked, signed(path))).response.status).toBe(200);
    expect((await get(locked, signed(path, OLD_KEY))).response.status).toBe(200);
    expect((await get(locked, signed(path, 'x'.repeat(32)))).response.status).toBe(401);
    expect((await get(locked, signed(path).replace('width=150', 'width=151'))).response.status).toBe(401);
    const expired = await get(locked, signed(path, KEY, Math.floor(Date.now() / 1000) - 5));
    expect(expired.response.status).toBe(401);
    expect(expired.response.headers.get('x-image-cdn-error')).toBe('signature_expired');
    const later = await get(locked, signed(path, KEY, Math.floor(Date.now() / 1000) + 600));
    expect(later.response.status).toBe(200);
    // No cache may keep it past the signature's expiry.
    const maxAge = Number(/max-age=(\d+)/.exec(later.response.headers.get('cache-control')!)?.[1]);
    expect(maxAge).toBeGreaterThan(590);
    expect(maxAge).toBeLessThanOrEqual(600);
    expect(later.response.headers.get('cache-control')).not.toContain('immutable');
  });

  it('a signed URL has the same ETag as the unsigned one; variants may be exempt', async () => {
    const path = '/cdn-cgi/image/width=160/fossa.jpg';
    const viaSigned = await get(locked, signed(path));
    const viaOpen = await get(open, path);
    expect(viaSigned.response.headers.get('etag')).toBe(viaOpen.response.headers.get('etag'));
    expect((await get(locked, '/cdn-cgi/image/variant=thumb/fossa.jpg')).response.status).toBe(200);
    expect((await get(locked, '/cdn-cgi/image/variant=thumb,width=1/fossa.jpg')).response.status).toBe(401);
  });

  it('refuses to start with a bad variants table or a short signing key, naming the problem', async () => {
    await expect(startTestOrigin({ variants: { thumb: 'width=abc' } })).rejects.toThrow(/thumb.*width/);
    await expect(startTestOrigin({ signing: { keys: ['short'], mode: 'required', exemptVariants: false } })).rejects.toThrow(/at least 16/);
  });
});
