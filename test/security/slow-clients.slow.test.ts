import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLES } from '../support/origin.js';
import { startChildOrigin, type ChildOrigin } from './support/child-origin.js';

/**
 * Slowloris: 200 sockets that never finish their request headers (half trickle a byte every
 * 300 ms, half send nothing) must not starve real requests, and the origin must close them once
 * the headers timeout passes. The timeout is scaled down from 10 s through the origin's own
 * setting (`headersTimeoutMs`, IMAGE_CDN_HEADERS_TIMEOUT_MS); the origin runs in a child process
 * under an RSS ceiling.
 */

const HEADERS_TIMEOUT_MS = 3_000;
/** Node checks the timers every second (the origin's connectionsCheckingInterval), plus scheduling slack. */
const CLOSE_SLACK_MS = 1_000 + 1_500;
const SLOW_SOCKETS = 200;
const TRICKLE_EVERY_MS = 300;

interface SlowSocket {
  readonly socket: net.Socket;
  readonly connectedAt: number;
  closedAt?: number;
  received: string;
}

let origin: ChildOrigin;
beforeAll(async () => {
  origin = await startChildOrigin(
    { mounts: [{ prefix: '/', source: { type: 'file', root: SAMPLES } }], headersTimeoutMs: HEADERS_TIMEOUT_MS },
    { rssCeilingBytes: 1024 ** 3 },
  );
});
afterAll(async () => {
  await origin?.stop();
});

function openSlowSocket(url: string): Promise<SlowSocket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      const slow: SlowSocket = { socket, connectedAt: performance.now(), received: '' };
      socket.on('data', (chunk) => (slow.received += chunk.toString('latin1')));
      socket.once('close', () => (slow.closedAt ??= performance.now()));
      resolve(slow);
    });
    socket.on('error', () => {}); // a reset still ends in 'close'
    socket.once('error', reject);
  });
}

/** A real transform of a sample photo; a different width each time, so none is served from a cache. */
async function transform(width: number): Promise<{ status: number; type: string | null; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${origin.url}/cdn-cgi/image/width=${width},format=webp/fossa.jpg`);
  await response.arrayBuffer();
  return { status: response.status, type: response.headers.get('content-type'), ms: performance.now() - started };
}

describe('slow clients', () => {
  it('200 sockets holding partial requests neither starve real requests nor outlive the headers timeout', async () => {
    await transform(100); // warm up: sharp loaded, first decode done

    const slow = await Promise.all(Array.from({ length: SLOW_SOCKETS }, () => openSlowSocket(origin.url)));
    const tricklers = slow.filter((_, index) => index % 2 === 0);
    // A partial request line, or a request line and a header that never ends.
    tricklers.forEach(({ socket }, index) => socket.write(index % 4 === 0 ? 'GET /cdn-cgi/ima' : 'GET /fossa.jpg HTTP/1.1\r\nHost: origin\r\nX-Slow: '));
    const trickle = setInterval(() => {
      for (const { socket } of tricklers) if (!socket.destroyed && socket.writable) socket.write('a');
    }, TRICKLE_EVERY_MS);

    try {
      // While all 200 hold their sockets, real transforms answer promptly.
      const answers = [];
      for (let width = 200; width <= 1100; width += 100) answers.push(await transform(width));
      const stillHolding = slow.filter((s) => s.closedAt === undefined).length;
      for (const answer of answers) {
        expect(answer).toMatchObject({ status: 200, type: 'image/webp' });
        expect(answer.ms).toBeLessThan(2_000);
      }
      expect(stillHolding).toBe(SLOW_SOCKETS);

      // Then the origin closes every one of them (with a 408), once the headers timeout has passed.
      await Promise.all(slow.map(({ socket }) => new Promise((resolve) => (socket.destroyed ? resolve(undefined) : socket.once('close', resolve)))));
      for (const s of slow) {
        const heldMs = s.closedAt! - s.connectedAt;
        expect(heldMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
        expect(heldMs).toBeLessThan(HEADERS_TIMEOUT_MS + CLOSE_SLACK_MS);
        expect(s.received).toMatch(/^HTTP\/1\.1 408 /);
      }
    } finally {
      clearInterval(trickle);
      for (const { socket } of slow) socket.destroy();
    }

    expect(origin.alive).toBe(true);
    expect(origin.killedForMemory).toBe(false);
    expect((await transform(1200)).status).toBe(200);
  });
});
