import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCloudinary } from '../../../origin/src/grammar/cloudinary.js';
import { parseImageKit } from '../../../origin/src/grammar/imagekit.js';
import { parseImgix } from '../../../origin/src/grammar/imgix.js';
import { cloudinarySignature } from '../../../origin/src/signing/cloudinary.js';
import { imagekitSignature } from '../../../origin/src/signing/imagekit.js';
import { imgixSignature } from '../../../origin/src/signing/imgix.js';
import { checkSigningKeys } from '../../../origin/src/signing/keys.js';
import { signPath } from '../../../origin/src/signing/native.js';
import { verifyRequest, type VerifyOptions } from '../../../origin/src/signing/verify.js';

const KEY = 'k3y-for-tests-0123456789';
const OLD_KEY = 'retired-key-abcdefghijkl';
const NOW = 1_700_000_000;

function split(url: string): [string, string] {
  const at = url.indexOf('?');
  return at < 0 ? [url, ''] : [url.slice(0, at), url.slice(at)];
}

function verify(url: string, options: Partial<VerifyOptions> = {}) {
  const [pathname, search] = split(url);
  return verifyRequest(pathname, search, { keys: [KEY], mode: 'required', now: NOW, ...options });
}

function signed(path: string, options: { key?: string; expiresAt?: number } = {}): string {
  const result = signPath(path, { key: options.key ?? KEY, ...(options.expiresAt !== undefined && { expiresAt: options.expiresAt }) });
  if (!result.ok) throw result.error;
  return result.value;
}

const tagOf = (result: ReturnType<typeof verify>) => (result.ok ? 'ok' : result.error.tag);

describe('native signed URLs', () => {
  it('appends expires and an HMAC-SHA256 sig, and verifies', () => {
    const url = signed('/cdn-cgi/image/width=600,format=auto/photos/a.jpg', { expiresAt: NOW + 60 });
    expect(url).toMatch(/^\/cdn-cgi\/image\/width=600,format=auto\/photos\/a\.jpg\?expires=1700000060&sig=[A-Za-z0-9_-]{43}$/);
    expect(verify(url)).toEqual({
      ok: true,
      value: { pathname: '/cdn-cgi/image/width=600,format=auto/photos/a.jpg', search: '', signed: true, scheme: 'native', expiresAt: NOW + 60 },
    });
  });

  it('covers an existing query and hands it back without the signature', () => {
    const url = signed('/photos/a.jpg?w=600&auto=format,compress');
    expect(url).toMatch(/\?w=600&auto=format,compress&sig=/);
    expect(verify(url)).toMatchObject({ ok: true, value: { pathname: '/photos/a.jpg', search: '?w=600&auto=format,compress', signed: true } });
  });

  it('matches an independent HMAC computation (the documented scheme)', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', KEY).update('/a.jpg?expires=1700000060').digest('base64url');
    expect(signed('/a.jpg', { expiresAt: NOW + 60 })).toBe(`/a.jpg?expires=1700000060&sig=${expected}`);
  });

  it('refuses the URL from its expiry second on', () => {
    const url = signed('/a.jpg', { expiresAt: NOW + 10 });
    expect(tagOf(verify(url, { now: NOW + 9 }))).toBe('ok');
    const expired = verify(url, { now: NOW + 10 });
    expect(!expired.ok && expired.error).toMatchObject({ tag: 'signature_expired', status: 401 });
    expect(tagOf(verify(url, { now: NOW + 86_400 }))).toBe('signature_expired');
  });

  it('verifies with every configured key (rotation) and with no other', () => {
    const byOld = signed('/a.jpg', { key: OLD_KEY });
    expect(tagOf(verify(byOld, { keys: [KEY, OLD_KEY] }))).toBe('ok');
    expect(tagOf(verify(byOld, { keys: [KEY] }))).toBe('invalid_signature');
    expect(tagOf(verify(signed('/a.jpg'), { keys: [] }))).toBe('invalid_signature');
  });

  it('rejects any tampering with the path, the query, the expiry or the signature', () => {
    const url = signed('/cdn-cgi/image/width=600/photos/a.jpg?x=1', { expiresAt: NOW + 3600 });
    const tampered = [
      url.replace('width=600', 'width=601'),
      url.replace('photos/a.jpg', 'photos/b.jpg'),
      url.replace('x=1', 'x=2'),
      url.replace('?x=1&', '?'),
      url.replace('?x=1', '?x=1&y=2'),
      url.replace(`expires=${NOW + 3600}`, `expires=${NOW + 7200}`),
      url.replace(`expires=${NOW + 3600}&`, ''),
      url.slice(0, -1) + (url.endsWith('A') ? 'B' : 'A'),
    ];
    for (const candidate of tampered) {
      expect(candidate).not.toBe(url);
      const result = verify(candidate);
      expect(!result.ok && result.error.status).toBe(401);
    }
  });

  it('rejects every single-character change before the signature (property)', () => {
    const url = signed('/cdn-cgi/image/width=600,quality=80/photos/a.jpg?x=1', { expiresAt: NOW + 3600 });
    const sigAt = url.indexOf('&sig=');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: sigAt - 1 }), fc.constantFrom(...'a0/=&?%.,_-Z9'), (index, character) => {
        fc.pre(url[index] !== character);
        const candidate = url.slice(0, index) + character + url.slice(index + 1);
        expect(tagOf(verify(candidate))).not.toBe('ok');
      }),
      { numRuns: 500 },
    );
  });

  it('refuses malformed signature parts', async () => {
    const { createHmac } = await import('node:crypto');
    const url = signed('/a.jpg');
    expect(tagOf(verify(`${url}&sig=AAAA`))).toBe('invalid_signature');
    expect(tagOf(verify('/a.jpg?sig=not-base64url!'))).toBe('invalid_signature');
    expect(tagOf(verify('/a.jpg?sig=AAAA'))).toBe('invalid_signature');
    // Correctly signed, but the expiry is not Unix seconds.
    const sig = createHmac('sha256', KEY).update('/a.jpg?expires=soon').digest('base64url');
    const result = verify(`/a.jpg?expires=soon&sig=${sig}`);
    expect(!result.ok && result.error.message).toMatch(/"expires" is not Unix seconds/);
  });

  it('signPath refuses what it cannot sign', () => {
    expect(signPath('a.jpg', { key: KEY }).ok).toBe(false);
    expect(signPath('/a.jpg#x', { key: KEY }).ok).toBe(false);
    expect(signPath('/a.jpg?sig=x', { key: KEY }).ok).toBe(false);
    expect(signPath('/a.jpg', { key: '' }).ok).toBe(false);
    expect(signPath('/a.jpg', { key: KEY, expiresAt: 1.5 }).ok).toBe(false);
  });
});

describe('modes and exemption', () => {
  it('required: an unsigned URL is refused with 401 invalid_signature', () => {
    const result = verify('/cdn-cgi/image/width=600/a.jpg');
    expect(!result.ok && result.error).toMatchObject({ tag: 'invalid_signature', status: 401 });
  });

  it('optional: unsigned passes, a bad signature still fails', () => {
    expect(verify('/a.jpg?w=1', { mode: 'optional' })).toEqual({ ok: true, value: { pathname: '/a.jpg', search: '?w=1', signed: false } });
    expect(tagOf(verify(`${signed('/a.jpg')}x`, { mode: 'optional' }))).toBe('invalid_signature');
  });

  it('asks exempt only about unsigned requests in required mode', () => {
    const asked: string[] = [];
    const exempt = (url: { pathname: string }) => {
      asked.push(url.pathname);
      return url.pathname.includes('variant=');
    };
    expect(tagOf(verify('/cdn-cgi/image/variant=thumb/a.jpg', { exempt }))).toBe('ok');
    expect(tagOf(verify('/cdn-cgi/image/width=9/a.jpg', { exempt }))).toBe('invalid_signature');
    expect(tagOf(verify(signed('/cdn-cgi/image/width=9/a.jpg'), { exempt }))).toBe('ok');
    expect(tagOf(verify('/cdn-cgi/image/width=9/a.jpg', { exempt, mode: 'optional' }))).toBe('ok');
    expect(asked).toEqual(['/cdn-cgi/image/variant=thumb/a.jpg', '/cdn-cgi/image/width=9/a.jpg']);
  });

  it('recognises only the enabled schemes, and refuses two signatures at once', () => {
    const imgixUrl = `/users/1.png?s=${imgixSignature(KEY, '/users/1.png')}`;
    expect(tagOf(verify(imgixUrl))).toBe('invalid_signature');
    expect(tagOf(verify(imgixUrl, { schemes: ['native', 'imgix'] }))).toBe('ok');
    const both = `${signed('/users/1.png')}&s=${imgixSignature(KEY, '/users/1.png')}`;
    const result = verify(both, { schemes: ['native', 'imgix'] });
    expect(!result.ok && result.error.message).toMatch(/more than one signature \(native, imgix\)/);
  });
});

describe('imgix secure URLs', () => {
  // imgix-blueprint's published vectors: token FOO123bar.
  const options = { keys: ['FOO123bar'], schemes: ['imgix'] as const };

  it('verifies the published signatures', () => {
    expect(verify('/users/1.png?s=6797c24146142d5b40bde3141fd3600c', options)).toEqual({
      ok: true,
      value: { pathname: '/users/1.png', search: '', signed: true, scheme: 'imgix' },
    });
    expect(tagOf(verify('/users/1.png?h=300&w=400&s=1a4e48641614d1109c6a7af51be23d18', options))).toBe('ok');
    expect(tagOf(verify('/http%3A%2F%2Favatars.com%2Fjohn-smith.png?s=493a52f008c91416351f8b33d4883135', options))).toBe('ok');
  });

  it('rejects tampering and other tokens', () => {
    expect(tagOf(verify('/users/1.png?h=300&w=401&s=1a4e48641614d1109c6a7af51be23d18', options))).toBe('invalid_signature');
    expect(tagOf(verify('/users/2.png?s=6797c24146142d5b40bde3141fd3600c', options))).toBe('invalid_signature');
    expect(tagOf(verify('/users/1.png?s=6797c24146142d5b40bde3141fd3600c', { ...options, keys: ['FOO123baz'] }))).toBe('invalid_signature');
    expect(tagOf(verify('/users/1.png?s=6797c2', options))).toBe('invalid_signature');
  });

  it('honours expires and hands the unsigned URL to the imgix grammar', () => {
    const path = `/a.jpg?w=300&expires=${NOW + 5}`;
    const url = `${path}&s=${imgixSignature('FOO123bar', path)}`;
    const verified = verify(url, options);
    expect(verified).toMatchObject({ ok: true, value: { search: '?w=300', expiresAt: NOW + 5 } });
    if (verified.ok) expect(parseImgix(verified.value.pathname, verified.value.search)).toMatchObject({ ok: true, value: { options: { width: 300 } } });
    expect(tagOf(verify(url, { ...options, now: NOW + 5 }))).toBe('signature_expired');
    expect(tagOf(verify(url.replace(`expires=${NOW + 5}`, `expires=${NOW + 500}`), options))).toBe('invalid_signature');
  });
});

describe('Cloudinary signed delivery URLs', () => {
  // Cloudinary SDK test vectors: cloud test123, api_secret "b".
  const options = { keys: ['b'], schemes: ['cloudinary'] as const };

  it("verifies the SDKs' signatures, with and without the version signed", () => {
    const modern = verify('/test123/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/v1234/image.jpg', options);
    expect(modern).toEqual({
      ok: true,
      value: { pathname: '/test123/image/upload/c_crop,h_20,w_10/v1234/image.jpg', search: '', signed: true, scheme: 'cloudinary' },
    });
    expect(tagOf(verify('/test123/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/image.jpg', options))).toBe('ok');
    expect(tagOf(verify('/test123/image/upload/s----SjmNDA--/v1234/image.jpg', options))).toBe('ok');
    // Older SDKs signed the version too.
    expect(tagOf(verify('/test123/image/upload/s--MaRXzoEC--/c_crop,h_20,w_10/v1234/image.jpg', options))).toBe('ok');
    expect(tagOf(verify('/test123/image/authenticated/s--Ai4Znfl3--/c_crop,h_20,w_10/image.jpg', options))).toBe('ok');
  });

  it('verifies SHA-256 signatures, short and long', () => {
    const rest = 'w_300,c_fill,h_200/folder/cat.jpg';
    for (const [algorithm, length] of [
      ['sha256', 8],
      ['sha256', 32],
    ] as const) {
      const url = `/demo/image/upload/s--${cloudinarySignature('b', rest, algorithm, length)}--/${rest}`;
      expect(tagOf(verify(url, options))).toBe('ok');
    }
  });

  it('rejects tampering, other secrets and malformed signature segments', () => {
    expect(tagOf(verify('/test123/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_11/v1234/image.jpg', options))).toBe('invalid_signature');
    expect(tagOf(verify('/test123/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/v1234/other.jpg', options))).toBe('invalid_signature');
    expect(tagOf(verify('/test123/image/upload/s--Ai4Znfl3--/c_crop,h_20,w_10/v1234/image.jpg', { ...options, keys: ['c'] }))).toBe('invalid_signature');
    expect(tagOf(verify('/test123/image/upload/s--Ai4Z--/image.jpg', options))).toBe('invalid_signature');
    expect(tagOf(verify('/test123/image/upload/image.jpg', options))).toBe('invalid_signature');
  });

  it('hands the unsigned path to the Cloudinary grammar', () => {
    const rest = 'w_300,c_fill,h_200/v5/folder/cat.jpg';
    const verified = verify(`/demo/image/upload/s--${cloudinarySignature('b', rest)}--/${rest}`, options);
    expect(verified.ok).toBe(true);
    if (verified.ok) {
      expect(parseCloudinary(verified.value.pathname, verified.value.search)).toMatchObject({
        ok: true,
        value: { source: 'folder/cat.jpg', options: { width: 300, height: 200, fit: 'cover' } },
      });
    }
  });
});

describe('ImageKit signed URLs', () => {
  // ImageKit Node.js SDK test vectors: private key "dummy-key", endpoint https://ik.imagekit.io/demo/.
  const options = { keys: ['dummy-key'], schemes: ['imagekit'] as const, imagekitEndpoint: '/demo/' };

  it("verifies the SDK's signatures in query and path form", () => {
    expect(verify('/demo/sdk-testing-files/future-search.png?ik-s=32dbbbfc5f945c0403c71b54c38e76896ef2d6b0', options)).toEqual({
      ok: true,
      value: { pathname: '/demo/sdk-testing-files/future-search.png', search: '', signed: true, scheme: 'imagekit' },
    });
    expect(tagOf(verify('/demo/sdk-testing-files/future-search.png?version=2.0&tr=w-300,h-200&ik-s=601d97a7834b7554f4dabf0d3fc3a219ceeb6b31', options))).toBe(
      'ok',
    );
    expect(tagOf(verify('/demo/tr:w-300,h-200/sdk-testing-files/future-search.png?version=2.0&ik-s=dd1ee8f83d019bc59fd57a5fc4674a11eb8a3496', options))).toBe(
      'ok',
    );
  });

  it('honours ik-t and rejects tampering, other keys and other endpoints', () => {
    const after = 'tr:w-300/folder/a.jpg';
    const url = `/demo/${after}?ik-t=${NOW + 30}&ik-s=${imagekitSignature('dummy-key', after, NOW + 30)}`;
    const verified = verify(url, options);
    expect(verified).toMatchObject({ ok: true, value: { pathname: '/demo/tr:w-300/folder/a.jpg', search: '', expiresAt: NOW + 30 } });
    if (verified.ok) {
      expect(parseImageKit(verified.value.pathname, verified.value.search, { endpoint: '/demo/' })).toMatchObject({
        ok: true,
        value: { source: 'folder/a.jpg', options: { width: 300 } },
      });
    }
    expect(tagOf(verify(url, { ...options, now: NOW + 30 }))).toBe('signature_expired');
    expect(tagOf(verify(url.replace(`ik-t=${NOW + 30}`, `ik-t=${NOW + 3000}`), options))).toBe('invalid_signature');
    expect(tagOf(verify(url.replace('w-300', 'w-900'), options))).toBe('invalid_signature');
    expect(tagOf(verify(url, { ...options, keys: ['other-key'] }))).toBe('invalid_signature');
    expect(tagOf(verify(url.replace('/demo/', '/other/'), options))).toBe('invalid_signature');
  });
});

describe('signing keys', () => {
  it('need at least one key of 16 characters or more', () => {
    expect(checkSigningKeys([KEY, OLD_KEY])).toEqual({ ok: true, value: [KEY, OLD_KEY] });
    expect(checkSigningKeys([]).ok).toBe(false);
    const short = checkSigningKeys([KEY, 'short']);
    expect(!short.ok && short.error.message).toMatch(/signing key 2 is 5 characters; use at least 16/);
  });
});
