import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HttpSourceConfig } from '../../../origin/src/config.js';
import { allowAllAddresses, defaultAddressGuard, type AddressGuard } from '../../../origin/src/sources/address-guard.js';
import { type DnsLookup, refusedAddress } from '../../../origin/src/sources/guarded-request.js';
import { createHttpSource } from '../../../origin/src/sources/http.js';
import type { ResolvedSource, Source } from '../../../origin/src/sources/types.js';
import { failure } from '../../support/failure.js';

const alpha = readFileSync(fileURLToPath(new URL('../../../samples/alpha.png', import.meta.url)));
const LAST_MODIFIED = 'Tue, 04 Nov 2025 10:00:00 GMT';

/** What the upstream saw: `METHOD /path`. */
const seen: string[] = [];
let upstream: http.Server;
let port: number;
let changingVersion = 0;

function startUpstream(): Promise<void> {
  upstream = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://upstream');
    seen.push(`${request.method} ${url.pathname}`);
    const image = (headers: http.OutgoingHttpHeaders = {}) => {
      response.writeHead(200, { 'content-type': 'image/png', 'content-length': alpha.length, ...headers });
      response.end(request.method === 'HEAD' ? undefined : alpha);
    };
    switch (url.pathname) {
      case '/img.png':
        return image({ etag: '"v1"', 'last-modified': LAST_MODIFIED });
      case '/close.png':
        return image({ etag: '"v1"', connection: 'close' });
      case '/last-modified-only.png':
        return image({ 'last-modified': LAST_MODIFIED });
      case '/no-validators':
        return image({ 'content-type': 'application/octet-stream' });
      case '/no-head.png':
        if (request.method === 'HEAD') {
          response.writeHead(405, { allow: 'GET' });
          return response.end();
        }
        return image();
      case '/changing.png':
        changingVersion++;
        return image({ etag: `"v${changingVersion}"` });
      case '/redirect-same-host':
        response.writeHead(302, { location: '/img.png' });
        return response.end();
      case '/redirect-chain': {
        const step = Number(url.searchParams.get('step') ?? '0');
        response.writeHead(302, { location: step >= 2 ? '/img.png' : `/redirect-chain?step=${step + 1}` });
        return response.end();
      }
      case '/redirect-to-subdomain':
        response.writeHead(301, { location: `http://cdn.images.test:${port}/img.png` });
        return response.end();
      case '/redirect-to-evil':
        response.writeHead(302, { location: `http://evil.test:${port}/img.png` });
        return response.end();
      case '/redirect-to-lookalike':
        response.writeHead(302, { location: `http://evilimages.test:${port}/img.png` });
        return response.end();
      case '/redirect-to-metadata':
        response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        return response.end();
      case '/redirect-to-file':
        response.writeHead(302, { location: 'file:///etc/passwd' });
        return response.end();
      case '/redirect-loop':
        response.writeHead(302, { location: '/redirect-loop' });
        return response.end();
      case '/missing.png':
        response.writeHead(404);
        return response.end('not here');
      case '/gone.png':
        response.writeHead(410);
        return response.end();
      case '/forbidden.png':
        response.writeHead(403);
        return response.end();
      case '/broken.png':
        response.writeHead(500);
        return response.end();
      case '/declared-huge.png':
        // HEAD declares the size; a GET would also send it. The test proves no GET happens.
        response.writeHead(200, { 'content-type': 'image/png', etag: '"huge"', 'content-length': 10_000_000 });
        return response.end();
      case '/undeclared-huge.png': {
        // No Content-Length on the GET: only the streaming cap can stop it.
        if (request.method === 'HEAD') {
          response.writeHead(200, { 'content-type': 'image/png', etag: '"big"' });
          return response.end();
        }
        response.writeHead(200, { 'content-type': 'image/png', etag: '"big"' });
        const chunk = Buffer.alloc(16 * 1024, 1);
        let sent = 0;
        const pump = () => {
          while (sent < 1_000_000) {
            sent += chunk.length;
            if (!response.write(chunk)) return void response.once('drain', pump);
          }
          response.end();
        };
        return pump();
      }
      case '/slow-headers.png': {
        const timer = setTimeout(() => image({ etag: '"slow"' }), 3_000);
        response.on('close', () => clearTimeout(timer));
        return;
      }
      case '/stall-body.png':
        if (request.method === 'HEAD') return image({ etag: '"stall"' });
        response.writeHead(200, { 'content-type': 'image/png', etag: '"stall"', 'content-length': alpha.length });
        response.write(alpha.subarray(0, 100)); // and never the rest
        return;
      default:
        response.writeHead(404);
        return response.end();
    }
  });
  return new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve())).then(() => {
    port = (upstream.address() as AddressInfo).port;
  });
}

/** A DNS where every test host name points at the local upstream. */
const localDns: DnsLookup = (hostname, _options, callback) => {
  if (hostname.endsWith('.test')) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
  callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
};

const CONFIG: HttpSourceConfig = { allowHosts: ['images.test', '.images.test'], maxRedirects: 3, timeoutMs: 2_000 };
const sources: Source[] = [];
function source(config: Partial<HttpSourceConfig> = {}, addressGuard: AddressGuard = allowAllAddresses, lookup: DnsLookup = localDns): Source {
  const created = createHttpSource({ ...CONFIG, ...config }, { addressGuard, lookup });
  sources.push(created);
  return created;
}

const signal = () => new AbortController().signal;
const url = (path: string, host = 'images.test') => `http://${host}:${port}${path}`;
const open = (resolved: ResolvedSource, maxBytes = 10_000_000) => resolved.open({ signal: signal(), maxBytes });

beforeAll(startUpstream);
afterAll(
  () =>
    new Promise<void>((resolve) => {
      upstream.close(() => resolve());
      upstream.closeAllConnections();
    }),
);
beforeEach(() => void seen.splice(0));

describe('fetching and metadata', () => {
  it('resolve sends one HEAD; ETag, Last-Modified and the URL make the seed; open GETs the bytes', async () => {
    const src = source();
    const resolved = await src.resolve(url('/img.png'), signal());
    expect(seen).toEqual(['HEAD /img.png']);
    expect(resolved.meta.size).toBe(alpha.length);
    expect(resolved.meta.contentType).toBe('image/png');
    expect(resolved.meta.lastModified?.toUTCString()).toBe(LAST_MODIFIED);
    expect(resolved.meta.identity).toBe(url('/img.png'));
    expect(resolved.meta.etagSeed).toContain('"v1"');
    expect(resolved.meta.etagSeed).toContain(url('/img.png'));
    const body = await open(resolved);
    expect(body.kind === 'bytes' && body.bytes.equals(alpha)).toBe(true);
    expect(seen).toEqual(['HEAD /img.png', 'GET /img.png']);
  });

  it('a different URL or validator gives a different seed', async () => {
    const src = source();
    const a = await src.resolve(url('/img.png'), signal());
    const b = await src.resolve(url('/last-modified-only.png'), signal());
    const c = await src.resolve(url('/img.png', 'cdn.images.test'), signal());
    expect(new Set([a.meta.etagSeed, b.meta.etagSeed, c.meta.etagSeed]).size).toBe(3);
    expect(b.meta.etagSeed).toContain(LAST_MODIFIED);
  });

  it('without validators, resolve GETs the body and its sha256 is the seed (open reuses the bytes)', async () => {
    const src = source();
    const resolved = await src.resolve(url('/no-validators'), signal());
    expect(seen).toEqual(['HEAD /no-validators', 'GET /no-validators']);
    expect(resolved.meta.etagSeed).toMatch(/sha256:[0-9a-f]{64}/);
    expect(resolved.meta.contentType).toBeUndefined();
    const body = await open(resolved);
    expect(body.kind === 'bytes' && body.bytes.equals(alpha)).toBe(true);
    expect(seen).toHaveLength(2);
    const small = await failure(open(resolved, 100));
    expect(small.status).toBe(413);
  });

  it('an upstream that refuses HEAD is read with GET', async () => {
    const resolved = await source().resolve(url('/no-head.png'), signal());
    expect(seen).toEqual(['HEAD /no-head.png', 'GET /no-head.png']);
    expect(resolved.meta.size).toBe(alpha.length);
  });

  it('an upstream whose ETag changes between HEAD and GET is a 502, not mislabelled bytes', async () => {
    const resolved = await source().resolve(url('/changing.png'), signal());
    const error = await failure(open(resolved));
    expect(error.status).toBe(502);
    expect(error.message).toContain('changed');
  });

  it('upstream 404 and 410 are 404; other 4xx and 5xx are 502', async () => {
    const src = source();
    for (const [path, status, tag] of [
      ['/missing.png', 404, 'source_not_found'],
      ['/gone.png', 404, 'source_not_found'],
      ['/forbidden.png', 502, 'source_fetch_error'],
      ['/broken.png', 502, 'source_fetch_error'],
    ] as const) {
      const error = await failure(src.resolve(url(path), signal()));
      expect([path, error.status, error.tag]).toEqual([path, status, tag]);
    }
  });

  it('an unreachable upstream is a 502', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failure(source().resolve(`http://images.test:${closedPort}/img.png`, signal()));
    expect(error.status).toBe(502);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('malformed and non-http sources are 400', async () => {
    const src = source();
    expect((await failure(src.resolve('not a url', signal()))).status).toBe(400);
    expect((await failure(src.resolve('ftp://images.test/a.png', signal()))).status).toBe(400);
    expect((await failure(src.resolve(`http://user:pw@images.test:${port}/img.png`, signal()))).tag).toBe('source_forbidden');
    expect(seen).toHaveLength(0);
  });
});

describe('allow-list and redirects', () => {
  it('hosts off the allow-list are refused before any connection', async () => {
    const src = source();
    for (const host of ['evil.test', 'evilimages.test', 'images.test.evil.test']) {
      const error = await failure(src.resolve(url('/img.png', host), signal()));
      expect(error.status).toBe(400);
      expect(error.tag).toBe('source_forbidden');
      expect(error.message).toContain(`host "${host}" is not on the allow-list`);
    }
    expect(seen).toHaveLength(0);
  });

  it('an empty allow-list refuses everything', async () => {
    const error = await failure(source({ allowHosts: [] }).resolve(url('/img.png'), signal()));
    expect(error.tag).toBe('source_forbidden');
    expect(seen).toHaveLength(0);
  });

  it('follows redirects to allowed hosts, re-checking each hop', async () => {
    const src = source();
    const resolved = await src.resolve(url('/redirect-same-host'), signal());
    expect(resolved.meta.etagSeed).toContain('"v1"');
    const viaSubdomain = await src.resolve(url('/redirect-to-subdomain'), signal());
    expect(viaSubdomain.meta.size).toBe(alpha.length);
    const body = await open(viaSubdomain);
    expect(body.kind === 'bytes' && body.bytes.equals(alpha)).toBe(true);
  });

  it('a redirect to a host off the allow-list is refused, and that host is never contacted', async () => {
    const src = source();
    for (const path of ['/redirect-to-evil', '/redirect-to-lookalike']) {
      seen.splice(0);
      const error = await failure(src.resolve(url(path), signal()));
      expect(error.status).toBe(400);
      expect(error.tag).toBe('source_forbidden');
      expect(error.message).toContain('not on the allow-list (redirected from');
      expect(seen).toEqual([`HEAD ${path}`]);
    }
  });

  it('a redirect to the metadata service is refused even when its address is allow-listed', async () => {
    const src = source({ allowHosts: ['images.test', '169.254.169.254'] }, defaultAddressGuardExcept127);
    const error = await failure(src.resolve(url('/redirect-to-metadata'), signal()));
    expect(error.status).toBe(400);
    expect(refusedAddress(error)?.addressClass).toContain('metadata');
  });

  it('a redirect to another scheme is refused', async () => {
    const error = await failure(source().resolve(url('/redirect-to-file'), signal()));
    expect(error.status).toBe(400);
    expect(error.message).toContain('file:');
  });

  it('redirects are bounded', async () => {
    const ok = await source({ maxRedirects: 3 }).resolve(url('/redirect-chain'), signal());
    expect(ok.meta.size).toBe(alpha.length);
    const error = await failure(source({ maxRedirects: 2 }).resolve(url('/redirect-chain'), signal()));
    expect(error.status).toBe(502);
    expect(error.message).toContain('more than 2 redirects');
    const loop = await failure(source().resolve(url('/redirect-loop'), signal()));
    expect(loop.status).toBe(502);
    expect(seen.filter((line) => line === 'HEAD /redirect-loop')).toHaveLength(4);
  });
});

/** The default policy, except that the test upstream's own 127.0.0.1 may be reached. */
const defaultAddressGuardExcept127: AddressGuard = (address) => (address === '127.0.0.1' ? { allowed: true } : defaultAddressGuard(address));

describe('connect-time address checks (default guard, real sockets)', () => {
  it('an allow-listed IP literal on loopback is refused without connecting', async () => {
    const src = source({ allowHosts: ['127.0.0.1', '[::1]'] }, defaultAddressGuard);
    const v4 = await failure(src.resolve(`http://127.0.0.1:${port}/img.png`, signal()));
    expect(v4.status).toBe(400);
    expect(v4.tag).toBe('source_forbidden');
    expect(refusedAddress(v4)?.addressClass).toBe('loopback');
    const v6 = await failure(src.resolve(`http://[::1]:${port}/img.png`, signal()));
    expect(refusedAddress(v6)?.addressClass).toBe('loopback');
    expect(seen).toHaveLength(0);
  });

  it('a host name that the system DNS resolves to loopback is refused at connect time', async () => {
    const src = createHttpSource({ ...CONFIG, allowHosts: ['localhost'] });
    const error = await failure(src.resolve(`http://localhost:${port}/img.png`, signal()));
    expect(error.status).toBe(400);
    // The client hears "refused"; what the name resolved to is for the log only.
    expect(error.message).toMatch(/localhost.*refused/);
    expect(error.message).not.toMatch(/127\.0\.0\.1|::1|loopback/);
    expect(refusedAddress(error)).toMatchObject({ host: 'localhost', address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/), addressClass: 'loopback' });
    expect(seen).toHaveLength(0);
  });

  it('every connection is checked: a host that rebinds to a forbidden address between HEAD and GET is refused', async () => {
    let lookups = 0;
    const rebinding: DnsLookup = (_hostname, _options, callback) => {
      lookups++;
      callback(null, [{ address: lookups === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }]);
    };
    // /close.png closes its connection, so the GET needs a new one (and a new lookup).
    const src = source({}, defaultAddressGuardExcept127, rebinding);
    const resolved = await src.resolve(url('/close.png'), signal());
    expect(seen).toEqual(['HEAD /close.png']);
    const error = await failure(open(resolved));
    expect(error.status).toBe(400);
    expect(refusedAddress(error)).toMatchObject({ address: '127.0.0.2', addressClass: 'loopback' });
    expect(lookups).toBe(2);
    expect(seen).toEqual(['HEAD /close.png']);
  });

  it('one forbidden answer among several refuses the host', async () => {
    const mixed: DnsLookup = (_hostname, _options, callback) =>
      callback(null, [
        { address: '127.0.0.1', family: 4 },
        { address: '10.0.0.7', family: 4 },
      ]);
    const error = await failure(source({}, defaultAddressGuardExcept127, mixed).resolve(url('/img.png'), signal()));
    expect(refusedAddress(error)).toMatchObject({ address: '10.0.0.7', addressClass: 'private (RFC 1918)' });
    expect(seen).toHaveLength(0);
  });
});

describe('byte cap and timeouts', () => {
  it('a declared size over maxBytes is refused before the GET', async () => {
    const resolved = await source().resolve(url('/declared-huge.png'), signal());
    const error = await failure(open(resolved, 1_000_000));
    expect(error.status).toBe(413);
    expect(error.tag).toBe('source_too_large');
    expect(seen).toEqual(['HEAD /declared-huge.png']);
  });

  it('an undeclared body is cut off while streaming once it passes maxBytes', async () => {
    const resolved = await source().resolve(url('/undeclared-huge.png'), signal());
    const error = await failure(open(resolved, 100_000));
    expect(error.status).toBe(413);
    // And within the limit it is read whole.
    const body = await open(resolved, 2_000_000);
    expect(body.kind === 'bytes' && body.bytes.length).toBeGreaterThanOrEqual(1_000_000);
  });

  it('an upstream that does not answer in timeoutMs is a 504', async () => {
    const started = Date.now();
    const error = await failure(source({ timeoutMs: 300 }).resolve(url('/slow-headers.png'), signal()));
    expect(error.status).toBe(504);
    expect(error.tag).toBe('request_timeout');
    expect(error.message).toContain('300 ms');
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('a body that stalls mid-stream is a 504', async () => {
    const resolved = await source({ timeoutMs: 300 }).resolve(url('/stall-body.png'), signal());
    const error = await failure(open(resolved));
    expect(error.status).toBe(504);
  });

  it('the request signal (deadline) cuts a stalled read short', async () => {
    const resolved = await source({ timeoutMs: 10_000 }).resolve(url('/stall-body.png'), signal());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const error = await failure(resolved.open({ signal: controller.signal, maxBytes: 10_000_000 }));
    expect(error.status).toBe(504);
    expect(error.tag).toBe('request_timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
