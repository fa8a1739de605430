/**
 * `invalidate` and `distributionIdFromStack` against endpoints that accept connections and never
 * answer (or stop half-way through an answer): each fails with a ServiceTimeoutError naming the
 * service and endpoint, within the bound its limits document. The clients are the library's own,
 * pointed at the servers through AWS_ENDPOINT_URL_CLOUDFRONT and AWS_ENDPOINT_URL_CLOUDFORMATION.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { worstCaseCallMs } from '../../lib/aws/client-limits.js';
import { DEFAULT_AWS_API_LIMITS, distributionIdFromStack, invalidate, ServiceTimeoutError } from '../../lib/invalidate/index.js';
import { startStallingServer, type StallingServer } from '../support/stalling-server.js';

const DISTRIBUTION = 'E2QWRUHAPOMQZL';
const MARGIN_MS = 1_500;
const LIMITS = { ...DEFAULT_AWS_API_LIMITS, requestTimeoutMs: 300, maxAttempts: 2 };

let silent: StallingServer;
let midBody: StallingServer;
const saved = { ...process.env };

beforeAll(async () => {
  [silent, midBody] = await Promise.all([startStallingServer(), startStallingServer({ midBody: true })]);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_ENDPOINT_URL_CLOUDFRONT: silent.url,
    AWS_ENDPOINT_URL_CLOUDFORMATION: silent.url,
  });
});
afterAll(async () => {
  process.env = saved;
  await Promise.all([silent?.close(), midBody?.close()]);
});

async function failing(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await work.then(
    () => expect.unreachable('the call should have failed'),
    (caught: unknown) => caught,
  );
  return { error, ms: Date.now() - started };
}

describe('invalidate against a CloudFront that never answers', () => {
  it('fails after maxAttempts request timeouts, naming CloudFront and the endpoint', async () => {
    const { error, ms } = await failing(invalidate({ distributionId: DISTRIBUTION, prefixes: ['/v2/'], ...LIMITS }));
    expect(error).toBeInstanceOf(ServiceTimeoutError);
    expect((error as Error).message).toBe(`CloudFront at ${silent.url} did not answer within 300 ms (request timeout); 2 attempts`);
    expect(ms).toBeGreaterThanOrEqual(2 * 300);
    expect(ms).toBeLessThan(worstCaseCallMs(LIMITS) + MARGIN_MS);
  });

  it('fails when CloudFront stops in the middle of its answer, after requestTimeoutMs of silence', async () => {
    process.env['AWS_ENDPOINT_URL_CLOUDFRONT'] = midBody.url;
    try {
      const { error, ms } = await failing(invalidate({ distributionId: DISTRIBUTION, prefixes: ['/v2/'], ...LIMITS }));
      expect(error).toBeInstanceOf(ServiceTimeoutError);
      // The SDK reads a small answer whole before parsing it, and retries the stalled read like any timeout.
      expect((error as Error).message).toBe(
        `CloudFront at ${midBody.url} stopped sending for 300 ms in the middle of a response (request timeout); 2 attempts`,
      );
      expect(ms).toBeGreaterThanOrEqual(2 * 300);
      expect(ms).toBeLessThan(worstCaseCallMs(LIMITS) + MARGIN_MS);
    } finally {
      process.env['AWS_ENDPOINT_URL_CLOUDFRONT'] = silent.url;
    }
  });
});

describe('distributionIdFromStack against a CloudFormation that never answers', () => {
  it('fails after maxAttempts request timeouts, naming CloudFormation and the endpoint', async () => {
    const { error, ms } = await failing(distributionIdFromStack({ stackName: 'ImagesStack', ...LIMITS }));
    expect(error).toMatchObject({ name: 'ServiceTimeoutError', service: 'CloudFormation', endpoint: silent.url, kind: 'request', attempts: 2 });
    expect(ms).toBeGreaterThanOrEqual(2 * 300);
    expect(ms).toBeLessThan(worstCaseCallMs(LIMITS) + MARGIN_MS);
  });
});
