import { HEALTH_IMAGE_PATH } from '../origin/src/sources/builtin.js';
import { CONTENT_TYPES, ipxPath, originPath, type Transform, type TransformCase, transformFor } from './cases.js';
import type { CeilingWorker, LoadWorker } from './contenders.js';
import type { BenchOptions } from './options.js';
import { cpuTimeMs, peakRss, resetPeakRss, type RunningServer } from './processes.js';
import type { HttpRequestSpec, RunSample } from './protocol.js';
import { mergeSamples } from './sample.js';
import { type Summary, summarise } from './stats.js';

/**
 * `origin` runs as configured by default; `origin, cold` with `--source-cache-mb 0`, so every
 * request decodes its source (as the first request for a new upload does). `fair ceiling`,
 * `bare HTTP` and `origin, no levels` (`--no-source-levels`) are the small-source case's alone
 * (bench/small-cold.ts).
 */
export type TransformContender = 'ceiling' | 'fair ceiling' | 'origin' | 'origin, no levels' | 'origin, cold' | 'ipx' | 'bare HTTP';
/** The contenders of the 600-px and new-upload cases. */
export const TRANSFORM_CONTENDERS: readonly TransformContender[] = ['ceiling', 'origin', 'origin, cold', 'ipx'];
const isOrigin = (c: TransformContender) => c === 'origin' || c === 'origin, cold' || c === 'origin, no levels';
export type CheapContender = 'node:http 304' | 'origin 304, file source' | 'origin 304, no source I/O' | 'origin HEAD, file source';

export interface Measurement<C extends string = string> {
  readonly caseId: string;
  readonly label: string;
  readonly concurrency: number;
  readonly contender: C;
  readonly requests: number;
  readonly summary: Summary;
  /** VmHWM during this run alone (or since start, where the kernel refuses a reset). */
  readonly peakRssBytes: number;
  /** CPU time the contender's process spent per successful answer (the load generator's is not counted). */
  readonly cpuMsPerRequest: number;
  /** Throughput of each interleaved slice, for the spread of per-slice ratios. */
  readonly sliceThroughputs: number[];
  /** Anything the run found suspicious, e.g. the origin answering from other than a fresh transform. */
  readonly notes: string[];
  /** The origin's decoded-source lookups during the measurement (origin contenders only). */
  readonly sources?: SourceLookups;
}

export interface Contenders {
  readonly ceiling: CeilingWorker;
  readonly origin: RunningServer;
  readonly originCold: RunningServer;
  readonly ipx: RunningServer;
  readonly floor: RunningServer;
  /** Started only for the small-source case (servers/bare-server.ts). */
  readonly bare?: RunningServer | undefined;
  /** Started only for the small-source case: `--no-source-levels`, every rendition one pipeline. */
  readonly originNoLevels?: RunningServer | undefined;
  readonly load: LoadWorker;
}

/** Runs `work` and returns the process's peak RSS and CPU time over just that work. */
async function withResources<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; peakRssBytes: number; cpuMs: number; perRun: boolean }> {
  const perRun = resetPeakRss(pid);
  const cpuBefore = cpuTimeMs(pid);
  const result = await work();
  return { result, peakRssBytes: peakRss(pid), cpuMs: cpuTimeMs(pid) - cpuBefore, perRun };
}

/** How the HTTP contenders spell a transform. */
export interface CasePaths {
  readonly origin: typeof originPath;
  readonly ipx: typeof ipxPath;
  /** Only for cases with the `bare HTTP` contender. */
  readonly bare?: typeof originPath;
}
const DEFAULT_PATHS: CasePaths = { origin: originPath, ipx: ipxPath };

export function httpSpecs(testCase: TransformCase, transforms: readonly Transform[], pathOf: typeof originPath): HttpRequestSpec[] {
  return transforms.map((t) => ({
    path: pathOf(testCase, t),
    method: 'GET',
    ...(testCase.accept && { headers: { accept: testCase.accept } }),
    group: t.image,
    expectStatus: 200,
    expectContentType: CONTENT_TYPES[t.format],
  }));
}

/** Sum of a counter over all its label sets, from the origin's Prometheus page. */
export async function originCounter(origin: RunningServer, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${origin.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) && line.includes(label))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function runContender(
  contender: TransformContender,
  testCase: TransformCase,
  transforms: readonly Transform[],
  concurrency: number,
  options: BenchOptions,
  all: Contenders,
  paths: CasePaths = DEFAULT_PATHS,
): Promise<{ sample: RunSample; peakRssBytes: number; cpuMs: number; notes: string[]; sources?: SourceLookups }> {
  const notes: string[] = [];
  if (contender === 'ceiling' || contender === 'fair ceiling') {
    const command = { type: 'ceiling', root: options.root, transforms, concurrency, fair: contender === 'fair ceiling' } as const;
    const run = await withResources(all.ceiling.pid, () => all.ceiling.call(command));
    if (!run.perRun) notes.push('peak RSS since start');
    return { sample: run.result as RunSample, peakRssBytes: run.peakRssBytes, cpuMs: run.cpuMs, notes };
  }
  const server = { origin: all.origin, 'origin, no levels': all.originNoLevels, 'origin, cold': all.originCold, ipx: all.ipx, 'bare HTTP': all.bare }[
    contender
  ];
  const pathOf = isOrigin(contender) ? paths.origin : contender === 'ipx' ? paths.ipx : paths.bare;
  if (!server || !pathOf) throw new Error(`${contender} is not running, or this case (${testCase.id}) has no URLs for it`);
  const requests = httpSpecs(testCase, transforms, pathOf);
  const before = isOrigin(contender) ? await originCounters(server) : undefined;
  const run = await withResources(server.pid, () => all.load.call({ type: 'load', baseUrl: server.url, requests, concurrency, count: requests.length }));
  if (!run.perRun) notes.push('peak RSS since start');
  if (before) {
    // Every 200 must be its own transform: no response cached, nothing coalesced.
    const after = await originCounters(server);
    const transformed = after.transforms - before.transforms;
    const coalesced = after.coalesced - before.coalesced;
    const ok = run.result.statuses['200'] ?? 0;
    if (transformed !== ok || coalesced !== 0) notes.push(`origin transformed ${transformed} for ${ok} 200s, coalesced ${coalesced}`);
    const sources = addLookups(after.sources, before.sources, -1);
    if (contender === 'origin, cold' && sources.hit > 0) notes.push(`cold origin reused ${sources.hit} kept sources`);
    return { sample: run.result, peakRssBytes: run.peakRssBytes, cpuMs: run.cpuMs, notes, sources };
  }
  return { sample: run.result, peakRssBytes: run.peakRssBytes, cpuMs: run.cpuMs, notes };
}

/** The origin's decoded-source lookups (image_cdn_source_cache_lookups_total) by outcome. */
export interface SourceLookups {
  readonly hit: number;
  readonly joined: number;
  readonly miss: number;
}

const NO_LOOKUPS: SourceLookups = { hit: 0, joined: 0, miss: 0 };
const addLookups = (a: SourceLookups, b: SourceLookups, sign = 1): SourceLookups => ({
  hit: a.hit + sign * b.hit,
  joined: a.joined + sign * b.joined,
  miss: a.miss + sign * b.miss,
});

async function originCounters(origin: RunningServer) {
  const lookups = (outcome: string) => originCounter(origin, 'image_cdn_source_cache_lookups_total', `outcome="${outcome}"`);
  return {
    transforms: await originCounter(origin, 'image_cdn_transforms_total'),
    coalesced: await originCounter(origin, 'image_cdn_coalesced_requests_total'),
    sources: { hit: await lookups('hit'), joined: await lookups('joined'), miss: await lookups('miss') },
  };
}

/** Requests per slice: one pass over the images at concurrency 1, two above (so every connection has work). */
export const sliceSize = (options: BenchOptions, concurrency: number) => options.images.length * (concurrency > 1 ? 2 : 1);

/** One request per case and contender, unmeasured: JIT, file cache and a check of every answer's type. */
export async function warmUp(options: BenchOptions, all: Contenders, log: (line: string) => void): Promise<void> {
  for (const testCase of options.cases) {
    // The last image is the smallest file: a cheap warm-up.
    const transforms = [transformFor(testCase, options.images, options.images.length - 1)];
    for (const contender of TRANSFORM_CONTENDERS) {
      const { sample } = await runContender(contender, testCase, transforms, 1, options, all);
      const summary = summarise(sample, '200');
      if (summary.ok !== 1) throw new Error(`warm-up: ${contender} failed ${testCase.label}: ${summary.failures.join('; ')}`);
    }
    log(`warmed up: ${testCase.label}`);
  }
}

/**
 * Each case runs in `rounds` slices per contender, interleaved (ceiling, origin, origin cold, ipx,
 * then the next slice in rotated order), so drift in the machine's background load spreads over
 * all contenders instead of landing on whoever ran last. Every contender gets the same requests.
 */
export async function runTransforms(options: BenchOptions, all: Contenders, log: (line: string) => void): Promise<Measurement<TransformContender>[]> {
  const results: Measurement<TransformContender>[] = [];
  for (const concurrency of options.concurrencies) {
    for (const testCase of options.cases) {
      const slice = sliceSize(options, concurrency);
      const roundTransforms = (round: number) => Array.from({ length: slice }, (_, i) => transformFor(testCase, options.images, round * slice + i));
      results.push(...(await measureInterleaved(testCase, concurrency, roundTransforms, options, all, log)));
    }
  }
  return results;
}

let rotation = 0;

/**
 * The requests of each slice. A plain function gives every contender the same requests in a
 * round; a `SliceSource` may give each contender its own (e.g. sources no contender has seen).
 */
export interface SliceSource {
  requests(round: number, contender: string): Transform[];
  /** Called once the slice has run (e.g. to remove the sources it copied). */
  release?(round: number, contender: string): void;
}

/** How a case departs from the 600-px cases: which contenders, how many rounds, how URLs are spelt. */
export interface CaseSetup {
  readonly contenders?: readonly TransformContender[];
  readonly rounds?: number;
  readonly paths?: CasePaths;
}

/**
 * `rounds` slices per contender of one case, interleaved in rotating order; each round, every
 * contender gets the same requests (or its own, from a `SliceSource`).
 */
export async function measureInterleaved(
  testCase: TransformCase,
  concurrency: number,
  roundTransforms: ((round: number) => Transform[]) | SliceSource,
  options: BenchOptions,
  all: Contenders,
  log: (line: string) => void,
  setup: CaseSetup = {},
): Promise<Measurement<TransformContender>[]> {
  const order = setup.contenders ?? TRANSFORM_CONTENDERS;
  const slices = typeof roundTransforms === 'function' ? sameForAll(roundTransforms) : roundTransforms;
  const runs = new Map<TransformContender, { samples: RunSample[]; slices: number[]; peak: number; cpuMs: number; notes: string[]; sources?: SourceLookups }>(
    order.map((c) => [c, { samples: [], slices: [], peak: 0, cpuMs: 0, notes: [] }]),
  );
  let requests = 0;
  for (let round = 0; round < (setup.rounds ?? options.rounds); round++) {
    const turn = [...order.slice(rotation % order.length), ...order.slice(0, rotation % order.length)];
    rotation++;
    for (const [index, contender] of turn.entries()) {
      const transforms = slices.requests(round, contender);
      if (index === 0) requests += transforms.length;
      let ran: Awaited<ReturnType<typeof runContender>>;
      try {
        ran = await runContender(contender, testCase, transforms, concurrency, options, all, setup.paths);
      } finally {
        slices.release?.(round, contender);
      }
      const { sample, peakRssBytes, cpuMs, notes, sources } = ran;
      const run = runs.get(contender)!;
      if (sources) run.sources = addLookups(run.sources ?? NO_LOOKUPS, sources);
      run.samples.push(sample);
      run.slices.push(summarise(sample, '200').throughput);
      run.cpuMs += cpuMs;
      run.peak = Math.max(run.peak, peakRssBytes);
      for (const note of notes) if (!run.notes.includes(note)) run.notes.push(note);
    }
  }
  return order.map((contender) => {
    const run = runs.get(contender)!;
    const summary = summarise(mergeSamples(run.samples), '200');
    if (summary.failed > 0) run.notes.push(`${summary.failed} failed: ${summary.failures.join('; ')}`);
    const cpuMsPerRequest = run.cpuMs / Math.max(1, summary.ok);
    if (run.sources) run.notes.push(`decoded sources: ${run.sources.hit} kept, ${run.sources.joined} shared, ${run.sources.miss} decoded`);
    log(
      `${testCase.label} c=${concurrency} ${contender}: ${summary.throughput.toFixed(2)} img/s, ${cpuMsPerRequest.toFixed(0)} CPU ms/img, p50 ${summary.p50Ms.toFixed(0)} ms${run.notes.length ? ` (${run.notes.join('; ')})` : ''}`,
    );
    return {
      caseId: testCase.id,
      label: testCase.label,
      concurrency,
      contender,
      requests,
      summary,
      peakRssBytes: run.peak,
      cpuMsPerRequest,
      sliceThroughputs: run.slices,
      notes: run.notes,
      ...(run.sources && { sources: run.sources }),
    };
  });
}

/** One list of requests per round, made once and given to every contender. */
function sameForAll(roundTransforms: (round: number) => Transform[]): SliceSource {
  const made = new Map<number, Transform[]>();
  return {
    requests: (round) => {
      if (!made.has(round)) made.set(round, roundTransforms(round));
      return made.get(round)!;
    },
  };
}

/**
 * 304 and HEAD: everything the origin decides from metadata, against a bare node:http server
 * that only compares one header. Duration-bound: these answers take well under a millisecond.
 */
export async function runCheapPaths(options: BenchOptions, all: Contenders, log: (line: string) => void): Promise<Measurement<CheapContender>[]> {
  const jpeg: TransformCase = { id: 'jpeg', label: '', format: 'jpeg', cover: false, auto: false };
  const filePath = originPath(jpeg, transformFor(jpeg, options.images, 0));
  // The built-in image resolves from memory, as content-addressed S3 keys do: the handler alone.
  const builtinPath = originPath(jpeg, { image: 0, file: HEALTH_IMAGE_PATH, width: 600, format: 'jpeg' });
  const [fileEtag, builtinEtag, floorEtag] = await Promise.all([
    etagOf(`${all.origin.url}${filePath}`),
    etagOf(`${all.origin.url}${builtinPath}`),
    etagOf(all.floor.url),
  ]);
  const notModified = (path: string, etag: string): HttpRequestSpec => ({
    path,
    method: 'GET',
    headers: { 'if-none-match': etag },
    group: 0,
    expectStatus: 304,
  });
  const runs: Array<{ contender: CheapContender; server: RunningServer; spec: HttpRequestSpec }> = [
    { contender: 'node:http 304', server: all.floor, spec: notModified('/', floorEtag) },
    { contender: 'origin 304, file source', server: all.origin, spec: notModified(filePath, fileEtag) },
    { contender: 'origin 304, no source I/O', server: all.origin, spec: notModified(builtinPath, builtinEtag) },
    {
      contender: 'origin HEAD, file source',
      server: all.origin,
      spec: { path: filePath, method: 'HEAD', group: 0, expectStatus: 200, expectContentType: 'image/jpeg' },
    },
  ];
  const results: Measurement<CheapContender>[] = [];
  const transformsBefore = await originCounter(all.origin, 'image_cdn_transforms_total');
  for (const concurrency of options.concurrencies) {
    for (const { server, spec } of runs) {
      await all.load.call({ type: 'load', baseUrl: server.url, requests: [spec], concurrency, durationMs: 200 });
    }
    // Short slices, interleaved in rotating order, as for the transforms.
    const totals = runs.map(() => ({ samples: [] as RunSample[], cpuMs: 0, peak: 0 }));
    for (let round = 0; round < options.rounds; round++) {
      for (let turn = 0; turn < runs.length; turn++) {
        const index = (turn + round) % runs.length;
        const { server, spec } = runs[index]!;
        const run = await withResources(server.pid, () =>
          all.load.call({ type: 'load', baseUrl: server.url, requests: [spec], concurrency, durationMs: options.cheapSliceMs }),
        );
        totals[index]!.samples.push(run.result);
        totals[index]!.cpuMs += run.cpuMs;
        totals[index]!.peak = Math.max(totals[index]!.peak, run.peakRssBytes);
      }
    }
    runs.forEach(({ contender, spec }, index) => {
      const total = totals[index]!;
      const summary = summarise(mergeSamples(total.samples), String(spec.expectStatus));
      const notes = summary.failed > 0 ? [`${summary.failed} failed: ${summary.failures.join('; ')}`] : [];
      const cpuMsPerRequest = total.cpuMs / Math.max(1, summary.ok);
      const sliceThroughputs = total.samples.map((sample) => summarise(sample, String(spec.expectStatus)).throughput);
      results.push({
        caseId: 'cheap',
        label: spec.method === 'HEAD' ? 'HEAD' : '304',
        concurrency,
        contender,
        requests: summary.ok,
        summary,
        peakRssBytes: total.peak,
        cpuMsPerRequest,
        sliceThroughputs,
        notes,
      });
      log(
        `${contender} c=${concurrency}: ${summary.throughput.toFixed(0)} req/s, ${(cpuMsPerRequest * 1000).toFixed(0)} CPU µs/req, p50 ${summary.p50Ms.toFixed(2)} ms${notes.length ? ` (${notes.join('; ')})` : ''}`,
      );
    });
  }
  // 304s and HEADs are decided from metadata: not one of them may reach the transform queue.
  const transformed = (await originCounter(all.origin, 'image_cdn_transforms_total')) - transformsBefore;
  if (transformed !== 0)
    for (const m of results) if (m.contender !== 'node:http 304') m.notes.push(`origin ran ${transformed} transforms during the cheap paths`);
  return results;
}

async function etagOf(url: string): Promise<string> {
  const response = await fetch(url, { method: 'HEAD' });
  const etag = response.headers.get('etag');
  if (!response.ok || !etag) throw new Error(`HEAD ${url} → ${response.status}, ETag ${etag}`);
  return etag;
}
