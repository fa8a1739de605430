import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../origin/src/start.js';
import { startOriginServer } from '../../origin/src/server.js';
import { createMountTable } from '../../origin/src/sources/mounts.js';
import type { Source } from '../../origin/src/sources/types.js';
import { SAMPLES, startTestOrigin } from '../support/origin.js';
import { startChildOrigin } from './support/child-origin.js';

/**
 * No request may end the process, outlive its deadline by more than a bound, or keep the origin
 * from shutting down. Anything that could take the process down runs in a child origin.
 */

const FILES = { mounts: [{ prefix: '/', source: { type: 'file' as const, root: SAMPLES } }] };
/** `.invalid` never resolves (RFC 6761): the HTTP source fails with a 502, which onerror=redirect turns into a redirect. */
const REDIRECTING = {
  ...FILES,
  grammars: ['cloudflare', 'imgix'] as const,
  httpSource: { allowHosts: ['evil.invalid', 'images.invalid'], maxRedirects: 1, timeoutMs: 2_000 },
  variants: { redir: 'width=100,onerror=redirect' },
};

describe('onerror=redirect to an absolute source', () => {
  it('survives a source with non-ASCII or CR LF and sends a valid, normalised Location', async () => {
    const origin = await startChildOrigin(REDIRECTING);
    try {
      const euro = await fetch(`${origin.url}/https%3A%2F%2Fevil.invalid%2F%E2%82%AC?variant=redir`, { redirect: 'manual' });
      expect(euro.status).toBe(302);
      expect(euro.headers.get('location')).toBe('https://evil.invalid/%E2%82%AC');
      const crlf = await fetch(`${origin.url}/https%3A%2F%2Fevil.invalid%2Fa%0D%0ASet-Cookie:%20x=1?variant=redir`, { redirect: 'manual' });
      expect(crlf.status).toBe(302);
      expect(crlf.headers.get('set-cookie')).toBeNull();
      expect(crlf.headers.get('location')).toBe('https://evil.invalid/aSet-Cookie:%20x=1');
      expect(origin.alive).toBe(true);
      expect((await fetch(`${origin.url}/healthz`)).status).toBe(200);
    } finally {
      await origin.stop();
    }
  });

  it('never redirects to a source the allow-list refused (no open redirect)', async () => {
    const origin = await startChildOrigin(REDIRECTING);
    try {
      const response = await fetch(`${origin.url}/cdn-cgi/image/width=10,onerror=redirect/https://evil.example/phish`, { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('x-image-cdn-error')).toBe('source_forbidden');
      expect(response.headers.get('location')).toBeNull();
    } finally {
      await origin.stop();
    }
  });
});

describe('a failure nothing anticipated', () => {
  it('is answered 500 with a tag and logged; the server keeps serving', async () => {
    // A source whose metadata cannot be a header value: writing the response throws inside the listener.
    const broken: Source = {
      kind: 'file',
      resolve: async () => ({
        meta: { etagSeed: 'x', identity: 'x', size: 3, contentType: 'image/png', cacheControl: 'public\n, max-age=1' },
        open: async () => ({ kind: 'bytes', bytes: Buffer.from('abc') }),
      }),
    };
    const logged: unknown[] = [];
    const logger = { error: (entry: unknown) => logged.push(entry), info: () => undefined } as never;
    const server = await startOriginServer(
      { ...defaultConfig(), port: 0, accessLog: false },
      { router: createMountTable([{ prefix: '/', source: broken }]), logger },
    );
    try {
      const response = await fetch(`${server.url}/cdn-cgi/image/width=10/a.png`, { method: 'HEAD' });
      expect(response.status).toBe(500);
      expect(response.headers.get('x-image-cdn-error')).toBe('internal_error');
      expect(logged.length).toBeGreaterThan(0);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('request size', () => {
  it('answers 414 past 8,192 bytes of request target, before parsing it', async () => {
    const origin = await startTestOrigin();
    try {
      const long = await fetch(`${origin.url}/cdn-cgi/image/width=100/${'a'.repeat(8_200)}.jpg`);
      expect(long.status).toBe(414);
      expect(long.headers.get('x-image-cdn-error')).toBe('uri_too_long');
      expect(await long.text()).toMatch(/the request target is 82\d\d bytes; the limit is 8192/);
      const fits = await fetch(`${origin.url}/cdn-cgi/image/width=100/${'a'.repeat(8_000)}.jpg`);
      expect(fits.status).toBe(404);
    } finally {
      await origin.close();
    }
  });
});

describe('shutdown', () => {
  it('ends within the request deadline plus a few seconds while heavy transforms run', async () => {
    const origin = await startChildOrigin({ ...FILES, limits: { requestTimeoutMs: 2_000 } });
    // About 8 s of work each at the output cap: the JSON description used to run it with no deadline at all.
    const heavy = 'width=5000,height=5000,fit=squeeze,blur=100,gamma=0.15,sharpen=10';
    const requests = [`/cdn-cgi/image/${heavy},format=json/_health.png`, `/cdn-cgi/image/${heavy},format=png/_health.png`].map((path) =>
      fetch(`${origin.url}${path}`).then(
        (r) => r.status,
        () => 0,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const { ms, forced } = await origin.stop(20_000);
    await Promise.all(requests);
    expect(forced).toBe(false);
    expect(ms).toBeLessThan(2_000 + 1_000 + 2_000 + 1_000);
  });
});

describe('slow clients', () => {
  it('closes 200 sockets that trickle their headers within the headers timeout, and serves others meanwhile', async () => {
    const origin = await startChildOrigin(FILES);
    const sockets: Socket[] = [];
    const closed = new Set<Socket>();
    const trickle = setInterval(() => {
      for (const socket of sockets) if (!closed.has(socket)) socket.write('X-Slow: 1\r\n');
    }, 1_000);
    try {
      const opened = performance.now();
      await Promise.all(
        Array.from(
          { length: 200 },
          () =>
            new Promise<void>((resolve, reject) => {
              const url = new URL(origin.url);
              const socket = connect(Number(url.port), url.hostname, () => {
                socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
                resolve();
              });
              socket.on('error', reject);
              socket.on('close', () => closed.add(socket));
              sockets.push(socket);
            }),
        ),
      );
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        expect((await fetch(`${origin.url}/cdn-cgi/image/width=50/fossa.jpg`)).status).toBe(200);
        expect(performance.now() - started).toBeLessThan(1_000);
      }
      // 10 s to send headers, checked every second.
      while (closed.size < sockets.length && performance.now() - opened < 14_000) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(closed.size).toBe(200);
    } finally {
      clearInterval(trickle);
      for (const socket of sockets) socket.destroy();
      await origin.stop();
    }
  }, 30_000);
});
