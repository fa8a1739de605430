/**
 * An allow-listed host name that resolves to a forbidden address is refused, and the client is
 * not told what it resolved to: that is the origin's network, not the client's business. The
 * address goes to the origin's log instead.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OriginServer } from '../../origin/src/server.js';
import { startTestOrigin } from '../support/origin.js';

let upstream: http.Server;
let upstreamPort: number;
let origin: OriginServer;
let upstreamRequests = 0;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  upstream = http.createServer((_request, response) => {
    upstreamRequests++;
    response.writeHead(200, { 'content-type': 'image/png', etag: '"x"' }).end();
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  // `localhost` is on the allow-list; the system resolver answers loopback, which the default guard refuses.
  origin = await startTestOrigin({ httpSource: { allowHosts: ['localhost'], maxRedirects: 1, timeoutMs: 2_000 } }, undefined, pino(sink));
});
afterAll(async () => {
  await origin?.close();
  await new Promise((resolve) => upstream?.close(resolve));
});

describe('a host name that resolves to a forbidden address', () => {
  it.each([
    ['a transform', (url: string) => `/cdn-cgi/image/width=10/${url}`],
    ['an untransformed original', (url: string) => `/${url}`],
  ])('%s: 400 source_forbidden saying "refused", without the address; the log has it', async (_name, target) => {
    logLines.length = 0;
    const response = await fetch(`${origin.url}${target(`http://localhost:${upstreamPort}/a.png`)}`);
    const body = await response.text();
    expect(response.status).toBe(400);
    expect(response.headers.get('x-image-cdn-error')).toBe('source_forbidden');
    expect(body).toContain('refused');
    expect(body).not.toMatch(/127\.0\.0\.1|::1|loopback/);
    expect(JSON.stringify([...response.headers])).not.toMatch(/127\.0\.0\.1|::1|loopback/);
    expect(upstreamRequests).toBe(0);

    const refusals = logLines.filter((line) => line['host'] === 'localhost');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ level: 40, addressClass: 'loopback', source: `http://localhost:${upstreamPort}/a.png` });
    expect(String(refusals[0]!['address'])).toMatch(/^(127\.0\.0\.1|::1)$/);
  });
});
