/**
 * putImage against an S3 endpoint that accepts connections and never answers: it fails with a
 * ServiceTimeoutError naming the endpoint, within the bound its limits document.
 */
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worstCaseCallMs } from '../../lib/aws/client-limits.js';
import { DEFAULT_UPLOAD_LIMITS, putImage, ServiceTimeoutError } from '../../lib/upload/index.js';
import { startStallingServer, type StallingServer } from '../support/stalling-server.js';

const FOSSA = fileURLToPath(new URL('../../samples/fossa.jpg', import.meta.url));
/** Scheduling and sharp's first load; the SDK's backoff is inside worstCaseCallMs. */
const MARGIN_MS = 1_500;

let staller: StallingServer;
const saved = { ...process.env };

beforeAll(async () => {
  staller = await startStallingServer();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: staller.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
  });
});
afterAll(async () => {
  process.env = saved;
  await staller?.close();
});

async function failingPut(options: Omit<Parameters<typeof putImage>[1], 'bucket'>) {
  const started = Date.now();
  const error = await putImage(FOSSA, { bucket: 'images', forcePathStyle: true, ...options }).then(
    () => expect.unreachable('the upload should have failed'),
    (caught: unknown) => caught,
  );
  return { error, ms: Date.now() - started };
}

describe('putImage against an S3 that never answers', () => {
  it('fails after maxAttempts request timeouts, naming the endpoint', async () => {
    const limits = { ...DEFAULT_UPLOAD_LIMITS, requestTimeoutMs: 400, maxAttempts: 3 };
    const { error, ms } = await failingPut(limits);
    expect(error).toBeInstanceOf(ServiceTimeoutError);
    expect((error as Error).message).toBe(`S3 at ${staller.url} did not answer within 400 ms (request timeout); 3 attempts`);
    expect(error).toMatchObject({ service: 'S3', endpoint: staller.url, kind: 'request', timeoutMs: 400, attempts: 3 });
    expect(ms).toBeGreaterThanOrEqual(3 * 400);
    expect(ms).toBeLessThan(worstCaseCallMs(limits) + MARGIN_MS);
  });

  it('with a client of the caller, still a ServiceTimeoutError, without the endpoint it cannot know', async () => {
    const client = new S3Client({
      endpoint: staller.url,
      forcePathStyle: true,
      maxAttempts: 1,
      requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
    });
    try {
      const { error, ms } = await failingPut({ client });
      expect((error as Error).message).toBe('S3 did not answer within 300 ms (request timeout); 1 attempt');
      expect(ms).toBeLessThan(300 + MARGIN_MS);
    } finally {
      client.destroy();
    }
  });

  it('refuses a limit that would mean no bound', async () => {
    await expect(putImage(FOSSA, { bucket: 'images', requestTimeoutMs: 0 })).rejects.toThrow(/requestTimeoutMs must be a positive number, got 0/);
  });
});
