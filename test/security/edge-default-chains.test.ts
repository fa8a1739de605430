/**
 * A hosted-grammar URL made only of default steps (`dpr-1`, `dpr_1`, repeated): the edge drops
 * defaults to share one cache key, and once turned a chain of nothing else into an empty `tr:`,
 * which the origin refuses. Sent through the viewer-request function and then to a real origin,
 * the rewritten URL must be served exactly as the URL as sent is: same status, same ETag.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { URL_GRAMMARS, viewerRequestFunctionCode } from '../../lib/cdk/viewer-request-function.js';
import type { OriginServer } from '../../origin/src/server.js';
import { forward, forwardedTarget, loadFunction } from '../support/edge.js';
import { startTestOrigin } from '../support/origin.js';

const edge = loadFunction(viewerRequestFunctionCode({ grammars: URL_GRAMMARS })).handler;
let origin: OriginServer;

beforeAll(async () => {
  origin = await startTestOrigin({ grammars: ['cloudflare', 'imgix', 'cloudinary', 'imagekit'] });
});

afterAll(async () => {
  await origin?.close();
});

describe('chains of default steps through the edge', () => {
  it.each(['/tr:dpr-1:dpr-1//fossa.jpg', '/fossa.jpg?tr=dpr-1:dpr-1', '/demo/image/upload/dpr_1.0/dpr_1/fossa.jpg'])(
    '%s: the rewritten URL is served as the URL as sent',
    async (sent) => {
      const rewritten = forwardedTarget(forward(edge, sent));
      const [asSent, asRewritten] = await Promise.all([fetch(`${origin.url}${sent}`), fetch(`${origin.url}${rewritten}`)]);
      await Promise.all([asSent.arrayBuffer(), asRewritten.arrayBuffer()]);
      expect(asSent.status, sent).toBe(200);
      expect(asRewritten.status, `${sent} → ${rewritten}`).toBe(200);
      expect(asRewritten.headers.get('etag')).toBe(asSent.headers.get('etag'));
    },
  );
});
