import { describe, expect, it } from 'vitest';
import { ImageCdnError } from '../../../origin/src/errors.js';
import { WorkQueue } from '../../../origin/src/transform/work-queue.js';

const deferred = () => {
  let resolve!: (v: string) => void;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
};

describe('WorkQueue', () => {
  it('coalesces identical keys into one job', async () => {
    let runs = 0;
    const gate = deferred();
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 0 });
    const jobs = Array.from({ length: 5 }, () =>
      queue.run('k', () => {
        runs++;
        return gate.promise;
      }),
    );
    expect(jobs.filter((j) => j.coalesced)).toHaveLength(4);
    gate.resolve('done');
    expect(await Promise.all(jobs.map((j) => j.promise))).toEqual(Array(5).fill('done'));
    expect(runs).toBe(1);
  });

  it('runs at most `concurrency` jobs and refuses past the waiting bound with 503', async () => {
    const gates = [deferred(), deferred(), deferred()];
    let running = 0;
    let peak = 0;
    const queue = new WorkQueue({ concurrency: 2, maxWaiting: 1, retryAfterSeconds: 2 });
    const job = (i: number) => async () => {
      peak = Math.max(peak, ++running);
      const value = await gates[i]!.promise;
      running--;
      return value;
    };
    const a = queue.run('a', job(0));
    const b = queue.run('b', job(1));
    const c = queue.run('c', job(2));
    let refused: unknown;
    try {
      queue.run('d', job(0));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ImageCdnError);
    expect((refused as ImageCdnError).status).toBe(503);
    expect((refused as ImageCdnError).headers['retry-after']).toBe('2');
    gates.forEach((g, i) => g.resolve(String(i)));
    expect(await Promise.all([a.promise, b.promise, c.promise])).toEqual(['0', '1', '2']);
    expect(peak).toBe(2);
    expect(queue.depth).toEqual({ waiting: 0, running: 0 });
  });

  it("drops a waiting job unrun once every caller's deadline has passed", async () => {
    const gate = deferred();
    let dropped = 0;
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 4 }, { onDropped: () => dropped++ });
    const busy = queue.run('busy', () => gate.promise);
    let ran = false;
    const late = queue.run(
      'late',
      async () => {
        ran = true;
        return 'late';
      },
      performance.now() + 5,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    gate.resolve('done');
    await busy.promise;
    await expect(late.promise).rejects.toMatchObject({ tag: 'request_timeout', status: 504 });
    expect(ran).toBe(false);
    expect(dropped).toBe(1);
    expect(queue.depth).toEqual({ waiting: 0, running: 0 });
  });

  it('runs a waiting job when a later caller of the same key still has time', async () => {
    const gate = deferred();
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 4 });
    const busy = queue.run('busy', () => gate.promise);
    const first = queue.run('k', async () => 'ran', performance.now() + 5);
    const second = queue.run('k', async () => 'not this one', performance.now() + 60_000);
    expect(second.coalesced).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    gate.resolve('done');
    await busy.promise;
    expect(await second.promise).toBe('ran');
    expect(await first.promise).toBe('ran');
  });

  it("refuses at once when the expected wait outlasts the caller's deadline", async () => {
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 100 });
    // Teach it that a job takes about 30 ms.
    for (let i = 0; i < 3; i++) await queue.run(`warm${i}`, () => new Promise((resolve) => setTimeout(resolve, 30))).promise;
    const gate = deferred();
    const busy = queue.run('busy', () => gate.promise);
    const queued = Array.from({ length: 5 }, (_, i) => queue.run(`q${i}`, async () => 'ok'));
    expect(queue.expectedWaitMs()).toBeGreaterThan(100);
    let refused: unknown;
    try {
      queue.run('short', async () => 'never', performance.now() + 50);
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ tag: 'overloaded', status: 503 });
    expect((refused as ImageCdnError).message).toMatch(/5 transforms are waiting; the expected wait of \d+ ms exceeds the \d+ ms left/);
    const patient = queue.run('patient', async () => 'ok', performance.now() + 60_000);
    gate.resolve('done');
    await busy.promise;
    expect(await Promise.all([...queued, patient].map((j) => j.promise))).toEqual(Array(6).fill('ok'));
  });

  it("lends a waiting job's slot to the next one, and takes it back after", async () => {
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 4 });
    const shared = deferred();
    const order: string[] = [];
    const a = queue.run('a', async () => {
      order.push('a waits');
      const value = await queue.lend(shared.promise);
      order.push(`a resumes (running ${queue.depth.running})`);
      return value;
    });
    const b = queue.run('b', async () => {
      order.push('b runs');
      await new Promise((resolve) => setTimeout(resolve, 10));
      shared.resolve('decoded');
      await new Promise((resolve) => setTimeout(resolve, 10));
      return 'b';
    });
    const c = queue.run('c', async () => (order.push('c runs'), 'c'));
    expect(await Promise.all([a.promise, b.promise, c.promise])).toEqual(['decoded', 'b', 'c']);
    // c waits for a slot: b holds the lent one and a took one back above the limit.
    expect(order).toEqual(['a waits', 'b runs', 'a resumes (running 2)', 'c runs']);
    expect(queue.depth).toEqual({ waiting: 0, running: 0 });
  });

  it('frees the key after a failure so a retry runs again', async () => {
    const queue = new WorkQueue({ concurrency: 1, maxWaiting: 1 });
    await expect(
      queue.run('k', async () => {
        throw new Error('boom');
      }).promise,
    ).rejects.toThrow('boom');
    await expect(queue.run('k', async () => 'ok').promise).resolves.toBe('ok');
  });
});
