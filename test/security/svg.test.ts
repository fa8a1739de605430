import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SVG, resolveConfig, settingsFromEnv } from '../../origin/src/config.js';
import { parseConfigFile } from '../../origin/src/config-file.js';
import { defaultConfig } from '../../origin/src/start.js';
import type { OriginServer } from '../../origin/src/server.js';
import { createImageUrlParser } from '../../origin/src/grammar/index.js';
import { normalise } from '../../origin/src/pipeline/normalise.js';
import { renderScale } from '../../origin/src/transform/svg-render.js';
import { magic, startTestOrigin, tempDir } from '../support/origin.js';
import { type ChildOrigin, startChildOrigin } from './support/child-origin.js';

/**
 * SVG sources reach librsvg only when enabled, only as checked documents, and only from memory;
 * SVGZ never. The bombs run against an origin in a child process, watched for RSS and CPU.
 */

const NS = 'xmlns="http://www.w3.org/2000/svg"';
const svg = (body: string, size = '100" height="50') => `<svg ${NS} width="${size}">${body}</svg>`;
const ENABLED = { svg: { ...DEFAULT_SVG, enabled: true } };
const MiB = 1024 * 1024;

const dir = tempDir('image-cdn-svg-');
const file = (name: string, contents: string | Buffer) => writeFileSync(path.join(dir.dir, name), contents);
let off: OriginServer;
let on: OriginServer;

beforeAll(async () => {
  file('logo.svg', svg('<circle cx="25" cy="25" r="20" fill="#08f"/>'));
  file('logo-as-photo.jpg', svg('<circle cx="25" cy="25" r="20" fill="#08f"/>'));
  file('logo.svgz', gzipSync(svg('<circle cx="25" cy="25" r="20"/>')));
  file('notes.txt', 'SECRET NOTES FROM NEXT DOOR');
  file(
    'secret.png',
    await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
      .png()
      .toBuffer(),
  );
  off = await startTestOrigin({}, dir.dir);
  on = await startTestOrigin(ENABLED, dir.dir);
});
afterAll(async () => {
  await off?.close();
  await on?.close();
  dir.remove();
});

async function get(origin: { url: string }, target: string) {
  const response = await fetch(`${origin.url}${target}`);
  return {
    status: response.status,
    tag: response.headers.get('x-image-cdn-error'),
    type: response.headers.get('content-type'),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

describe('the svg setting', () => {
  it('is absent (off) by default, and flows from the file, the environment and flags', () => {
    expect(resolveConfig({ defaults: defaultConfig() }).svg).toBeUndefined();
    const file = parseConfigFile({ svg: { enabled: true, maxElements: 800 } }, { file: 'image-cdn.json', baseDir: '.' });
    expect(resolveConfig({ defaults: defaultConfig(), file }).svg).toEqual({ enabled: true, maxBytes: DEFAULT_SVG.maxBytes, maxElements: 800 });
    const env = settingsFromEnv({ IMAGE_CDN_SVG: 'true', IMAGE_CDN_SVG_MAX_BYTES: '4096' });
    expect(resolveConfig({ defaults: defaultConfig(), file }, env).svg).toEqual({ enabled: true, maxBytes: 4096, maxElements: 800 });
    expect(resolveConfig({ defaults: defaultConfig(), file }, env, { svg: false }).svg?.enabled).toBe(false);
    expect(() => resolveConfig({ defaults: defaultConfig() }, { svg: true, svgMaxElements: 0 })).toThrow(/svg.maxElements must be an integer of at least 1/);
    expect(() => parseConfigFile({ svg: { enabled: 'maybe' } }, { file: 'image-cdn.json', baseDir: '.' })).toThrow(/svg.enabled must be true or false/);
  });
});

describe('SVG is off by default', () => {
  it('refuses an SVG source with a 415 that says SVG is disabled', async () => {
    const answer = await get(off, '/cdn-cgi/image/width=40,format=png/logo.svg');
    expect(answer.status).toBe(415);
    expect(answer.tag).toBe('unsupported_source_format');
    expect(answer.body.toString()).toMatch(/SVG sources are disabled/);
  });

  it('decides from the bytes: an SVG stored as photo.jpg is refused too', async () => {
    const answer = await get(off, '/cdn-cgi/image/width=40,format=png/logo-as-photo.jpg');
    expect(answer.status).toBe(415);
    expect(answer.body.toString()).toMatch(/SVG sources are disabled/);
  });

  it('refuses SVGZ, enabled or not, naming what it found', async () => {
    for (const origin of [off, on]) {
      const answer = await get(origin, '/cdn-cgi/image/width=40,format=png/logo.svgz');
      expect(answer.status).toBe(415);
      expect(answer.tag).toBe('unsupported_source_format');
      expect(answer.body.toString()).toMatch(/gzip/);
    }
  });
});

describe('SVG when enabled', () => {
  it('renders a plain SVG, at its own size without a resize', async () => {
    const answer = await get(on, '/cdn-cgi/image/format=png/logo.svg');
    expect(answer.status).toBe(200);
    expect(magic(answer.body)).toBe('png');
    expect(await sharp(answer.body).metadata()).toMatchObject({ width: 100, height: 50 });
  });

  it('renders straight at the output size, so an enlargement keeps sharp edges', async () => {
    file('edge.svg', svg('<rect x="50" width="50" height="50" fill="#000"/>', '100" height="50'));
    const answer = await get(on, '/cdn-cgi/image/width=1000,fit=contain,format=png/edge.svg');
    expect(answer.status).toBe(200);
    const { data, info } = await sharp(answer.body).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(info.width).toBe(1000);
    // Alpha across the edge at x = 500: fully transparent, then fully opaque, one pixel apart.
    const alphaAt = (x: number) => data[(250 * info.width + x) * 4 + 3];
    expect([alphaAt(498), alphaAt(501)]).toEqual([0, 255]);
  });

  it('rotates an SVG from its one rendering at its own size', async () => {
    const answer = await get(on, '/cdn-cgi/image/rotate=90,format=png/logo.svg');
    expect(answer.status).toBe(200);
    expect(await sharp(answer.body).metadata()).toMatchObject({ width: 50, height: 100 });
  });

  it('describes an SVG by its own size (format=json)', async () => {
    const answer = await get(on, '/cdn-cgi/image/width=300,fit=contain,format=json/logo.svg');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ width: 300, height: 150, original: { width: 100, height: 50 } });
  });

  it('never reads a sibling file through xi:include parse="text"', async () => {
    file(
      'include.svg',
      `<svg ${NS} xmlns:xi="http://www.w3.org/2001/XInclude" width="400" height="40"><text x="0" y="20"><xi:include href="notes.txt" parse="text"/></text></svg>`,
    );
    const answer = await get(on, '/cdn-cgi/image/format=png/include.svg');
    expect(answer.status).toBe(415);
    expect(answer.tag).toBe('svg_refused');
    expect(answer.body.toString()).toMatch(/XInclude/);
  });

  it.each([
    ['a sibling image', svg('<image width="4" height="4" href="secret.png"/>'), /refers outside the document/],
    ['an absolute file URL', svg('<image width="4" height="4" href="file:///etc/passwd"/>'), /refers outside the document/],
    [
      'an xlink:href to another file',
      `<svg ${NS} xmlns:xlink="http://www.w3.org/1999/xlink" width="4" height="4"><use xlink:href="other.svg#a"/></svg>`,
      /refers outside the document/,
    ],
    ['a paint server in another file', svg('<rect width="4" height="4" fill="url(other.svg#g)"/>'), /refers outside the document/],
    ['an embedded SVG', svg('<image width="4" height="4" href="data:image/svg+xml;base64,PHN2Zy8+"/>'), /image\/svg\+xml/],
    ['a broken data: URI', svg('<image width="4" height="4" href="data:image/png,%zz"/>'), /percent-encoding/],
    ['xml:base', svg('<g xml:base="/etc/"><rect width="4" height="4"/></g>'), /xml:base/],
    ['a DOCTYPE declaring entities', `<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>${svg('<text>&b;</text>')}`, /DOCTYPE/],
    ['an xml-stylesheet', `<?xml-stylesheet href="style.css"?>${svg('<rect width="4" height="4"/>')}`, /xml-stylesheet/],
    ['@import', svg('<style>@import url(style.css);</style><rect width="4" height="4"/>'), /@import/],
    ['a filter element', svg('<filter id="f"><feGaussianBlur stdDeviation="5"/></filter><rect width="4" height="4" filter="url(#f)"/>'), /filter/],
    ['a CSS filter', svg('<rect width="4" height="4" style="fill:red;filter : blur(2px)"/>'), /filter/],
    ['a CSS filter split by a comment', svg('<style>rect { filter/**/: blur(2px) }</style><rect width="4" height="4"/>'), /filter/],
    ['a CSS escape', svg('<style>rect { fil\\74 er: blur(2px) }</style><rect width="4" height="4"/>'), /escape/],
    [
      'a mask applied from a stylesheet',
      svg('<mask id="m"><rect width="4" height="4" fill="#fff"/></mask><style>* { mask: url(#m) }</style><rect width="4" height="4"/>'),
      /gradients only/,
    ],
    ['another encoding', `<?xml version="1.0" encoding="ISO-8859-1"?>${svg('<rect width="4" height="4"/>')}`, /encoding/],
    ['no SVG namespace', '<svg width="4" height="4"><rect width="4" height="4"/></svg>', /SVG namespace/],
  ])('refuses %s before librsvg sees it', async (name, document, message) => {
    const fileName = `refused-${name.replace(/\W+/g, '-')}.svg`;
    file(fileName, document);
    const answer = await get(on, `/cdn-cgi/image/format=png/${fileName}`);
    expect(answer.status, answer.body.toString()).toBe(415);
    expect(answer.tag).toBe('svg_refused');
    expect(answer.body.toString()).toMatch(message);
  });

  it('accepts an ordinary DOCTYPE, gradients from a stylesheet and an embedded PNG', async () => {
    const png = (
      await sharp({ create: { width: 2, height: 2, channels: 3, background: '#0f0' } })
        .png()
        .toBuffer()
    ).toString('base64');
    file(
      'ordinary.svg',
      '<?xml version="1.0" encoding="UTF-8"?>\n<!-- exported by a drawing program -->\n' +
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' +
        svg(
          '<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/><stop offset="1" stop-color="#00f"/></linearGradient></defs>' +
            '<style>.a { fill: url(#g) }</style><rect class="a" width="50" height="50"/>' +
            `<image x="50" width="50" height="50" href="data:image/png;base64,${png}"/>`,
        ),
    );
    const answer = await get(on, '/cdn-cgi/image/format=png/ordinary.svg');
    expect(answer.status, answer.body.toString()).toBe(200);
  });

  it.each([
    ['more elements than the limit', svg('<rect width="1" height="1"/>'.repeat(5_001)), /elements/],
    ['<use> expanding past the limit', referenceBomb(4, 10), /elements once <use>/],
    [
      'markers on every vertex past the limit',
      svg(`<marker id="m">${'<circle r="1"/>'.repeat(20)}</marker><path marker-mid="url(#m)" d="M0 0 ${'L1 1 '.repeat(400)}"/>`),
      /elements/,
    ],
    ['more text than the limit', svg(`<text y="20">${'A'.repeat(5_001)}</text>`), /characters of text/],
    ['more pixels than the pixel limit', svg('<rect width="1" height="1"/>', '20000" height="20000'), /pixels; the limit is/],
    ['more bytes than the SVG limit', svg(`<!--${' '.repeat(DEFAULT_SVG.maxBytes)}-->`), /SVG limit/],
  ])('refuses %s with 413 source_too_large', async (name, document, message) => {
    const fileName = `large-${name.replace(/\W+/g, '-')}.svg`;
    file(fileName, document);
    const answer = await get(on, `/cdn-cgi/image/format=png/${fileName}`);
    expect(answer.status, answer.body.toString()).toBe(413);
    expect(answer.tag).toBe('source_too_large');
    expect(answer.body.toString()).toMatch(message);
  });

  it('renders at the scale of the one resize, never past the pixel limit, and at 1 with geometry', () => {
    const parse = createImageUrlParser(['cloudflare']);
    const pipeline = (options: string) => {
      const parsed = parse(`/cdn-cgi/image/${options}/x.svg`, '');
      if (!parsed?.ok) throw new Error(`bad options ${options}`);
      return normalise(parsed.value.options);
    };
    expect(renderScale(pipeline('width=4000,fit=contain'), 100, 100, 25_000_000)).toBe(40);
    expect(renderScale(pipeline('width=50'), 100, 100, 25_000_000)).toBe(0.5);
    const limited = renderScale(pipeline('width=4000,height=4000,fit=squeeze'), 100, 100, 1_000_000);
    expect(Math.ceil(100 * limited) ** 2).toBeLessThanOrEqual(1_000_000);
    expect(renderScale(pipeline('width=4000,height=4000,fit=scale-down'), 100, 100, 25_000_000)).toBe(1);
    expect(renderScale(pipeline('width=4000,fit=contain,rotate=90'), 100, 100, 25_000_000)).toBe(1);
  });
});

/** `levels` nested groups, each using the one below `fan` times: fan^levels instances. */
function referenceBomb(levels: number, fan: number): string {
  let defs = '<g id="l0"><path d="M0 0 L10 10 L0 10 Z"/></g>';
  for (let i = 1; i <= levels; i++) defs += `<g id="l${i}">${`<use href="#l${i - 1}"/>`.repeat(fan)}</g>`;
  return svg(`<defs>${defs}</defs><use href="#l${levels}"/>`, '2000" height="2000');
}

describe('SVG bombs against an origin in its own process', () => {
  const bombs = tempDir('image-cdn-svg-bombs-');
  const bomb = (name: string, contents: string | Buffer) => writeFileSync(path.join(bombs.dir, name), contents);
  let child: ChildOrigin;

  beforeAll(async () => {
    // 224 bytes on disk: one <text> of 25,000 characters, which librsvg lays out in quadratic time.
    const textBomb = gzipSync(svg(`<text y="20">${'A'.repeat(25_000)}</text>`, '1000" height="1000'), { level: 9 });
    bomb('text.svgz', textBomb);
    bomb('text-as-photo.jpg', textBomb);
    // A filter over a large area: librsvg renders it again for every region a rotate reads.
    bomb(
      'filtered.svg',
      svg(
        '<filter id="f"><feGaussianBlur stdDeviation="50"/><feMorphology operator="dilate" radius="30"/></filter><rect width="1500" height="1500" fill="red" filter="url(#f)"/>',
        '1500" height="1500',
      ),
    );
    // Full-canvas elements composited through group opacity: cost is elements × pixels.
    bomb('layers.svg', svg('<rect width="4000" height="4000" fill="red" opacity="0.5"/>'.repeat(1_000), '4000" height="4000'));
    bomb('uses.svg', referenceBomb(6, 10));
    bomb(
      'plain.png',
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } })
        .png()
        .toBuffer(),
    );
    child = await startChildOrigin(
      { mounts: [{ prefix: '/', source: { type: 'file', root: bombs.dir } }], ...ENABLED, limits: { requestTimeoutMs: 5_000, concurrency: 2 } },
      { rssCeilingBytes: 1.5 * 1024 ** 3 },
    );
  }, 60_000);
  afterAll(async () => {
    await child?.stop();
    bombs.remove();
  });

  async function fastRefusal(target: string, status: number, tag: string, message: RegExp) {
    const cpuBefore = child.cpuMs();
    const started = performance.now();
    const answer = await get(child, target);
    const ms = performance.now() - started;
    const cpuMs = child.cpuMs() - cpuBefore;
    expect(answer.status, answer.body.toString()).toBe(status);
    expect(answer.tag).toBe(tag);
    expect(answer.body.toString()).toMatch(message);
    expect(ms).toBeLessThan(1_000);
    expect(cpuMs).toBeLessThan(1_000);
    return { ms, cpuMs };
  }

  afterAll(() => {
    // For the record in the test output: the child's peak over every bomb.
    process.stdout.write(`svg bombs: peak RSS ${(child.peakRssBytes / MiB).toFixed(0)} MiB, CPU ${child.cpuMs().toFixed(0)} ms in all\n`);
  });

  it('an SVGZ text bomb (.svgz or stored as photo.jpg) is a fast 415', async () => {
    await fastRefusal('/cdn-cgi/image/width=100,format=png/text.svgz', 415, 'unsupported_source_format', /gzip/);
    await fastRefusal('/cdn-cgi/image/width=100,format=png/text-as-photo.jpg', 415, 'unsupported_source_format', /gzip/);
  }, 30_000);

  it('two large filtered SVGs with rotate=90 are refused and hold no slot: a transform right after is fast', async () => {
    const filtered = '/cdn-cgi/image/rotate=90,format=png/filtered.svg';
    const cpuBefore = child.cpuMs();
    const answers = await Promise.all([get(child, filtered), get(child, filtered)]);
    for (const answer of answers) {
      expect(answer.status, answer.body.toString()).toBe(415);
      expect(answer.tag).toBe('svg_refused');
    }
    const started = performance.now();
    expect((await get(child, '/cdn-cgi/image/width=32,format=png/plain.png')).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(child.cpuMs() - cpuBefore).toBeLessThan(1_000);
  }, 60_000);

  it('elements × pixels past the render budget is a fast 413', async () => {
    await fastRefusal('/cdn-cgi/image/format=png/layers.svg', 413, 'source_too_large', /element-pixels/);
  }, 60_000);

  it('a <use> reference bomb is a fast 413', async () => {
    await fastRefusal('/cdn-cgi/image/width=100,format=png/uses.svg', 413, 'source_too_large', /elements once <use>/);
  }, 30_000);

  it('stays small and healthy throughout', async () => {
    expect((await fetch(`${child.url}/healthz`)).status).toBe(200);
    expect(child.killedForMemory).toBe(false);
    expect(child.alive).toBe(true);
    expect(child.peakRssBytes).toBeLessThan(400 * MiB);
  });
});
