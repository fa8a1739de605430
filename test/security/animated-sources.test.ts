import { writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, tempDir } from '../support/origin.js';

/**
 * An animated source asked for what libvips cannot do on a multi-page image (an attention crop:
 * gravity auto or face, imgix's crop=entropy) must not reach the client as libvips' raw error in a
 * 500: the origin answers with the animation (centre gravity; docs/url-grammar.md), and steps that
 * run libvips mid-pipeline (gamma, a border after a crop or pad) keep every frame.
 */

const FRAMES = 4;
const dir = tempDir('image-cdn-animated-');
let origin: Awaited<ReturnType<typeof startTestOrigin>>;

beforeAll(async () => {
  const frames = await Promise.all(
    ['#c03030', '#30c030', '#3030c0', '#c0c030'].map((colour) =>
      sharp({ create: { width: 120, height: 80, channels: 3, background: colour } })
        .png()
        .toBuffer(),
    ),
  );
  const joined = () => sharp(frames, { join: { animated: true } });
  writeFileSync(path.join(dir.dir, 'clip.gif'), await joined().gif({ delay: 100, loop: 0 }).toBuffer());
  writeFileSync(path.join(dir.dir, 'clip.webp'), await joined().webp({ delay: 100, loop: 0 }).toBuffer());
  origin = await startTestOrigin({ grammars: ['cloudflare', 'imgix'] }, dir.dir);
});
afterAll(async () => {
  await origin?.close();
  dir.remove();
});

const cloudflare = [
  'fit=cover,gravity=auto,width=60,height=60',
  'fit=crop,gravity=face,width=60,height=60',
  'fit=cover,gravity=auto,width=60,height=60,format=webp',
  'width=60,gamma=2',
  'fit=cover,width=60,height=60,border=color:%23ff00ff;width:5',
  'fit=pad,width=60,height=60,border=color:%23ff00ff;width:5',
];

describe('animated sources over HTTP', () => {
  it.each(
    ['clip.gif', 'clip.webp'].flatMap((source) => [
      ...cloudflare.map((options) => `/cdn-cgi/image/${options}/${source}`),
      `/${source}?w=60&h=60&fit=crop&crop=entropy`,
    ]),
  )('%s is answered, not a 500, and stays animated', async (url) => {
    const response = await fetch(`${origin.url}${url}`);
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.status, `${response.headers.get('x-image-cdn-error')}: ${body.toString().slice(0, 200)}`).toBeLessThan(500);
    expect(response.status).toBe(200);
    const meta = await sharp(body, { animated: true }).metadata();
    expect(meta.pages).toBe(FRAMES);
    expect(meta.height).toBe((meta.pageHeight ?? 0) * FRAMES);
  });
});
