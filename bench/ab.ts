/**
 * A/B for tuning: two origins (another checkout, other flags or environment) on the same
 * requests, interleaved slice by slice in alternating order. Prints pooled throughput, the
 * median of per-slice ratios (robust to a noisy neighbour) and CPU per image.
 *
 *   npx tsx bench/ab.ts --baseline /tmp/image-cdn-before [--b-args "--concurrency 4"] [--b-env K=V,K2=V2]
 *                       [--cases jpeg,webp,small-cold] [--concurrency 1,4] [--rounds 8] [--images DIR]
 *
 * `small-cold` (bench/small-cold.ts) gives A and B each their own never-seen copies of the source,
 * in slices of 32 requests per unit of concurrency.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { servedRoot } from './bursts.js';
import { originPath, SMALL_COLD_CASE, type TransformCase, transformFor } from './cases.js';
import { startLoad, startOriginProcess } from './contenders.js';
import { parseOptions } from './options.js';
import { cpuTimeMs, peakRss, REPO, resetPeakRss } from './processes.js';
import { mergeSamples } from './sample.js';
import { percentile, summarise } from './stats.js';
import { coldSlices, SMALL_COLD_PATHS, SMALL_COLD_SLICE, smallSource } from './small-cold.js';
import { httpSpecs, type SliceSource, sliceSize } from './suite.js';

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    'a-args': { type: 'string' },
    'b-args': { type: 'string' },
    'a-env': { type: 'string' },
    'b-env': { type: 'string' },
    cases: { type: 'string', default: 'jpeg,webp' },
    concurrency: { type: 'string' },
    rounds: { type: 'string', default: '6' },
    images: { type: 'string' },
  },
});
const options = parseOptions([
  ...(values.images ? ['--images', values.images] : []),
  '--cases',
  values.cases,
  ...(values.concurrency ? ['--concurrency', values.concurrency] : []),
]);
const rounds = Number(values.rounds);
const env = (spec: string | undefined) =>
  Object.fromEntries(
    (spec ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
const args = (spec: string | undefined) => (spec ?? '').split(' ').filter(Boolean);

// The small-source case copies its source under new names: both origins serve a scratch copy.
const served = options.smallCold ? servedRoot(options) : undefined;
const root = served?.root ?? options.root;
const variants = {
  A: await startOriginProcess(root, args(values['a-args']), { repo: values.baseline ?? REPO, env: env(values['a-env']) }),
  B: await startOriginProcess(root, args(values['b-args']), { env: env(values['b-env']) }),
};
const cases: TransformCase[] = [...options.cases, ...(options.smallCold ? [SMALL_COLD_CASE] : [])];

/** A slice's requests: the same for A and B, or for the small-source case each its own never-seen copies. */
function slicesFor(testCase: TransformCase, concurrency: number): SliceSource {
  if (testCase.id === SMALL_COLD_CASE.id) return coldSlices({ root }, smallSource({ ...options, root }), SMALL_COLD_SLICE * concurrency);
  const slice = sliceSize(options, concurrency);
  return { requests: (round) => Array.from({ length: slice }, (_, i) => transformFor(testCase, options.images, round * slice + i)) };
}
const pathOf = (testCase: TransformCase) => (testCase.id === SMALL_COLD_CASE.id ? SMALL_COLD_PATHS.origin : originPath);
const load = startLoad();
process.stderr.write(
  `A: ${values.baseline ?? REPO} ${values['a-args'] ?? ''} ${values['a-env'] ?? ''}\nB: ${REPO} ${values['b-args'] ?? ''} ${values['b-env'] ?? ''}\nload average ${os.loadavg()[0]!.toFixed(2)}\n`,
);
try {
  console.log('| transform | concurrency | A img/s | B img/s | B ÷ A pooled | B ÷ A median of slices (min–max) | CPU ms/img A / B | peak RSS MiB A / B |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const concurrency of options.concurrencies) {
    for (const testCase of cases) {
      const slices = slicesFor(testCase, concurrency);
      const runs = {
        A: { samples: [] as ReturnType<typeof mergeSamples>[], cpu: 0, peak: 0 },
        B: { samples: [] as ReturnType<typeof mergeSamples>[], cpu: 0, peak: 0 },
      };
      const ratios: number[] = [];
      /** One slice of `name`'s requests for `round`, its copies released after it. */
      const slice = (name: 'A' | 'B', round: number) => {
        const requests = httpSpecs(testCase, slices.requests(round, name), pathOf(testCase));
        return load
          .call({ type: 'load', baseUrl: variants[name].url, requests, concurrency, count: requests.length })
          .finally(() => slices.release?.(round, name));
      };
      // One unmeasured slice each first (its own requests: round `rounds` is never measured), so neither pays start-up costs in the ratios.
      for (const name of ['A', 'B'] as const) await slice(name, rounds);
      for (let round = 0; round < rounds; round++) {
        const throughput: Record<string, number> = {};
        for (const name of round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
          const server = variants[name];
          resetPeakRss(server.pid);
          const cpu = cpuTimeMs(server.pid);
          const sample = await slice(name, round);
          runs[name].cpu += cpuTimeMs(server.pid) - cpu;
          runs[name].peak = Math.max(runs[name].peak, peakRss(server.pid));
          runs[name].samples.push(sample);
          throughput[name] = summarise(sample, '200').throughput;
        }
        ratios.push(throughput.B! / throughput.A!);
      }
      const a = summarise(mergeSamples(runs.A.samples), '200');
      const b = summarise(mergeSamples(runs.B.samples), '200');
      if (a.failed || b.failed) throw new Error(`failures: ${[...a.failures, ...b.failures].join('; ')}`);
      ratios.sort((x, y) => x - y);
      console.log(
        `| ${testCase.label} | ${concurrency} | ${a.throughput.toFixed(2)} | ${b.throughput.toFixed(2)} | ${(b.throughput / a.throughput).toFixed(2)}× | ` +
          `${percentile(ratios, 50).toFixed(2)}× (${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}) | ` +
          `${(runs.A.cpu / a.ok).toFixed(1)} / ${(runs.B.cpu / b.ok).toFixed(1)} | ${(runs.A.peak / 2 ** 20).toFixed(0)} / ${(runs.B.peak / 2 ** 20).toFixed(0)} |`,
      );
    }
  }
  process.stderr.write(`load average ${os.loadavg()[0]!.toFixed(2)}\n`);
} finally {
  await Promise.all([variants.A.stop(), variants.B.stop()]);
  load.stop();
  served?.remove();
}
