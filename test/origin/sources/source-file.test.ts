import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ImageCdnError } from '../../../origin/src/errors.js';
import { createFileSource } from '../../../origin/src/sources/file.js';
import { tempDir } from '../../support/origin.js';

const dir = tempDir();
afterAll(() => dir.remove());
const signal = new AbortController().signal;

describe('file source metadata cache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reuses metadata within the TTL, never serves changed bytes under it, and sees the change after it', async () => {
    // The TTL runs on performance.now(): a clock of the test's own, so a busy machine cannot outrun it.
    vi.useFakeTimers({ toFake: ['performance'] });
    const file = path.join(dir.dir, 'a.jpg');
    writeFileSync(file, 'version one');
    const source = createFileSource(dir.dir, { metadataTtlMs: 200 });
    const first = await source.resolve('a.jpg', signal);
    writeFileSync(file, 'version two, longer');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    const cached = await source.resolve('a.jpg', signal);
    expect(cached.meta.etagSeed).toBe(first.meta.etagSeed);
    const opening = cached.open({ signal, maxBytes: 1_000 });
    await expect(opening).rejects.toBeInstanceOf(ImageCdnError);
    await expect(opening).rejects.toMatchObject({ status: 502, tag: 'source_fetch_error' });
    vi.advanceTimersByTime(250);
    const fresh = await source.resolve('a.jpg', signal);
    expect(fresh.meta.etagSeed).not.toBe(first.meta.etagSeed);
    await expect(fresh.open({ signal, maxBytes: 1_000 })).resolves.toEqual({ kind: 'file', path: file });
  });

  it('without a cache, every resolve sees the file as it is', async () => {
    const file = path.join(dir.dir, 'b.jpg');
    writeFileSync(file, 'one');
    const source = createFileSource(dir.dir, { metadataTtlMs: 0 });
    const first = await source.resolve('b.jpg', signal);
    writeFileSync(file, 'two and more');
    expect((await source.resolve('b.jpg', signal)).meta.etagSeed).not.toBe(first.meta.etagSeed);
  });

  it('does not cache misses, and a file removed within the TTL is a 404 on open', async () => {
    const source = createFileSource(dir.dir, { metadataTtlMs: 10_000 });
    await expect(source.resolve('c.jpg', signal)).rejects.toMatchObject({ status: 404 });
    writeFileSync(path.join(dir.dir, 'c.jpg'), 'now here');
    const resolved = await source.resolve('c.jpg', signal);
    const { rmSync } = await import('node:fs');
    rmSync(path.join(dir.dir, 'c.jpg'));
    await expect(resolved.open({ signal, maxBytes: 1_000 })).rejects.toMatchObject({ status: 404 });
  });

  it('bounds the number of cached entries', async () => {
    for (let i = 0; i < 5; i++) writeFileSync(path.join(dir.dir, `n${i}.jpg`), `n${i}`);
    const source = createFileSource(dir.dir, { metadataTtlMs: 10_000, metadataCacheEntries: 2 });
    const first = await source.resolve('n0.jpg', signal);
    for (let i = 1; i < 5; i++) await source.resolve(`n${i}.jpg`, signal);
    writeFileSync(path.join(dir.dir, 'n0.jpg'), 'n0 changed');
    // n0 was evicted, so its change is seen at once.
    expect((await source.resolve('n0.jpg', signal)).meta.etagSeed).not.toBe(first.meta.etagSeed);
  });
});
