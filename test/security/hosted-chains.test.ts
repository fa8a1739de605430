/**
 * A hostile hosted-grammar URL: a Cloudinary or ImageKit chain just past the step and component
 * bounds (longer ones meet the 8 KB URL limit first). The origin refuses it with a tagged 400
 * before any source I/O or pixel work, and keeps answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OriginServer } from '../../origin/src/server.js';
import { MAX_STEP_COMPONENTS, MAX_STEPS } from '../../origin/src/grammar/hosted.js';
import { startTestOrigin } from '../support/origin.js';

let origin: OriginServer;

beforeAll(async () => {
  origin = await startTestOrigin({ grammars: ['cloudflare', 'cloudinary', 'imagekit'] });
});

afterAll(async () => {
  await origin?.close();
});

describe('hosted chains past their bounds', () => {
  it.each([
    ['Cloudinary, one step too many', `/demo/image/upload/${Array.from({ length: MAX_STEPS + 1 }, () => 'w_1').join('/')}/fossa.jpg`],
    ['Cloudinary, one component too many', `/demo/image/upload/${Array.from({ length: MAX_STEP_COMPONENTS + 1 }, (_, i) => `x_${i}`).join(',')}/fossa.jpg`],
    ['ImageKit, one step too many', `/tr:${Array.from({ length: MAX_STEPS + 1 }, () => 'w-1').join(':')}/fossa.jpg`],
  ])('%s: 400 operation_too_costly, and the origin still serves', async (_name, target) => {
    const response = await fetch(`${origin.url}${target}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('x-image-cdn-error')).toBe('operation_too_costly');
    await response.arrayBuffer();
    const health = await fetch(`${origin.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
