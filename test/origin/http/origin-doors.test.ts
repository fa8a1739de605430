/**
 * One origin, four doors: the built CLI (`image-cdn serve`), createImageHandler under
 * http.createServer, the same under Express (at the root and mounted on a sub-path), and
 * `handler.fetch` called in process. Every row of one table of requests must get the same answer
 * through each: status, body bytes and the headers a cache or client acts on.
 */
import { createHash } from 'node:crypto';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import { collectDefaultMetrics, Counter, register, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageHandler, type ImageHandler, type ImageHandlerOptions } from '../../../origin/src/index.js';
import { signPath } from '../../../origin/src/signing/native.js';
import { runCliServeToExit, startCliOrigin, type CliOrigin } from '../../support/cli-origin.js';
import { listenLocal, type Listening } from '../../support/listen.js';
import { REPO, SAMPLES, tempDir } from '../../support/origin.js';

const KEY = 'doors-test-signing-key-0123456789';
const root = tempDir('image-cdn-doors-');

/** One configuration, said twice: as the CLI's flags and as handler options. */
const CLI_FLAGS = ['--root', root.dir, '--signing-key', KEY, '--signing', 'optional', '--cache-tag-header', 'Cache-Tag', '--no-access-log'];
const OPTIONS: ImageHandlerOptions = { root: root.dir, signing: { keys: [KEY], mode: 'optional' }, cacheTagHeader: 'Cache-Tag', accessLog: false };

const AVIF_OR_WEBP = 'image/avif,image/webp,*/*';
const AUTO = '/cdn-cgi/image/width=320,format=auto/fossa.jpg';

/** What a door answered, in comparable form. */
interface Answer {
  readonly status: number;
  readonly sha256: string;
  readonly headers: Readonly<Record<string, string>>;
}

interface Row {
  readonly name: string;
  readonly method?: 'GET' | 'HEAD' | 'POST';
  readonly path: string;
  /** Request headers; a function reads what this door answered to an earlier row (an ETag to revalidate). */
  readonly headers?: Record<string, string> | ((earlier: (name: string) => Answer) => Record<string, string>);
  /** What the answer must be, so the table checks the origin as well as the doors' agreement. */
  readonly status: number;
  readonly type?: string;
  readonly tag?: string;
}

function signed(target: string): string {
  const result = signPath(target, { key: KEY });
  if (!result.ok) throw result.error;
  return result.value;
}

const ROWS: readonly Row[] = [
  { name: 'format=auto with an Accept that takes AVIF', path: AUTO, headers: { accept: AVIF_OR_WEBP }, status: 200, type: 'image/avif' },
  { name: 'format=auto with an Accept that takes WebP only', path: AUTO, headers: { accept: 'image/webp,*/*' }, status: 200, type: 'image/webp' },
  {
    name: 'If-None-Match with the ETag of the first answer',
    path: AUTO,
    headers: (earlier) => ({ accept: AVIF_OR_WEBP, 'if-none-match': earlier('format=auto with an Accept that takes AVIF').headers['etag']! }),
    status: 304,
  },
  { name: 'HEAD of a transform', method: 'HEAD', path: '/cdn-cgi/image/width=200,format=webp/kleiber.jpg', status: 200, type: 'image/webp' },
  { name: 'a signed URL', path: signed('/cdn-cgi/image/width=150,format=png/alpha.png'), status: 200, type: 'image/png' },
  {
    name: 'a signature that does not match',
    path: `/cdn-cgi/image/width=150,format=png/alpha.png?sig=${'A'.repeat(43)}`,
    status: 401,
    tag: 'invalid_signature',
  },
  { name: 'a width beyond the 12,000 px cap', path: '/cdn-cgi/image/width=20000/fossa.jpg', status: 400, tag: 'invalid_option' },
  { name: 'an output beyond maxOutputPixels', path: '/cdn-cgi/image/width=11000,height=11000,fit=pad/fossa.jpg', status: 400, tag: 'output_too_large' },
  { name: 'a malformed option value', path: '/cdn-cgi/image/width=banana/fossa.jpg', status: 400, tag: 'invalid_option' },
  { name: 'an unknown option', path: '/cdn-cgi/image/wdth=100/fossa.jpg', status: 400, tag: 'unknown_option' },
  { name: 'an unknown source', path: '/cdn-cgi/image/width=100/missing.jpg', status: 404, tag: 'source_not_found' },
  { name: 'a path traversal', path: '/cdn-cgi/image/width=100/..%2f..%2fetc%2fpasswd', status: 400, tag: 'source_forbidden' },
  { name: 'a bad percent-encoding', path: '/cdn-cgi/image/width=100/fo%zzssa.jpg', status: 400, tag: 'malformed_url' },
  { name: 'format=json', path: '/cdn-cgi/image/width=100,format=json/fossa.jpg', status: 200, type: 'application/json' },
  { name: 'an original, no transform', path: '/kleiber.jpg', status: 200, type: 'image/jpeg' },
  { name: 'HEAD of an original', method: 'HEAD', path: '/alpha.png', status: 200, type: 'image/png' },
  {
    name: 'an original revalidated by If-Modified-Since',
    path: '/kleiber.jpg',
    headers: (earlier) => ({ 'if-modified-since': earlier('an original, no transform').headers['last-modified']! }),
    status: 304,
  },
  { name: '/healthz', path: '/healthz', status: 200, type: 'application/json' },
  { name: 'the built-in health image', path: '/cdn-cgi/image/format=auto/_health.png', headers: { accept: AVIF_OR_WEBP }, status: 200, type: 'image/avif' },
  { name: 'a cache-busting version segment', path: '/v3/cdn-cgi/image/width=90/kleiber.jpg', status: 200, type: 'image/jpeg' },
  { name: 'an animated GIF', path: '/cdn-cgi/image/width=8/animated.gif', status: 200, type: 'image/gif' },
  { name: 'onerror=redirect for a missing source', path: '/cdn-cgi/image/width=100,onerror=redirect/missing.jpg', status: 302 },
  { name: 'POST to a transform URL', method: 'POST', path: '/cdn-cgi/image/width=100/fossa.jpg', status: 405, tag: 'method_not_allowed' },
];

/**
 * Headers that truly differ by door, dropped before comparing: node:http adds `date` (the wall
 * clock) and `connection`/`keep-alive` (the socket's framing) to whatever the origin sends; a
 * Response handed over in process has no socket. Everything else must be identical.
 */
const TRANSPORT_HEADERS = new Set(['date', 'connection', 'keep-alive']);

async function answerOf(response: Response, mountPath = ''): Promise<Answer> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (TRANSPORT_HEADERS.has(name)) return;
    // Durations are measured per request; the phases reported must match.
    if (name === 'server-timing') value = value.replace(/;dur=[0-9.]+/g, '');
    // A redirect under a mount points below the mount, as the client sees the URL.
    if (name === 'location' && mountPath) value = value.startsWith(mountPath) ? value.slice(mountPath.length) : `(not under ${mountPath}) ${value}`;
    headers[name] = value;
  });
  return { status: response.status, sha256: createHash('sha256').update(body).digest('hex'), headers };
}

interface Door {
  readonly name: string;
  send(row: Row, headers: Record<string, string>): Promise<Answer>;
}

/** A door reached over HTTP at `base`, the way a CDN or browser would (fetch follows no redirect). */
const httpDoor = (name: string, base: string, mountPath = ''): Door => ({
  name,
  send: async (row, headers) =>
    answerOf(await fetch(`${base}${mountPath}${row.path}`, { method: row.method ?? 'GET', headers, redirect: 'manual' }), mountPath),
});

const closers: Array<() => Promise<unknown>> = [];
let cli: CliOrigin;
let doors: Door[];
const answers = new Map<string, Map<string, Answer>>();

/** A handler of its own per door, so every door starts with empty caches and sees the same sequence. */
function handlerForTest(options: ImageHandlerOptions = OPTIONS): ImageHandler {
  const handler = createImageHandler(options);
  closers.push(() => handler.close());
  return handler;
}

async function served(listener: Parameters<typeof listenLocal>[0]): Promise<Listening> {
  const server = await listenLocal(listener);
  closers.push(() => server.close());
  return server;
}

beforeAll(async () => {
  for (const name of ['fossa.jpg', 'kleiber.jpg', 'alpha.png', 'animated.gif']) copyFileSync(path.join(SAMPLES, name), path.join(root.dir, name));

  cli = await startCliOrigin(CLI_FLAGS);
  const plain = await served(handlerForTest());
  const expressRoot = express().disable('x-powered-by').use(handlerForTest());
  const expressMounted = express().disable('x-powered-by').use('/img', handlerForTest());
  const fetchHandler = handlerForTest();
  doors = [
    httpDoor('the CLI server', cli.url),
    httpDoor('http.createServer', plain.url),
    httpDoor('Express', (await served(expressRoot)).url),
    httpDoor('Express under /img', (await served(expressMounted)).url, '/img'),
    {
      name: 'handler.fetch',
      send: async (row, headers) => answerOf(await fetchHandler.fetch(new Request(`http://origin.test${row.path}`, { method: row.method ?? 'GET', headers }))),
    },
  ];
  // Door by door, rows in order: each door's caches see the same sequence of requests.
  for (const door of doors) {
    const seen = new Map<string, Answer>();
    answers.set(door.name, seen);
    for (const row of ROWS) {
      const extra = typeof row.headers === 'function' ? row.headers((name) => seen.get(name)!) : row.headers;
      // The same request headers everywhere: fetch() would add its own Accept, a bare Request none.
      seen.set(row.name, await door.send(row, { accept: '*/*', ...extra }));
    }
  }
}, 120_000);

afterAll(async () => {
  await cli?.stop();
  for (const close of closers.reverse()) await close();
  root.remove();
});

describe('the table of requests', () => {
  it('has the rows the doors must agree on', () => {
    expect(ROWS.length).toBeGreaterThanOrEqual(15);
    expect(new Set(ROWS.map((row) => row.name)).size).toBe(ROWS.length);
  });

  it.each(ROWS.map((row) => [row.name, row] as const))('%s: the answer the origin should give', (_name, row) => {
    const answer = answers.get('the CLI server')!.get(row.name)!;
    expect(answer.status).toBe(row.status);
    if (row.type) expect(answer.headers['content-type']).toBe(row.type);
    expect(answer.headers['x-image-cdn-error']).toBe(row.tag);
    if (row.status === 200 && row.method !== 'HEAD') expect(Number(answer.headers['content-length'])).toBeGreaterThan(0);
  });

  it.each(ROWS.map((row) => [row.name, row] as const))('%s: the same answer through every door', (_name, row) => {
    const reference = answers.get('the CLI server')!.get(row.name)!;
    for (const door of doors.slice(1)) {
      expect({ door: door.name, ...answers.get(door.name)!.get(row.name)! }).toEqual({ door: door.name, ...reference });
    }
  });

  it('compares the headers that matter, not an empty set', () => {
    const transform = answers.get('handler.fetch')!.get('format=auto with an Accept that takes AVIF')!;
    for (const name of ['content-type', 'etag', 'cache-control', 'vary', 'content-length', 'last-modified', 'cache-tag', 'server-timing']) {
      expect(transform.headers[name], name).toBeDefined();
    }
    const refused = answers.get('handler.fetch')!.get('a malformed option value')!;
    expect(refused.headers['x-image-cdn-error']).toBe('invalid_option');
    const redirect = answers.get('Express under /img')!.get('onerror=redirect for a missing source')!;
    expect(redirect.headers['location']).toBe('/missing.jpg');
  });
});

describe('as middleware', () => {
  let app: Listening;
  let passedOn: string[];

  beforeAll(async () => {
    passedOn = [];
    const host = express().disable('x-powered-by');
    host.get('/healthz-of-the-host', (_req, res) => {
      res.send('host ok');
    });
    host.use(handlerForTest());
    host.use((req, _res, next) => {
      passedOn.push(`${req.method} ${req.url}`);
      next();
    });
    host.get('/about', (_req, res) => {
      res.type('text/plain').send('the host app');
    });
    host.post('/kleiber.jpg', (_req, res) => {
      res.status(201).send('uploaded');
    });
    host.use('/assets', handlerForTest());
    app = await served(host);
  });

  it("calls next() for paths that are not its own, and the host app's routes answer them", async () => {
    const about = await fetch(`${app.url}/about`);
    expect([about.status, await about.text()]).toEqual([200, 'the host app']);
    const upload = await fetch(`${app.url}/kleiber.jpg`, { method: 'POST' });
    expect([upload.status, await upload.text()]).toEqual([201, 'uploaded']);
    const missing = await fetch(`${app.url}/no-such-file.jpg`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-image-cdn-error')).toBeNull();
    expect(passedOn).toEqual(['GET /about', 'POST /kleiber.jpg', 'GET /no-such-file.jpg']);
  });

  it('answers its own paths itself, errors included, and never passes them on', async () => {
    passedOn.length = 0;
    const original = await fetch(`${app.url}/kleiber.jpg`);
    expect([original.status, original.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    const missing = await fetch(`${app.url}/cdn-cgi/image/width=100/no-such-file.jpg`);
    expect([missing.status, missing.headers.get('x-image-cdn-error')]).toEqual([404, 'source_not_found']);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    expect(passedOn).toEqual([]);
  });

  it('without next (a plain server) answers those same paths as the standalone origin does', async () => {
    const plain = await served(handlerForTest());
    const about = await fetch(`${plain.url}/about`);
    expect([about.status, about.headers.get('x-image-cdn-error')]).toEqual([404, 'source_not_found']);
    const cliAbout = await fetch(`${cli.url}/about`);
    expect(await answerOf(about.clone())).toEqual(await answerOf(cliAbout));
    const viaFetch = await handlerForTest().fetch(new Request('http://origin.test/about'));
    expect([viaFetch.status, viaFetch.headers.get('x-image-cdn-error')]).toEqual([404, 'source_not_found']);
  });

  it('under a mount, serves below it and passes on what is outside it', async () => {
    const transform = await fetch(`${app.url}/assets/cdn-cgi/image/width=64,format=webp/fossa.jpg`);
    expect([transform.status, transform.headers.get('content-type')]).toEqual([200, 'image/webp']);
    const mountRoot = await fetch(`${app.url}/assets`);
    expect(mountRoot.status).toBe(404);
    expect(mountRoot.headers.get('x-image-cdn-error')).toBeNull();
  });
});

describe('two handlers in one process, beside a host app that uses prom-client', () => {
  it('neither collides with the other nor with the default registry', async () => {
    collectDefaultMetrics();
    // A host metric with the very name the origin uses, in prom-client's global registry.
    new Counter({ name: 'image_cdn_requests_total', help: 'the host app counts its own', labelNames: ['status'] });
    const first = handlerForTest({ ...OPTIONS, processMetrics: true });
    const second = handlerForTest({ ...OPTIONS, processMetrics: true });
    expect(first.metrics).not.toBe(second.metrics);
    expect(first.metrics).not.toBe(register);

    await (await first.fetch(new Request('http://origin.test/cdn-cgi/image/width=40/fossa.jpg'))).arrayBuffer();
    const requests = async (registry: Registry) =>
      (await registry.getSingleMetric('image_cdn_requests_total')!.get()).values.reduce((sum, v) => sum + v.value, 0);
    expect(await requests(first.metrics)).toBe(1);
    expect(await requests(second.metrics)).toBe(0);
    expect(await requests(register)).toBe(0);
    // One handler's registry merges into the host's scrape (once the host's look-alike is gone).
    register.removeSingleMetric('image_cdn_requests_total');
    const merged = Registry.merge([register, first.metrics]);
    expect(await merged.metrics()).toMatch(/image_cdn_transforms_total\{format="jpeg"\} 1/);
  });
});

describe('close()', () => {
  it('lets the answer under way finish, then refuses with 503 at every door; closing twice is one close', async () => {
    const handler = createImageHandler(OPTIONS);
    const server = await served(handler);
    // Under way from the moment it is called: the core counts it before its first await.
    const underWay = handler.fetch(new Request('http://origin.test/cdn-cgi/image/width=500,format=png/kleiber.jpg'));
    const closing = handler.close();
    expect(handler.close()).toBe(closing);
    const finished = await underWay;
    expect(finished.status).toBe(200);
    await closing;

    const viaFetch = await handler.fetch(new Request('http://origin.test/cdn-cgi/image/width=40/fossa.jpg'));
    expect([viaFetch.status, viaFetch.headers.get('x-image-cdn-error')]).toEqual([503, 'overloaded']);
    const viaNode = await fetch(`${server.url}/cdn-cgi/image/width=40/fossa.jpg`);
    expect(viaNode.status).toBe(503);
    const cacheBytes = (await handler.metrics.getSingleMetric('image_cdn_source_cache_bytes')!.get()).values[0]!.value;
    expect(cacheBytes).toBe(0);
  });

  it('leaves nothing that keeps the process alive', async () => {
    const script = [
      `const { createImageHandler } = require(${JSON.stringify(path.join(REPO, 'dist/origin/src/index.js'))});`,
      `const handler = createImageHandler({ root: ${JSON.stringify(root.dir)}, accessLog: false });`,
      "handler.fetch(new Request('http://origin.test/cdn-cgi/image/width=40/fossa.jpg'))",
      '  .then((r) => r.arrayBuffer()).then(() => handler.close()).then(() => console.log("closed"));',
    ].join('\n');
    const { execFile } = await import('node:child_process');
    const output = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['-e', script], { timeout: 20_000 }, (error, stdout) =>
        error ? reject(new Error(error.message, { cause: error })) : resolve(stdout),
      ),
    );
    expect(output.trim()).toBe('closed');
  });
});

describe('image-cdn serve without a usable source', () => {
  it('names a root that is no directory, in one line', async () => {
    const { code, stderr } = await runCliServeToExit(['--root', path.join(root.dir, 'no-such-dir')], process.env);
    expect(stderr).toMatch(/^image-cdn serve: .*root ".*no-such-dir" is not a directory\n$/);
    expect(code).not.toBe(0);
  });
});
