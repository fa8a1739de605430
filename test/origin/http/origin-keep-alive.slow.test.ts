/**
 * Behind an ALB, the origin must never close an idle keep-alive connection before the load
 * balancer does, or the ALB may send a request down a closing socket (a sporadic 502). Checked
 * over a real socket, as the ALB uses it, with the timeouts scaled down through the origin's own
 * settings (IMAGE_CDN_LB_IDLE_TIMEOUT_MS, IMAGE_CDN_HEADERS_TIMEOUT_MS) rather than a 60 s sleep.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig, settingsFromEnv } from '../../../origin/src/config.js';
import { ALB_IDLE_TIMEOUT_MS, KEEP_ALIVE_MARGIN_MS, originTimeouts } from '../../../origin/src/http/keep-alive.js';
import type { OriginServer } from '../../../origin/src/server.js';
import { startOrigin } from '../../../origin/src/start.js';
import { testConfig } from '../../support/origin.js';
import { RawConnection } from '../../support/raw-connection.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let origin: OriginServer | undefined;
let connection: RawConnection | undefined;
afterEach(async () => {
  connection?.destroy();
  await origin?.close();
  origin = connection = undefined;
});

/** An origin configured as the container is: through its environment. */
async function originWithEnvironment(env: NodeJS.ProcessEnv): Promise<OriginServer> {
  return startOrigin(resolveConfig({ defaults: testConfig() }, settingsFromEnv(env)), { logger: false });
}

describe('origin timeouts', () => {
  it("keep-alive outlasts the load balancer's idle timeout; headers stay bounded for slow clients", () => {
    const timeouts = originTimeouts(ALB_IDLE_TIMEOUT_MS);
    expect(timeouts.keepAliveTimeout).toBe(ALB_IDLE_TIMEOUT_MS + KEEP_ALIVE_MARGIN_MS);
    expect(timeouts.keepAliveTimeout).toBeGreaterThan(ALB_IDLE_TIMEOUT_MS);
    expect(timeouts.headersTimeout).toBe(10_000);
    expect(timeouts.headersTimeout).toBeLessThanOrEqual(timeouts.requestTimeout); // Node refuses otherwise
  });

  it("by default, announces a keep-alive longer than the ALB's default 60 s idle timeout", async () => {
    origin = await originWithEnvironment({});
    connection = await RawConnection.open(origin.url);
    const response = await connection.get('/healthz');
    expect(response.status).toBe(200);
    expect(response.headers['keep-alive']).toBe(`timeout=${(ALB_IDLE_TIMEOUT_MS + KEEP_ALIVE_MARGIN_MS) / 1000}`);
    expect(Number(response.headers['keep-alive']!.split('=')[1]) * 1000).toBeGreaterThan(ALB_IDLE_TIMEOUT_MS);
  });

  it("scaled down: a connection idle past the load balancer's timeout still serves, and the origin closes it only after keep-alive", async () => {
    const lbIdleMs = 1_000;
    // Headers timeout below the idle period too: it must not touch a socket idle between requests.
    origin = await originWithEnvironment({ IMAGE_CDN_LB_IDLE_TIMEOUT_MS: String(lbIdleMs), IMAGE_CDN_HEADERS_TIMEOUT_MS: '500' });
    const { keepAliveTimeout } = originTimeouts(lbIdleMs);
    connection = await RawConnection.open(origin.url);

    const first = await connection.get('/healthz');
    expect(first.status).toBe(200);
    expect(first.headers['keep-alive']).toBe(`timeout=${Math.floor(keepAliveTimeout / 1000)}`);

    // Longer than the (scaled) ALB would keep the connection idle: the origin must still have it open.
    await sleep(lbIdleMs + 500);
    expect(connection.closedAt).toBeUndefined();
    const second = await connection.get('/cdn-cgi/image/width=64,format=webp/fossa.jpg');
    expect(second.status).toBe(200);
    expect(second.headers['content-type']).toBe('image/webp');
    const idleFrom = performance.now();

    // Then the origin closes it, not before keepAliveTimeout (Node 20.20 adds up to a second of its own).
    const closedAt = await connection.closed;
    const idleMs = closedAt - idleFrom;
    expect(idleMs).toBeGreaterThanOrEqual(keepAliveTimeout - 50);
    expect(idleMs).toBeLessThan(keepAliveTimeout + 2_500);
  });
});
