/**
 * The playground in a real browser: Debian's Chromium, driven by puppeteer-core (which never
 * downloads a browser), against the origin started as `npm start` starts it. The steps are the
 * issue's, in order; the form is driven from the keyboard. The screenshot is kept in
 * test-artifacts/. Locally Chromium is optional; in CI (.ci/run installs it) a missing one fails.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_TAG_HEADER } from '../../../origin/src/http/error-response.js';
import { ARTIFACTS, findChromium } from '../../support/chromium.js';
import { startAsNpmStart, type StartedOrigin } from '../../support/npm-start.js';
import { SAMPLES } from '../../support/origin.js';

// What the page-side callbacks use of the DOM: the project compiles without the DOM library.
interface ImageElement {
  readonly naturalWidth: number;
  readonly complete: boolean;
  readonly hidden: boolean;
  getAttribute(name: string): string | null;
}
declare const document: {
  getElementById(id: string): { readonly dataset: Record<string, string | undefined> } | null;
  querySelectorAll(selector: string): { readonly length: number };
};

const chromium = findChromium();
if (!chromium && process.env.CI === 'true') throw new Error('Chromium is required in CI: .ci/run should have installed it (/usr/bin/chromium)');

const SAMPLE_IMAGES = ['alpha.png', 'animated.gif', 'fossa.jpg', 'kleiber.jpg', 'oriented-6.jpg'];
const SCREENSHOT = path.join(ARTIFACTS, 'playground.png');

describe.skipIf(!chromium)('the playground in Chromium', () => {
  let origin: StartedOrigin;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const complaints: string[] = [];

  beforeAll(async () => {
    origin = await startAsNpmStart();
    browser = await puppeteer.launch({
      executablePath: chromium!,
      headless: true,
      // No sandbox: CI runs as root, where Chromium refuses it.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('request', (request) => requested.push(request.url()));
    page.on('pageerror', (error) => complaints.push(`page error: ${(error as Error).message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') complaints.push(`console: ${message.text()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await origin?.stop();
  });

  /** Replaces a field's text from the keyboard, as a person would. */
  async function type(name: string, text: string): Promise<void> {
    await page.focus(`#f-${name}`);
    await page.keyboard.down('Control');
    await page.keyboard.press('KeyA');
    await page.keyboard.up('Control');
    await page.keyboard.type(text);
  }

  const resultFor = (...parts: string[]) =>
    page.waitForFunction(
      (wanted: string[]) => {
        const result = document.getElementById('result')!;
        return result.dataset.state === 'done' && wanted.every((part) => result.dataset.request?.includes(part));
      },
      {},
      parts,
    );

  it('1. opens / from npm start, and the gallery shows the sample images', async () => {
    expect(origin.playground).toBe(`${origin.url}/`);
    await page.goto(origin.playground, { waitUntil: 'networkidle0' });
    const shown = await page.$$eval('#sources button', (buttons) =>
      buttons.map((button) => ({ path: button.dataset.path, thumbnail: (button.querySelector('img') as unknown as ImageElement).naturalWidth })),
    );
    expect(shown.map((entry) => entry.path)).toEqual(SAMPLE_IMAGES);
    // Each thumbnail is the origin's 160×160 cover crop, decoded by the browser.
    expect(shown.every((entry) => entry.thumbnail === 160)).toBe(true);
  });

  it('2. fossa.jpg at width 300 as webp: an image 300 wide, its Cloudflare URL, a quoted ETag', async () => {
    await page.focus('#sources button[data-path="fossa.jpg"]');
    await page.keyboard.press('Enter');
    await type('width', '300');
    await type('format', 'webp');
    await page.keyboard.press('Enter');
    await resultFor('width=300', 'format=webp', 'fossa.jpg');

    expect(await page.$eval('#result-image', (image) => (image as unknown as ImageElement).naturalWidth)).toBe(300);
    const url = await page.$eval('#url-list dd[data-grammar="cloudflare"] code', (code) => code.textContent);
    expect(url).toMatch(/\/cdn-cgi\/image\/[^/]*width=300[^/]*\/fossa\.jpg$/);
    expect(url).toContain('format=webp');
    const headers = await page.$$eval('#headers tr', (rows) =>
      Object.fromEntries(rows.map((row) => [row.getAttribute('data-header'), row.querySelector('td')!.textContent])),
    );
    expect(headers['etag']).toMatch(/^"[^"]+"$/);
    expect(headers['content-type']).toBe('image/webp');
    expect(headers['cache-control']).toContain('max-age=');
    const facts = await page.$$eval('#result-facts dd', (values) => Object.fromEntries(values.map((dd) => [dd.getAttribute('data-fact'), dd.textContent])));
    expect(facts['dimensions']).toMatch(/^300 × \d+ px$/);
    expect(facts['format']).toBe('image/webp');
    expect(facts['saving']).toContain(`(${readFileSync(path.join(SAMPLES, 'fossa.jpg')).length.toLocaleString('en')} bytes)`);
    expect(facts['server-timing']).toMatch(/transform \d+\.\d ms/);
  });

  it("3. an invalid width of 0 shows the origin's error tag beside width, and no broken image", async () => {
    await type('width', '0');
    await page.waitForFunction(() => document.getElementById('result')!.dataset.state === 'invalid');
    const origins = await fetch(`${origin.url}/cdn-cgi/image/width=0,format=webp/fossa.jpg`);
    const tag = await page.$eval('#e-width .tag', (element) => element.textContent);
    expect(tag).toBe(origins.headers.get(ERROR_TAG_HEADER));
    expect(tag).toBe('invalid_option');
    expect(await page.$eval('#e-width', (element) => element.textContent)).toContain((await origins.text()).trim());
    expect(await page.$eval('#f-width', (input) => input.getAttribute('aria-invalid'))).toBe('true');
    expect(await page.$eval('#result-image', (image) => ({ hidden: (image as unknown as ImageElement).hidden, src: image.getAttribute('src') }))).toEqual({
      hidden: true,
      src: null,
    });
    const broken = await page.$$eval(
      'img',
      (elements) =>
        (elements as unknown as ImageElement[]).filter((image) => !image.hidden && image.getAttribute('src') && !(image.complete && image.naturalWidth > 0))
          .length,
    );
    expect(broken).toBe(0);
  });

  it('4. the comparison shows the transform as JPEG, WebP and AVIF, each with its bytes', async () => {
    await type('width', '300');
    await page.keyboard.press('Enter');
    await resultFor('width=300', 'format=webp');
    await page.waitForFunction(() => document.querySelectorAll('#comparison figure[data-bytes]').length === 3);
    const compared = await page.$$eval('#comparison figure', (figures) =>
      figures.map((figure) => ({
        format: figure.getAttribute('data-format'),
        bytes: Number(figure.getAttribute('data-bytes')),
        caption: figure.querySelector('.bytes')?.textContent,
        width: (figure.querySelector('img') as unknown as ImageElement).naturalWidth,
      })),
    );
    expect(compared.map((entry) => entry.format)).toEqual(['jpeg', 'webp', 'avif']);
    for (const entry of compared) {
      expect(entry.bytes).toBeGreaterThan(0);
      expect(entry.caption).toBe(`${entry.bytes.toLocaleString('en')} bytes`);
      expect(entry.width).toBe(300);
    }
  });

  it('5. a screenshot is kept as a test artifact', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(readFileSync(SCREENSHOT).subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('loaded nothing from another origin, and nothing complained (CSP included)', () => {
    const foreign = requested.filter((url) => !url.startsWith(`${origin.url}/`) && !url.startsWith('blob:'));
    expect(foreign).toEqual([]);
    expect(complaints).toEqual([]);
  });
});
