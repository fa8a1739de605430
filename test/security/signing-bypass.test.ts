import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OriginServer } from '../../origin/src/server.js';
import { cloudinarySignature } from '../../origin/src/signing/cloudinary.js';
import { imagekitSignature } from '../../origin/src/signing/imagekit.js';
import { imgixSignature } from '../../origin/src/signing/imgix.js';
import { signPath } from '../../origin/src/signing/native.js';
import { SAMPLES, startTestOrigin, tempDir } from '../support/origin.js';

/**
 * A signature authorises only the URL it was made for, read by its own grammar: nothing outside
 * the signed string (a prefix, a query, a version segment, digits moved between fields) may
 * change what the origin serves, and a URL signed with one service's scheme is never read by
 * another grammar. Every refusal is a 401 `invalid_signature` that says why.
 */

const KEY = 'a-signing-key-for-bypass-tests';
/** Options far beyond what any signed URL here asked for. */
const HUGE = 'width=4000,height=4000,fit=pad,format=json';

describe('a signature authorises only its own grammar and prefix', () => {
  const root = tempDir('image-cdn-signing-');
  let origin: OriginServer;

  beforeAll(async () => {
    const place = (from: string, to: string) => {
      mkdirSync(path.dirname(path.join(root.dir, to)), { recursive: true });
      copyFileSync(path.join(SAMPLES, from), path.join(root.dir, to));
    };
    place('fossa.jpg', 'fossa.jpg');
    // A bucket with versioned folders, and one whose folders look like a Cloudinary path.
    place('fossa.jpg', 'albums/fossa.jpg');
    place('kleiber.jpg', 'albums/v2/fossa.jpg');
    place('fossa.jpg', 'image/foo/fossa.jpg');
    origin = await startTestOrigin(
      {
        grammars: ['cloudflare', 'cloudinary', 'imagekit', 'imgix'],
        signing: { keys: [KEY], mode: 'required', exemptVariants: false },
      },
      root.dir,
    );
  });
  afterAll(async () => {
    await origin?.close();
    root.remove();
  });

  const get = async (target: string) => {
    const response = await fetch(`${origin.url}${target}`);
    const body = Buffer.from(await response.arrayBuffer());
    return { status: response.status, tag: response.headers.get('x-image-cdn-error'), etag: response.headers.get('etag'), body };
  };

  /** 401 invalid_signature, with a message that names the problem. */
  const expectRefused = async (target: string, why: RegExp) => {
    const { status, tag, body } = await get(target);
    expect({ status, tag }, target).toEqual({ status: 401, tag: 'invalid_signature' });
    expect(body.toString(), target).toMatch(why);
  };

  const cloudinaryUrl = (prefix: string, rest: string, signed = rest) => `${prefix}s--${cloudinarySignature(KEY, signed)}--/${rest}`;
  const imgixUrl = (pathAndQuery: string) => `${pathAndQuery}${pathAndQuery.includes('?') ? '&' : '?'}s=${imgixSignature(KEY, pathAndQuery)}`;
  const imagekitUrl = (afterEndpoint: string, expiresAt?: number) => {
    const separator = afterEndpoint.includes('?') ? '&' : '?';
    const expiry = expiresAt === undefined ? '' : `ik-t=${expiresAt}&`;
    return `/${afterEndpoint}${separator}${expiry}ik-s=${imagekitSignature(KEY, afterEndpoint, expiresAt)}`;
  };
  const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

  describe('Cloudinary', () => {
    it('a signature made under /<cloud>/image/upload/ does not carry over to a Cloudflare prefix', async () => {
      const legitimate = cloudinaryUrl('/demo/image/upload/', 'fossa.jpg');
      expect((await get(legitimate)).status).toBe(200);
      expect((await get(`/cdn-cgi/image/${HUGE}/fossa.jpg`)).status).toBe(401);
      const moved = legitimate.replace('/demo/image/upload/', `/cdn-cgi/image/${HUGE}/`);
      await expectRefused(moved, /Cloudinary signature.*\/<cloud>\/image\/<delivery type>\//);
    });

    it('a signature needs a delivery type the Cloudinary grammar reads, so the unsigned query cannot make it an imgix URL', async () => {
      await expectRefused(`${cloudinaryUrl('/image/foo/', 'fossa.jpg')}?w=12&fm=json`, /Cloudinary signature.*delivery type/);
      await expectRefused(`${cloudinaryUrl('/image/image/upload/', 'fossa.jpg')}?tr=w-12`, /Cloudinary signature.*delivery type/);
    });

    it('the version segment may be left out of the signature only where the grammar skips it', async () => {
      const signedWithoutVersion = (rest: string) => cloudinaryUrl('/demo/image/upload/', rest, 'w_100/albums/fossa.jpg');
      // Newer SDKs: the version sits between the steps and the public ID, and is not signed.
      expect((await get(signedWithoutVersion('w_100/v2/albums/fossa.jpg'))).status).toBe(200);
      // Elsewhere it would change the public ID (albums/v2/fossa.jpg, w_100/albums/fossa.jpg).
      await expectRefused(signedWithoutVersion('w_100/albums/v2/fossa.jpg'), /cloudinary signature does not match/);
      await expectRefused(signedWithoutVersion('v2/w_100/albums/fossa.jpg'), /cloudinary signature does not match/);
    });

    it('the cloud name and the query string are not signed and change nothing', async () => {
      const reference = await get(cloudinaryUrl('/demo/image/upload/', 'w_100/fossa.jpg'));
      expect(reference.status).toBe(200);
      for (const target of [
        cloudinaryUrl('/other-cloud/image/upload/', 'w_100/fossa.jpg'),
        cloudinaryUrl('/image/upload/', 'w_100/fossa.jpg'),
        `${cloudinaryUrl('/demo/image/upload/', 'w_100/fossa.jpg')}?w=12000&h=12000&fm=json`,
        `${cloudinaryUrl('/demo/image/upload/', 'w_100/fossa.jpg')}?tr=w-12000,h-12000`,
      ]) {
        const { status, etag } = await get(target);
        expect({ status, etag }, target).toEqual({ status: 200, etag: reference.etag });
      }
    });
  });

  describe('imgix', () => {
    it('serves its own URLs, transformed or original', async () => {
      expect((await get(imgixUrl('/fossa.jpg?w=100'))).status).toBe(200);
      expect((await get(imgixUrl('/fossa.jpg'))).status).toBe(200);
    });

    it('an imgix signature does not authorise a URL that another grammar reads', async () => {
      await expectRefused(imgixUrl(`/cdn-cgi/image/${HUGE}/fossa.jpg`), /imgix signature authorises imgix URLs only.*cloudflare/);
      await expectRefused(imgixUrl('/fossa.jpg?tr=w-12'), /imgix signature authorises imgix URLs only.*imagekit/);
    });

    it('an imgix-signed URL is read by the imgix grammar even where another grammar would read it first', async () => {
      // imgix reads the path as the source, which does not exist: Cloudflare's options are never applied.
      const { status, tag } = await get(imgixUrl(`/cdn-cgi/image/${HUGE}/fossa.jpg?w=10`));
      expect({ status, tag }).toEqual({ status: 404, tag: 'source_not_found' });
    });
  });

  describe('ImageKit', () => {
    it('serves its own URLs, transformed or original', async () => {
      expect((await get(imagekitUrl('tr:w-100/fossa.jpg', inAnHour()))).status).toBe(200);
      expect((await get(imagekitUrl('fossa.jpg?tr=w-100'))).status).toBe(200);
      expect((await get(imagekitUrl('fossa.jpg'))).status).toBe(200);
    });

    it('an ImageKit signature does not authorise a URL that another grammar reads', async () => {
      await expectRefused(imagekitUrl(`cdn-cgi/image/${HUGE}/fossa.jpg`), /imagekit signature authorises imagekit URLs only.*cloudflare/);
      await expectRefused(imagekitUrl('fossa.jpg?w=12&fm=json'), /imagekit signature authorises imagekit URLs only.*imgix/);
    });

    it('trailing digits of the URL cannot move into ik-t (ik-t is exactly 10 digits)', async () => {
      const expiresAt = inAnHour();
      const legitimate = imagekitUrl('fossa.jpg?tr=w-125', expiresAt);
      const served = await get(legitimate);
      expect(served.status).toBe(200);
      expect((await sharp(served.body).metadata()).width).toBe(125);
      // The same signed string, split differently: w-12, and an expiry thousands of years away.
      const moved = legitimate.replace(`tr=w-125&ik-t=${expiresAt}`, `tr=w-12&ik-t=5${expiresAt}`);
      await expectRefused(moved, /"ik-t" is not a 10-digit Unix timestamp/);
      await expectRefused(legitimate.replace(`ik-t=${expiresAt}`, `ik-t=0${expiresAt}`), /"ik-t" is not a 10-digit Unix timestamp/);
    });
  });

  describe("this origin's own scheme", () => {
    it('signs the whole request target, so it authorises whatever grammar reads it', async () => {
      for (const target of [`/cdn-cgi/image/width=100/fossa.jpg`, '/demo/image/upload/w_100/fossa.jpg?w=12', '/tr:w-100/fossa.jpg', '/fossa.jpg?w=100']) {
        const signed = signPath(target, { key: KEY, expiresAt: inAnHour() });
        if (!signed.ok) throw signed.error;
        expect((await get(signed.value)).status, target).toBe(200);
        await expectRefused(signed.value.replace('100', '1000'), /native signature does not match/);
      }
    });
  });
});
