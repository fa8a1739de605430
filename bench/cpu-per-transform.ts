/**
 * CPU-seconds per first-time transform: the input of the cost table in docs/deployment.md
 * (tools/cost-table.ts). A fresh origin, started as a user starts it but with
 * `--source-cache-mb 0` (every transform decodes its source: nothing kept from an earlier request
 * helps), gets a mix of never-seen URLs over the corpus at concurrency 1: widths 320–1600 in
 * `format=auto` with a browser's Accept (AVIF, and WebP for browsers without AVIF) and in JPEG.
 * The origin process's user + system CPU time (all threads, /proc/<pid>/stat) over each format's
 * slice, divided by that slice's transforms, is CPU-seconds per transform. CPU time hardly moves
 * when other work shares the cores, unlike wall time, which is why it is the cost input.
 *
 *   npm run bench -- --cpu-cost [--cpu-cost-passes N] [--images DIR] [--origin-args "…"]
 */
import os from 'node:os';
import path from 'node:path';
import { CONTENT_TYPES, type OutputFormat, originPath, type Transform, type TransformCase, WEBP_ACCEPT } from './cases.js';
import type { LoadWorker } from './contenders.js';
import type { BenchOptions } from './options.js';
import { cpuTimeMs, REPO, type RunningServer, startServer } from './processes.js';
import type { HttpRequestSpec, RunSample } from './protocol.js';
import { mergeSamples } from './sample.js';
import { percentile } from './stats.js';
import { originCounter } from './suite.js';

/** Widths a responsive page's srcset asks for, from a phone thumbnail to a wide desktop column. */
export const COST_WIDTHS = [320, 640, 960, 1280, 1600] as const;

/** Chrome's image Accept header: `format=auto` answers AVIF. */
export const AVIF_ACCEPT = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';

export interface CostFormat {
  readonly id: 'auto-avif' | 'auto-webp' | 'jpeg';
  readonly label: string;
  readonly testCase: TransformCase;
}

/** The output formats of the mix, one third of the transforms each. */
export const COST_FORMATS: readonly CostFormat[] = [
  {
    id: 'auto-avif',
    label: 'format=auto, Accept with AVIF → AVIF',
    testCase: { id: 'auto', label: '', format: 'avif', cover: false, auto: true, accept: AVIF_ACCEPT },
  },
  {
    id: 'auto-webp',
    label: 'format=auto, Accept without AVIF → WebP',
    testCase: { id: 'auto', label: '', format: 'webp', cover: false, auto: true, accept: WEBP_ACCEPT },
  },
  { id: 'jpeg', label: 'format=jpeg → JPEG', testCase: { id: 'jpeg', label: '', format: 'jpeg', cover: false, auto: false } },
];

export interface CostFormatResult {
  readonly id: CostFormat['id'];
  readonly label: string;
  readonly format: OutputFormat;
  readonly transforms: number;
  /** Origin CPU (user + system) per transform. */
  readonly cpuSecondsPerTransform: number;
  /** Mean time from request sent to last byte read, at concurrency 1. */
  readonly wallMsMean: number;
  readonly wallMsP50: number;
  /** Mean size of the answers. */
  readonly meanOutputBytes: number;
}

export interface CpuPerTransformResult {
  readonly command: string;
  readonly originArgs: readonly string[];
  readonly passes: number;
  readonly images: readonly string[];
  readonly widths: readonly number[];
  readonly perFormat: readonly CostFormatResult[];
  /** Every transform of the mix together (equal thirds of the three formats). */
  readonly overall: Omit<CostFormatResult, 'id' | 'label' | 'format'>;
  /** Origin CPU time over wall time while it transformed: above 1, a transform used more than one core. */
  readonly cpuPerWall: number;
  /** Bytes of JSON access log the origin wrote per transform (what CloudWatch Logs ingests). */
  readonly accessLogBytesPerTransform: number;
  /** Mean size of the source files. */
  readonly meanSourceBytes: number;
  readonly loadAverage: { readonly before: number; readonly after: number };
  readonly seconds: number;
  readonly notes: readonly string[];
}

/**
 * One pass: every image at every width in the format, `pass` pixels wider than the previous
 * pass's so that every URL of the run is new.
 */
export function costTransforms(format: CostFormat, images: readonly string[], pass: number): Transform[] {
  return COST_WIDTHS.flatMap((width) => images.map((file, image) => ({ image, file, width: width + pass, format: format.testCase.format })));
}

function specs(format: CostFormat, transforms: readonly Transform[]): HttpRequestSpec[] {
  return transforms.map((t) => ({
    path: originPath(format.testCase, t),
    method: 'GET',
    ...(format.testCase.accept && { headers: { accept: format.testCase.accept } }),
    group: t.image,
    expectStatus: 200,
    expectContentType: CONTENT_TYPES[t.format],
  }));
}

/** The origin with its access log on (as deployed), counting the bytes of that log. */
async function startCostOrigin(options: BenchOptions): Promise<RunningServer & { logBytes(): number; logLines(): number }> {
  let bytes = 0;
  let lines = 0;
  const server = await startServer(
    'origin (cost)',
    [path.join(REPO, 'dist/bin/image-cdn.js'), 'serve', '--root', options.root, '--port', '0', '--source-cache-mb', '0', ...options.originArgs],
    (line) => {
      // The access log: one JSON line per answered request. Only the measured transforms count
      // (not /metrics, nor the warm-up's width 300).
      if (line.startsWith('{') && line.includes('"path":"/cdn-cgi/image/width=') && !line.includes('"path":"/cdn-cgi/image/width=300,')) {
        bytes += Buffer.byteLength(line) + 1;
        lines++;
      }
      const match = line.match(/listening on (http:\/\/\S+)/);
      return match ? { url: match[1]! } : undefined;
    },
  );
  return { ...server, logBytes: () => bytes, logLines: () => lines };
}

export async function runCpuPerTransform(
  options: BenchOptions,
  load: LoadWorker,
  log: (line: string) => void,
  meanSourceBytes: number,
): Promise<CpuPerTransformResult> {
  const started = performance.now();
  const loadBefore = os.loadavg()[0]!;
  const origin = await startCostOrigin(options);
  const notes: string[] = [];
  try {
    // Unmeasured: JIT, the file cache and a check of every answer's type, at a width the mix never asks for.
    for (const format of COST_FORMATS) {
      const warm = specs(
        format,
        options.images.map((file, image) => ({ image, file, width: 300, format: format.testCase.format })),
      );
      const sample = await load.call({ type: 'load', baseUrl: origin.url, requests: warm, concurrency: 1, count: warm.length });
      if ((sample.statuses['200'] ?? 0) !== warm.length)
        throw new Error(`warm-up ${format.label}: ${JSON.stringify(sample.statuses)} ${sample.failures.join('; ')}`);
    }
    log(
      `cpu per transform: warmed up; ${options.cpuCostPasses} passes × ${COST_FORMATS.length} formats × ${COST_WIDTHS.length} widths × ${options.images.length} images`,
    );

    const transformsBefore = await originCounter(origin, 'image_cdn_transforms_total');
    const coalescedBefore = await originCounter(origin, 'image_cdn_coalesced_requests_total');
    const keptBefore = await originCounter(origin, 'image_cdn_source_cache_lookups_total', 'outcome="hit"');
    const runs = new Map(COST_FORMATS.map((f) => [f.id, { samples: [] as RunSample[], cpuMs: 0 }]));
    for (let pass = 0; pass < options.cpuCostPasses; pass++) {
      // Formats in rotated order, so drift in the neighbours' load spreads over all three.
      const order = [...COST_FORMATS.slice(pass % COST_FORMATS.length), ...COST_FORMATS.slice(0, pass % COST_FORMATS.length)];
      for (const format of order) {
        const requests = specs(format, costTransforms(format, options.images, pass));
        const cpuBefore = cpuTimeMs(origin.pid);
        const sample = await load.call({ type: 'load', baseUrl: origin.url, requests, concurrency: 1, count: requests.length });
        const run = runs.get(format.id)!;
        run.cpuMs += cpuTimeMs(origin.pid) - cpuBefore;
        run.samples.push(sample);
      }
      log(`cpu per transform: pass ${pass + 1}/${options.cpuCostPasses} done`);
    }
    const transformed = (await originCounter(origin, 'image_cdn_transforms_total')) - transformsBefore;
    const coalesced = (await originCounter(origin, 'image_cdn_coalesced_requests_total')) - coalescedBefore;
    const kept = (await originCounter(origin, 'image_cdn_source_cache_lookups_total', 'outcome="hit"')) - keptBefore;
    // The access log is written as each answer goes out; give the pipe a moment.
    await new Promise((resolve) => setTimeout(resolve, 200));

    const perFormat = COST_FORMATS.map((format): CostFormatResult & { cpuMs: number; wallMsTotal: number; bytesTotal: number; latencies: number[] } => {
      const run = runs.get(format.id)!;
      const merged = mergeSamples(run.samples);
      const ok = Object.values(merged.bytes).reduce((sum, entry) => sum + entry.count, 0);
      const bytesTotal = Object.values(merged.bytes).reduce((sum, entry) => sum + entry.sum, 0);
      if (ok !== merged.completed) notes.push(`${format.label}: ${merged.completed - ok} failed: ${merged.failures.join('; ')}`);
      const latencies = [...merged.latenciesMs].sort((a, b) => a - b);
      const wallMsTotal = latencies.reduce((a, b) => a + b, 0);
      return {
        id: format.id,
        label: format.label,
        format: format.testCase.format,
        transforms: ok,
        cpuSecondsPerTransform: run.cpuMs / 1000 / Math.max(1, ok),
        wallMsMean: wallMsTotal / Math.max(1, latencies.length),
        wallMsP50: percentile(latencies, 50),
        meanOutputBytes: bytesTotal / Math.max(1, ok),
        cpuMs: run.cpuMs,
        wallMsTotal,
        bytesTotal,
        latencies,
      };
    });
    const total = perFormat.reduce((sum, f) => sum + f.transforms, 0);
    const cpuMs = perFormat.reduce((sum, f) => sum + f.cpuMs, 0);
    const wallMsTotal = perFormat.reduce((sum, f) => sum + f.wallMsTotal, 0);
    const allLatencies = perFormat.flatMap((f) => f.latencies).sort((a, b) => a - b);
    if (transformed !== total || coalesced !== 0) notes.push(`origin transformed ${transformed} for ${total} 200s, coalesced ${coalesced}`);
    if (kept !== 0) notes.push(`origin reused ${kept} kept decoded sources`);
    const logLines = origin.logLines();
    if (logLines !== total) notes.push(`${logLines} access-log lines for ${total} transforms`);

    const result: CpuPerTransformResult = {
      command: options.command,
      originArgs: ['--source-cache-mb', '0', ...options.originArgs],
      passes: options.cpuCostPasses,
      images: options.images,
      widths: COST_WIDTHS,
      perFormat: perFormat.map(({ cpuMs: _c, wallMsTotal: _w, bytesTotal: _b, latencies: _l, ...rest }) => rest),
      overall: {
        transforms: total,
        cpuSecondsPerTransform: cpuMs / 1000 / Math.max(1, total),
        wallMsMean: wallMsTotal / Math.max(1, total),
        wallMsP50: percentile(allLatencies, 50),
        meanOutputBytes: perFormat.reduce((sum, f) => sum + f.bytesTotal, 0) / Math.max(1, total),
      },
      cpuPerWall: cpuMs / Math.max(1, wallMsTotal),
      accessLogBytesPerTransform: origin.logBytes() / Math.max(1, logLines),
      meanSourceBytes,
      loadAverage: { before: loadBefore, after: os.loadavg()[0]! },
      seconds: (performance.now() - started) / 1000,
      notes,
    };
    log(
      `cpu per transform: ${(result.overall.cpuSecondsPerTransform * 1000).toFixed(0)} CPU ms (${perFormat
        .map((f) => `${f.format} ${(f.cpuSecondsPerTransform * 1000).toFixed(0)}`)
        .join(', ')}), wall ${result.overall.wallMsMean.toFixed(0)} ms at c=1${notes.length ? ` (${notes.join('; ')})` : ''}`,
    );
    return result;
  } finally {
    await origin.stop();
  }
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

export function renderCpuPerTransform(result: CpuPerTransformResult): string {
  const row = (label: string, r: Omit<CostFormatResult, 'id' | 'label' | 'format'>) =>
    `| ${label} | ${r.transforms} | ${fixed(r.cpuSecondsPerTransform, 3)} | ${fixed(r.wallMsMean / 1000, 3)} | ${fixed(r.wallMsP50, 0)} | ${fixed(r.meanOutputBytes, 0)} |`;
  return [
    `Mix: ${result.passes} passes × widths ${result.widths.join(', ')} (+ pass number, so every URL is new) × ${result.images.length} images × ` +
      `${COST_FORMATS.map((f) => f.label).join('; ')}: ${result.overall.transforms} first-time transforms at concurrency 1, ` +
      `origin flags \`${result.originArgs.join(' ')}\` (every transform decodes its source), access log on. ${fixed(result.seconds, 0)} s; ` +
      `load average ${fixed(result.loadAverage.before, 2)} before, ${fixed(result.loadAverage.after, 2)} after.`,
    [
      '| output | transforms | CPU s / transform (user + system) | wall s / transform at c=1 (mean) | wall p50 ms | mean output bytes |',
      '|---|---|---|---|---|---|',
      ...result.perFormat.map((f) => row(f.label, f)),
      row('**all (equal thirds)**', result.overall),
    ].join('\n'),
    `Origin CPU ÷ wall while transforming: ${fixed(result.cpuPerWall, 2)}. Access log: ${fixed(result.accessLogBytesPerTransform, 0)} bytes per transform. ` +
      `Mean source: ${fixed(result.meanSourceBytes, 0)} bytes.${result.notes.length ? ` Notes: ${result.notes.join('; ')}.` : ''}`,
  ].join('\n\n');
}
