import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SAMPLES } from '../support/origin.js';
import { startChildOrigin, type ChildOrigin } from './support/child-origin.js';

/**
 * Unbounded work from a tiny source: `_health.png` (16×16, public, no-store) asked for huge
 * outputs and costly operations. Each request runs against a real origin in a child process
 * that is killed past 1.5 GB, so an unbounded origin fails the test instead of the machine.
 */

const MiB = 1024 * 1024;
const CEILING = 1.5 * 1024 * MiB;
const HEALTH = '_health.png';

let origin: ChildOrigin;

// One origin per test, so a test that kills it (past the ceiling) cannot decide the next one.
beforeEach(async () => {
  origin = await startChildOrigin({ mounts: [{ prefix: '/', source: { type: 'file', root: SAMPLES } }] }, { rssCeilingBytes: CEILING });
});

afterEach(async () => {
  await origin?.stop();
});

/** Sends one request and reports its answer with the CPU time and peak RSS the origin spent on it. */
async function attack(path: string) {
  const cpuBefore = origin.cpuMs();
  const started = performance.now();
  const response = await fetch(`${origin.url}${path}`).catch((error: unknown) => ({ error }));
  const ms = performance.now() - started;
  if ('error' in response) return { status: 0, tag: null, body: String(response.error), ms, cpuMs: NaN };
  const body = await response.text();
  // Work that outlives the answer shows up as CPU after it: give it a moment to show.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { status: response.status, tag: response.headers.get('x-image-cdn-error'), body, ms, cpuMs: origin.alive ? origin.cpuMs() - cpuBefore : NaN };
}

describe('output area and operation cost are bounded before any pixel work', () => {
  it('refuses 12000×12000 squeeze + gamma on the health image (144 MP) with a 400, at once', async () => {
    const result = await attack(`/cdn-cgi/image/width=12000,height=12000,fit=squeeze,gamma=2,format=webp/${HEALTH}`);
    expect(origin.killedForMemory).toBe(false);
    expect(result.status).toBe(400);
    expect(result.tag).toBe('output_too_large');
    expect(result.body).toMatch(/12000×12000 = 144000000 pixels .*25000000 pixel limit/);
    expect(result.cpuMs).toBeLessThan(500);
    expect(origin.peakRssBytes).toBeLessThan(600 * MiB);
  });

  it('refuses blur=250 as JSON on a 144 MP box, and answers format=json by arithmetic without running the blur', async () => {
    const huge = await attack(`/cdn-cgi/image/width=12000,height=12000,fit=squeeze,blur=250,format=json/${HEALTH}`);
    expect(origin.killedForMemory).toBe(false);
    expect([huge.status, huge.tag]).toEqual([400, 'output_too_large']);

    // 4000×2000 is within every limit (8 MP × sigma 125 = 1e9): the blur would cost seconds, JSON needs none of it.
    const json = await attack(`/cdn-cgi/image/width=4000,height=2000,fit=squeeze,blur=250,format=json/${HEALTH}`);
    expect(json.status).toBe(200);
    expect(JSON.parse(json.body)).toMatchObject({ width: 4000, height: 2000, original: { width: 16, height: 16 } });
    expect(json.cpuMs).toBeLessThan(300);
  });

  it('refuses a blur whose cost (area × sigma) passes the bound, naming both', async () => {
    const result = await attack(`/cdn-cgi/image/width=5000,height=5000,fit=squeeze,blur=250,format=webp/${HEALTH}`);
    expect([result.status, result.tag]).toEqual([400, 'operation_too_costly']);
    expect(result.body).toMatch(/blur=250 on a 5000×5000 image/);
    expect(result.cpuMs).toBeLessThan(300);
  });

  it('applies the output limits after a border grows the image (10×10 at dpr 2 plus 1000-px borders)', async () => {
    const result = await attack(`/cdn-cgi/image/width=10,height=10,dpr=2,fit=squeeze,border=color:red;width:1000,format=json/${HEALTH}`);
    // 20 + 2 × 2000 = 4020 px per side: 16.2 MP, under the pixel cap; a smaller cap must catch it.
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ width: 4020, height: 4020 });
    const capped = await startChildOrigin(
      { mounts: [{ prefix: '/', source: { type: 'file', root: SAMPLES } }], limits: { maxOutputDimension: 4000 } },
      { rssCeilingBytes: CEILING },
    );
    try {
      const response = await fetch(`${capped.url}/cdn-cgi/image/width=10,height=10,dpr=2,fit=squeeze,border=color:red;width:1000,format=json/${HEALTH}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('x-image-cdn-error')).toBe('output_too_large');
      expect(await response.text()).toMatch(/after border is 4020×4020 px; the limit is 4000 px per side/);
    } finally {
      await capped.stop();
    }
  });

  it('does gamma in libvips: a gamma transform at the pixel cap costs the event loop next to nothing', async () => {
    // 5000×5000 = 25 MP, within the cap: gamma used to walk 100 MB in a JavaScript loop on the event loop.
    const mainThreadBefore = origin.mainThreadCpuMs();
    const result = await attack(`/cdn-cgi/image/width=5000,height=5000,fit=squeeze,gamma=2,format=png,compression=fast/${HEALTH}`);
    const mainThreadMs = origin.mainThreadCpuMs() - mainThreadBefore;
    expect(result.status).toBe(200);
    expect(origin.killedForMemory).toBe(false);
    // CPU time of the main thread, not wall time, so the bound holds on a busy machine. One pass over
    // 100 MB in JavaScript costs it at least 130 ms on this kind of machine, on top of what the
    // request and writing the PNG out cost it (about 30 ms here).
    expect(mainThreadMs, `main thread CPU ${mainThreadMs} ms`).toBeLessThan(100);
  });
});
