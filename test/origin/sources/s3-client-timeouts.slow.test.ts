/**
 * The origin's S3 client (createS3Client) against an endpoint that accepts connections and then
 * never answers, or stops half-way through a body: every call ends within its documented bound.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, S3_MAX_ATTEMPTS, S3_TIMEOUTS } from '../../../origin/src/sources/s3-client.js';
import { startStallingServer, type StallingServer } from '../../support/stalling-server.js';

/** Process start-up, scheduling and the SDK's backoff (under 0.2 s for two attempts). */
const MARGIN_MS = 1_500;

let silent: StallingServer;
let midBody: StallingServer;
const clients: S3Client[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  silent = await startStallingServer();
  midBody = await startStallingServer({ midBody: true });
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
});
afterAll(async () => {
  await Promise.all([silent?.close(), midBody?.close()]);
  process.env = saved;
});
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

/** A client made as the origin makes it, pointed at `endpoint` through the SDK's standard variable. */
function clientFor(endpoint: string, options: Parameters<typeof createS3Client>[0] = {}): S3Client {
  process.env['AWS_ENDPOINT_URL_S3'] = endpoint;
  const client = createS3Client({ forcePathStyle: true, ...options });
  clients.push(client);
  return client;
}

async function timed<T>(work: Promise<T>): Promise<{ ms: number; error: { name?: string; message?: string; $metadata?: { attempts?: number } } }> {
  const started = Date.now();
  const error = await work.then(
    () => expect.unreachable('the call should have failed'),
    (caught: unknown) => caught as { name?: string },
  );
  return { ms: Date.now() - started, error };
}

const get = (client: S3Client) => client.send(new GetObjectCommand({ Bucket: 'images', Key: 'uploads/a.jpg' }));

describe('createS3Client against an endpoint that never answers', () => {
  it('fails each attempt at requestTimeoutMs, after maxAttempts attempts', async () => {
    const before = silent.connections;
    const { ms, error } = await timed(get(clientFor(silent.url, { requestTimeoutMs: 400, maxAttempts: 2 })));
    expect(error.name).toBe('TimeoutError');
    expect(error.message).toMatch(/exceeded the configured 400 ms requestTimeout/);
    expect(error.$metadata?.attempts).toBe(2);
    expect(silent.connections - before).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(2 * 400);
    expect(ms).toBeLessThan(2 * 400 + MARGIN_MS);
  });

  it('with the defaults, gives up within S3_MAX_ATTEMPTS × the request timeout', async () => {
    const { ms, error } = await timed(get(clientFor(silent.url)));
    expect(error.name).toBe('TimeoutError');
    expect(error.$metadata?.attempts).toBe(S3_MAX_ATTEMPTS);
    expect(ms).toBeGreaterThanOrEqual(S3_MAX_ATTEMPTS * S3_TIMEOUTS.requestTimeoutMs);
    expect(ms).toBeLessThan(S3_MAX_ATTEMPTS * S3_TIMEOUTS.requestTimeoutMs + MARGIN_MS);
  });
});

describe('createS3Client against an endpoint that stops in the middle of a body', () => {
  it('hands over the response, then fails the body read after requestTimeoutMs of silence', async () => {
    const response = await get(clientFor(midBody.url, { requestTimeoutMs: 400 }));
    expect(response.ContentLength).toBe(1_000);
    // The SDK has returned; nothing retries a body, so the reader sees the timeout.
    const { ms, error } = await timed(response.Body!.transformToByteArray());
    expect(error.name).toBe('TimeoutError');
    expect(error.message).toMatch(/timed out after 400 ms of inactivity/);
    expect(ms).toBeGreaterThanOrEqual(350);
    expect(ms).toBeLessThan(400 + MARGIN_MS);
  });
});
