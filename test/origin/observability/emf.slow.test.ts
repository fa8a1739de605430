/**
 * The origin's metrics as CloudWatch embedded-metric-format lines: a real origin (real sharp,
 * real HTTP) under load writes lines that follow the EMF specification, whose totals are the
 * Prometheus registry's over the same requests, and whose number is bounded by the interval and
 * the metric sets, not by the requests.
 */
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import type { Registry } from 'prom-client';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmfConfig } from '../../../origin/src/config.js';
import { createImageOrigin } from '../../../origin/src/http/image-origin.js';
import { OriginMetrics } from '../../../origin/src/observability/metrics.js';
import { createImageHandler, imageHandlerOf, type ImageHandler } from '../../../origin/src/image-handler.js';
import { EMF_DEFAULT_NAMESPACE, EMF_METRICS } from '../../../origin/src/observability/emf-catalogue.js';
import { EmfPublisher } from '../../../origin/src/observability/emf.js';
import { ValueSummary } from '../../../origin/src/observability/value-summary.js';
import { resolveConfig, settingsFromEnv } from '../../../origin/src/config.js';
import { defaultConfig } from '../../../origin/src/defaults.js';
import { createFileSource } from '../../../origin/src/sources/file.js';
import { createMountTable } from '../../../origin/src/sources/mounts.js';
import { startCliServe } from '../../support/cli-origin.js';
import { distributionOf, emfProblems, type EmfRoot, metricNamesOf, metricSetOf, parseEmf, sumOf } from '../../support/emf.js';
import { listenLocal, type Listening } from '../../support/listen.js';
import { SAMPLES, tempDir, testConfig, type ConfigOverrides } from '../../support/origin.js';

const M = Object.fromEntries(Object.entries(EMF_METRICS).map(([key, spec]) => [key, spec.name])) as {
  [K in keyof typeof EMF_METRICS]: (typeof EMF_METRICS)[K]['name'];
};
const INTERVAL_MS = 1_000;

const root = tempDir('image-cdn-emf-');
beforeAll(async () => {
  copyFileSync(path.join(SAMPLES, 'fossa.jpg'), path.join(root.dir, 'fossa.jpg'));
  copyFileSync(path.join(SAMPLES, 'alpha.png'), path.join(root.dir, 'alpha.png'));
  // Noise does not compress: a transform of it takes long enough to pass a short deadline.
  const [width, height] = [2_500, 2_000];
  const noise = Buffer.alloc(width * height * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (Math.random() * 256) | 0;
  await sharp(noise, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toFile(path.join(root.dir, 'noise.jpg'));
});
afterAll(() => root.remove());

interface EmfOrigin {
  readonly handler: ImageHandler;
  readonly server: Listening;
  readonly lines: string[];
  readonly url: string;
  /** Closes the server, then the handler (which writes the last lines). */
  close(): Promise<void>;
}

/** A real origin over HTTP with EMF on, its lines kept instead of written to stdout. */
async function startEmfOrigin(overrides: Omit<ConfigOverrides, 'emf'> & { emf?: Partial<EmfConfig> } = {}): Promise<EmfOrigin> {
  const lines: string[] = [];
  const config = testConfig(
    { ...overrides, emf: { enabled: true, namespace: 'ImageCdnTest', service: 'emf-test', intervalMs: INTERVAL_MS, ...overrides.emf } },
    root.dir,
  );
  const handler = imageHandlerOf(
    createImageOrigin(config, { router: createMountTable([{ prefix: '/', source: createFileSource(root.dir) }]), emfWrite: (line) => lines.push(line) }),
  );
  const server = await listenLocal(handler);
  return { handler, server, lines, url: server.url, close: async () => (await server.close(), await handler.close()) };
}

/** Runs `jobs` with at most `parallel` at once. */
async function pool<T>(jobs: Array<() => Promise<T>>, parallel: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await jobs[index]!();
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

/** Statuses the client saw, by status code. */
class Seen {
  readonly statuses = new Map<number, number>();
  async request(url: string, init?: RequestInit): Promise<Response> {
    const response = await fetch(url, init);
    await response.arrayBuffer();
    this.statuses.set(response.status, (this.statuses.get(response.status) ?? 0) + 1);
    return response;
  }
  get total(): number {
    return [...this.statuses.values()].reduce((a, n) => a + n, 0);
  }
  byClass(): Map<string, number> {
    const classes = new Map<string, number>();
    for (const [status, n] of this.statuses) classes.set(`${String(status)[0]}xx`, (classes.get(`${String(status)[0]}xx`) ?? 0) + n);
    return classes;
  }
}

/** Every line, checked against the specification; the parsed documents. */
function validLines(lines: readonly string[]): EmfRoot[] {
  for (const line of lines) expect(emfProblems(line), line).toEqual([]);
  return parseEmf(lines);
}

interface Totals {
  readonly transforms: Record<string, number>;
  readonly requests: Record<string, number>;
  readonly counts: Record<string, number>;
  readonly durations: Record<string, { count: number; sumMs: number }>;
}

const record = (map: Map<string, number>) => Object.fromEntries([...map].filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)));

/** What the lines add up to, metric by metric. */
function emfTotals(roots: readonly EmfRoot[]): Totals {
  const single = (name: string) => sumOf(roots, name).get('') ?? 0;
  const distribution = (name: string) => {
    const { count, sum } = distributionOf(roots, name);
    return { count, sumMs: sum };
  };
  return {
    transforms: record(sumOf(roots, M.transforms, (root) => String(root['Format']))),
    requests: record(sumOf(roots, M.requests, (root) => `${String(root['StatusClass'])} ${String(root['Outcome'])}`)),
    counts: Object.fromEntries(
      [M.notModified, M.coalesced, M.rejected, M.dropped, M.timedOut, M.sourceCacheHits, M.sourceCacheMisses].map((name) => [name, single(name)]),
    ),
    durations: { [M.transformTime]: distribution(M.transformTime), [M.sourceFetchTime]: distribution(M.sourceFetchTime) },
  };
}

/** The same totals, read from the Prometheus registry on its own. */
async function prometheusTotals(registry: Registry): Promise<Totals> {
  const metrics = await registry.getMetricsAsJSON();
  const values = (name: string) => {
    const metric = metrics.find((m) => m.name === name);
    if (!metric) throw new Error(`no ${name} in the registry`);
    return metric.values as Array<{ labels: Record<string, string | number>; value: number; metricName?: string }>;
  };
  const sum = (name: string, keep: (labels: Record<string, string | number>) => boolean = () => true) =>
    values(name)
      .filter(({ labels }) => keep(labels))
      .reduce((a, { value }) => a + value, 0);
  const by = (name: string, key: (labels: Record<string, string | number>) => string) => {
    const sums = new Map<string, number>();
    for (const { labels, value } of values(name)) sums.set(key(labels), (sums.get(key(labels)) ?? 0) + value);
    return record(sums);
  };
  const histogram = (name: string) => ({
    count: values(name).find((v) => v.metricName === `${name}_count`)!.value,
    sumMs: values(name).find((v) => v.metricName === `${name}_sum`)!.value * 1000,
  });
  return {
    transforms: by('image_cdn_transforms_total', (labels) => String(labels['format'])),
    requests: by('image_cdn_requests_total', (labels) => `${String(labels['status'])[0]}xx ${String(labels['outcome'])}`),
    counts: {
      [M.notModified]: sum('image_cdn_requests_total', (labels) => String(labels['status']) === '304'),
      [M.coalesced]: sum('image_cdn_coalesced_requests_total'),
      [M.rejected]: sum('image_cdn_rejected_requests_total'),
      [M.dropped]: sum('image_cdn_dropped_transforms_total'),
      [M.timedOut]: sum('image_cdn_timed_out_requests_total'),
      [M.sourceCacheHits]: sum('image_cdn_source_cache_lookups_total', (labels) => labels['outcome'] === 'hit' || labels['outcome'] === 'joined'),
      [M.sourceCacheMisses]: sum('image_cdn_source_cache_lookups_total', (labels) => labels['outcome'] === 'miss'),
    },
    durations: {
      [M.transformTime]: histogram('image_cdn_transform_duration_seconds'),
      [M.sourceFetchTime]: histogram('image_cdn_source_fetch_duration_seconds'),
    },
  };
}

/** EMF and Prometheus agree metric by metric; durations to the rounding of three significant digits. */
function expectSameTotals(emf: Totals, prometheus: Totals): void {
  expect(emf.transforms).toEqual(prometheus.transforms);
  expect(emf.requests).toEqual(prometheus.requests);
  expect(emf.counts).toEqual(prometheus.counts);
  for (const [name, expected] of Object.entries(prometheus.durations)) {
    expect(emf.durations[name]!.count, name).toBe(expected.count);
    expect(Math.abs(emf.durations[name]!.sumMs - expected.sumMs), name).toBeLessThanOrEqual(0.005 * expected.sumMs + 0.001 * expected.count);
  }
}

/**
 * At most one line per metric set per flush, and no more flushes than timer ticks in `elapsedMs`
 * plus the last one at close: the bound, whatever the number of requests.
 */
function expectBoundedLines(roots: readonly EmfRoot[], elapsedMs: number): { bound: number; sets: number } {
  const sets = new Set(roots.map(metricSetOf)).size;
  const flushes = new Map<number, string[]>();
  for (const root of roots) flushes.set(root._aws.Timestamp, [...(flushes.get(root._aws.Timestamp) ?? []), metricSetOf(root)]);
  for (const [timestamp, inFlush] of flushes) expect(new Set(inFlush).size, `flush at ${timestamp} repeats a metric set`).toBe(inFlush.length);
  const maxFlushes = Math.floor(elapsedMs / INTERVAL_MS) + 1;
  expect(flushes.size).toBeLessThanOrEqual(maxFlushes);
  const bound = maxFlushes * sets;
  expect(roots.length).toBeLessThanOrEqual(bound);
  return { bound, sets };
}

describe('EMF lines under 1,000 requests of every kind', () => {
  let origin: EmfOrigin;
  const seen = new Seen();
  let elapsedMs = 0;
  let roots: EmfRoot[] = [];

  beforeAll(async () => {
    const started = performance.now();
    // Two slots, whatever the machine: eight requests at a time make some wait.
    origin = await startEmfOrigin({ limits: { concurrency: 2 } });
    const image = (options: string, file = 'fossa.jpg') => `${origin.url}/cdn-cgi/image/${options}/${file}`;
    const formats = ['webp', 'avif', 'png', 'jpeg'];
    const transformUrls = formats.flatMap((format) => Array.from({ length: 50 }, (_, i) => image(`width=${20 + i},format=${format}`)));

    // 200 transforms in four formats, keeping their ETags.
    const etags = await pool(
      transformUrls.map((url) => async () => (await seen.request(url)).headers.get('etag')!),
      8,
    );
    // 100 requests in groups of five identical ones at once: most share one transform.
    for (let group = 0; group < 20; group++) {
      await Promise.all(Array.from({ length: 5 }, () => seen.request(image(`width=${600 + group},format=webp`))));
    }
    const jobs: Array<() => Promise<unknown>> = [
      // 200 revalidations: 304 from the URL and the ETag alone.
      ...transformUrls.map((url, i) => () => seen.request(url, { headers: { 'if-none-match': etags[i]! } })),
      // 100 client errors: no such source, and options that are no options.
      ...Array.from({ length: 50 }, (_, i) => () => seen.request(image('width=10', `missing-${i}.jpg`))),
      ...Array.from({ length: 50 }, (_, i) => () => seen.request(image(`width=banana${i}`))),
      // 150 originals, HEADs and health checks.
      ...Array.from({ length: 50 }, () => () => seen.request(`${origin.url}/alpha.png`)),
      ...Array.from({ length: 50 }, (_, i) => () => seen.request(image(`width=${20 + i},format=webp`), { method: 'HEAD' })),
      ...Array.from({ length: 50 }, () => () => seen.request(`${origin.url}/healthz`)),
      // 250 transforms again, of sources already decoded.
      ...Array.from(
        { length: 250 },
        (_, i) => () => seen.request(image(`width=${100 + (i % 125)},format=${formats[i % 4]}`, i % 2 ? 'fossa.jpg' : 'alpha.png')),
      ),
    ];
    await pool(jobs, 8);
    await origin.close();
    elapsedMs = performance.now() - started;
    roots = validLines(origin.lines);
  }, 180_000);

  it('sends 1,000 requests of every kind: transforms of four formats, 304s, 4xx, coalesced, originals, HEADs', () => {
    expect(seen.total).toBe(1_000);
    expect(seen.statuses.get(304)).toBe(200);
    expect(seen.statuses.get(404)).toBe(50);
    expect(seen.statuses.get(400)).toBe(50);
    const totals = emfTotals(roots);
    expect(Object.keys(totals.transforms).sort()).toEqual(['avif', 'jpeg', 'png', 'webp']);
    expect(totals.counts[M.coalesced]).toBeGreaterThan(0);
  });

  it('writes lines that each follow the EMF specification, in the namespace and with the service set', () => {
    expect(roots.length).toBeGreaterThan(0);
    for (const root of roots) {
      expect(root._aws.CloudWatchMetrics.map((directive) => directive.Namespace)).toEqual(['ImageCdnTest']);
      expect(root['Service']).toBe('emf-test');
      // Every metric a line defines is one the catalogue names, with the catalogue's unit.
      for (const { Name, Unit } of root._aws.CloudWatchMetrics.flatMap((directive) => directive.Metrics)) {
        expect(Object.values(EMF_METRICS).find((spec) => spec.name === Name)?.unit, Name).toBe(Unit);
      }
    }
  });

  it('publishes each metric under the documented dimension sets', () => {
    const dimensionsOf = (name: string) =>
      new Set(roots.filter((root) => metricNamesOf(root).includes(name)).map((root) => JSON.stringify(root._aws.CloudWatchMetrics[0]!.Dimensions)));
    expect(dimensionsOf(M.transforms)).toEqual(new Set([JSON.stringify([['Service'], ['Service', 'Format']])]));
    expect(dimensionsOf(M.requests)).toEqual(new Set([JSON.stringify([['Service'], ['Service', 'StatusClass'], ['Service', 'Outcome']])]));
    for (const name of [
      M.notModified,
      M.coalesced,
      M.rejected,
      M.dropped,
      M.timedOut,
      M.queueDepth,
      M.transformTime,
      M.sourceFetchTime,
      M.sourceCacheHits,
      M.sourceCacheMisses,
    ]) {
      expect(dimensionsOf(name), name).toEqual(new Set([JSON.stringify([['Service']])]));
    }
  });

  it('adds up to the Prometheus counters over the same requests, metric by metric', async () => {
    expectSameTotals(emfTotals(roots), await prometheusTotals(origin.handler.metrics));
  });

  it('adds up to what the client saw: requests by status class, and the 304s', () => {
    const totals = emfTotals(roots);
    const byClass = new Map<string, number>();
    for (const [set, n] of Object.entries(totals.requests)) byClass.set(set.split(' ')[0]!, (byClass.get(set.split(' ')[0]!) ?? 0) + n);
    expect(record(byClass)).toEqual(record(seen.byClass()));
    expect(totals.counts[M.notModified]).toBe(seen.statuses.get(304));
  });

  it('carries the durations as Values and Counts, at most 100 values a line', () => {
    const transformTimes = distributionOf(roots, M.transformTime);
    expect(transformTimes.count).toBe(Object.values(emfTotals(roots).transforms).reduce((a, n) => a + n, 0));
    expect(transformTimes.widest).toBeGreaterThan(1);
    expect(transformTimes.widest).toBeLessThanOrEqual(100);
    expect(distributionOf(roots, M.sourceFetchTime).count).toBeGreaterThan(0);
  });

  it('reports the deepest queue of each interval', () => {
    const depths = roots.filter((root) => metricNamesOf(root).includes(M.queueDepth)).map((root) => root[M.queueDepth] as number);
    expect(Math.max(...depths)).toBeGreaterThan(0);
    expect(Math.max(...depths)).toBeLessThanOrEqual(origin.handler.origin.config.limits.queueSize);
  });

  it('writes a number of lines bounded by the interval and the metric sets, far below the requests', () => {
    const { bound, sets } = expectBoundedLines(roots, elapsedMs);
    // One line for the origin, one per format, one per (status class, outcome): 2xx/3xx/4xx by outcome.
    expect(sets).toBeLessThanOrEqual(1 + 4 + 8);
    expect(bound).toBeLessThan(seen.total);
  });
});

describe('EMF lines of an overloaded origin: 503, 504 and dropped transforms', () => {
  it('count the shed load as Prometheus does', async () => {
    const started = performance.now();
    const origin = await startEmfOrigin({ limits: { concurrency: 1, queueSize: 1, requestTimeoutMs: 150 } });
    const seen = new Seen();
    try {
      // One runs past its deadline, one waits past its own (then dropped unrun), the rest find the queue full.
      await Promise.all(Array.from({ length: 6 }, (_, i) => seen.request(`${origin.url}/cdn-cgi/image/width=${2_400 - i},format=webp/noise.jpg`)));
      const queue = origin.handler.origin.handler.queue;
      while (queue.depth.running > 0 || queue.depth.waiting > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      await seen.request(`${origin.url}/cdn-cgi/image/width=40/fossa.jpg`);
    } finally {
      await origin.close();
    }
    const roots = validLines(origin.lines);
    expect(seen.statuses.get(504)).toBeGreaterThanOrEqual(1);
    expect(seen.statuses.get(503)).toBeGreaterThanOrEqual(1);
    const totals = emfTotals(roots);
    expect(totals.counts[M.timedOut]).toBe(seen.statuses.get(504));
    expect(totals.counts[M.rejected]).toBe(seen.statuses.get(503));
    expect(totals.counts[M.dropped]).toBeGreaterThanOrEqual(1);
    expectSameTotals(totals, await prometheusTotals(origin.handler.metrics));
    expectBoundedLines(roots, performance.now() - started);
  });
});

describe('batching', () => {
  it('writes nothing when nothing changed, and flushIfDue waits for the interval', async () => {
    const origin = await startEmfOrigin({ emf: { intervalMs: 60_000 } });
    try {
      const emf = origin.handler.emf!;
      await fetch(`${origin.url}/cdn-cgi/image/width=30/fossa.jpg`).then((r) => r.arrayBuffer());
      await emf.flushIfDue();
      expect(origin.lines).toEqual([]);
      await emf.flush();
      const afterOne = origin.lines.length;
      // A transform line, a requests line and the origin's line.
      expect(afterOne).toBe(3);
      await emf.flush();
      await emf.flushIfDue();
      expect(origin.lines.length).toBe(afterOne);
    } finally {
      await origin.close();
    }
    // Closing writes nothing more: nothing happened since.
    expect(origin.lines.length).toBe(3);
  });

  it('flushes on its own timer, and flushIfDue writes once an interval has passed', async () => {
    const metrics = new OriginMetrics();
    const lines: string[] = [];
    const publisher = new EmfPublisher(metrics, { namespace: 'ImageCdnTest', service: 'unit', intervalMs: 100, write: (line) => lines.push(line) });
    try {
      metrics.requests.inc({ status: '200', outcome: 'transformed' });
      await publisher.flushIfDue();
      expect(lines).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(parseEmf(lines).map((root) => root['Requests'])).toEqual([1]);
      metrics.requests.inc({ status: '200', outcome: 'transformed' }, 2);
      await new Promise((resolve) => setTimeout(resolve, 110));
      await publisher.flushIfDue();
      expect(parseEmf(lines).map((root) => root['Requests'])).toEqual([1, 2]);
    } finally {
      await publisher.close();
    }
  });

  it('holds at most 100 distinct durations per line, however many it measured', async () => {
    const metrics = new OriginMetrics();
    const lines: string[] = [];
    const publisher = new EmfPublisher(metrics, { namespace: 'ImageCdnTest', service: 'unit', intervalMs: 60_000, write: (line) => lines.push(line) });
    for (let i = 0; i < 20_000; i++) metrics.observeTransform(1 + i * 0.37);
    await publisher.close();
    const [root] = validLines(lines);
    const histogram = root![M.transformTime] as { Values: number[]; Count: number };
    expect(histogram.Values.length).toBe(100);
    expect(histogram.Count).toBe(20_000);
  });
});

describe('the queue depth', () => {
  it("is each interval's peak, and a depth that holds through an interval is that interval's", async () => {
    const metrics = new OriginMetrics();
    const lines: string[] = [];
    const publisher = new EmfPublisher(metrics, { namespace: 'ImageCdnTest', service: 'unit', intervalMs: 60_000, write: (line) => lines.push(line) });
    const depths = () => parseEmf(lines).map((root) => root[M.queueDepth]);
    metrics.setQueueDepth(5, 2);
    metrics.setQueueDepth(0, 2);
    await publisher.flush();
    expect(depths()).toEqual([5]);
    // Back at zero since: nothing to say.
    await publisher.flush();
    expect(depths()).toEqual([5]);
    metrics.setQueueDepth(3, 2);
    await publisher.flush();
    await publisher.flush();
    expect(depths()).toEqual([5, 3, 3]);
    await publisher.close();
  });
});

/** mulberry32: the same numbers on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe('the duration summary', () => {
  /** The value at quantile `q` of a distribution given as values and counts. */
  const quantile = (values: readonly number[], counts: readonly number[], q: number) => {
    const rank = q * counts.reduce((a, n) => a + n, 0);
    let seen = 0;
    for (let i = 0; i < values.length; i++) if ((seen += counts[i]!) >= rank) return values[i]!;
    return values.at(-1)!;
  };

  it('stays within 100 values under any number of distinct ones, and keeps p50, p95 and p99 within 5 %', () => {
    const summary = new ValueSummary();
    const raw: number[] = [];
    const random = seededRandom(16);
    // Log-normal around 40 ms with a long tail, as transform times are.
    for (let i = 0; i < 50_000; i++) {
      const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      const ms = Math.exp(Math.log(40) + 0.8 * normal);
      raw.push(ms);
      summary.record(ms);
      if (summary.size > 100) throw new Error(`holds ${summary.size} values after ${i + 1} observations`);
    }
    const taken = summary.take()!;
    expect(taken.values.length).toBe(100);
    expect(taken.count).toBe(50_000);
    const exactSum = raw.reduce((a, v) => a + v, 0);
    expect(Math.abs(taken.sum - exactSum) / exactSum).toBeLessThan(0.005);
    raw.sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = raw[Math.ceil(q * raw.length) - 1]!;
      expect(Math.abs(quantile(taken.values, taken.counts, q) - exact) / exact, `p${q * 100}`).toBeLessThan(0.05);
    }
    expect(summary.take()).toBeUndefined();
  });
});

describe('switching EMF on', () => {
  it('is off by default: the handler has no publisher', async () => {
    const handler = createImageHandler({ root: root.dir, accessLog: false });
    expect(handler.emf).toBeUndefined();
    await handler.close();
  });

  it('the emf option turns it on, with the catalogue namespace by default', async () => {
    const handler = createImageHandler({ root: root.dir, accessLog: false, emf: { enabled: true } });
    expect(handler.origin.config.emf).toEqual({ enabled: true, namespace: EMF_DEFAULT_NAMESPACE, service: 'image-cdn', intervalMs: 10_000 });
    expect(typeof handler.emf?.flush).toBe('function');
    expect(typeof handler.emf?.flushIfDue).toBe('function');
    await handler.close();
  });

  it('the environment turns it on, as the container reads it', () => {
    const config = resolveConfig(
      { defaults: defaultConfig() },
      settingsFromEnv({ IMAGE_CDN_EMF: 'yes', IMAGE_CDN_EMF_SERVICE: 'prod-images', IMAGE_CDN_EMF_INTERVAL_MS: '5000' }),
    );
    expect(config.emf).toEqual({ enabled: true, namespace: EMF_DEFAULT_NAMESPACE, service: 'prod-images', intervalMs: 5_000 });
  });

  it('refuses a namespace CloudWatch would refuse', () => {
    expect(() => settingsFromEnv({ IMAGE_CDN_EMF_NAMESPACE: 'AWS/Lambda' })).toThrow(/IMAGE_CDN_EMF_NAMESPACE.*AWS\//);
    expect(() => createImageHandler({ root: root.dir, emf: { namespace: 'images!' } })).toThrow(/emf\.namespace/);
  });
});

describe('image-cdn serve --emf', () => {
  it('writes whole EMF lines among the access-log lines on stdout, counting every request the log shows', async () => {
    const origin = await startCliServe(
      ['--host', '127.0.0.1', '--port', '0', '--root', root.dir, '--emf', '--emf-interval', '1000', '--emf-service', 'cli-test', '--no-playground'],
      process.env,
    );
    const seen = new Seen();
    try {
      const urls = Array.from({ length: 300 }, (_, i) => `${origin.url}/cdn-cgi/image/width=${10 + (i % 60)},format=${i % 3 ? 'webp' : 'png'}/fossa.jpg`);
      await pool(
        [...urls.map((url) => () => seen.request(url)), ...Array.from({ length: 20 }, (_, i) => () => seen.request(`${origin.url}/missing-${i}.jpg`))],
        16,
      );
    } finally {
      expect(await origin.stop()).toBe(0);
    }
    const lines = origin
      .stdout()
      .split('\n')
      .filter((line) => line !== '');
    // Two kinds of line on one stream, never cut into each other.
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const emfLines = lines.filter((_, i) => '_aws' in parsed[i]!);
    const accessLines = parsed.filter((entry) => !('_aws' in entry) && typeof entry['status'] === 'number');
    expect(accessLines.length).toBe(seen.total);
    const roots = validLines(emfLines);
    expect(new Set(roots.map((root) => root['Service']))).toEqual(new Set(['cli-test']));
    expect(sumOf(roots, M.requests).get('')).toBe(seen.total);
    expect(record(sumOf(roots, M.requests, (root) => String(root['StatusClass'])))).toEqual(record(seen.byClass()));
  });
});
