import { ENCODER_DEFAULTS } from '../origin/src/transform/encoder-settings.js';
import { type CpuPerTransformResult, renderCpuPerTransform } from './cpu-per-transform.js';
import type { Machine } from './machine.js';
import type { BenchOptions } from './options.js';
import type { OverloadResult } from './overload.js';
import type { Versions } from './protocol.js';
import { percentile } from './stats.js';
import { SMALL_COLD_CONTENDERS, SMALL_COLD_ORIGINS } from './small-cold.js';
import { type CheapContender, type Measurement, TRANSFORM_CONTENDERS, type TransformContender } from './suite.js';

export interface BenchResults {
  readonly machine: Machine;
  readonly options: BenchOptions;
  /** Of every contender that ran (`fair ceiling` and `bare HTTP` only with the small-source case). */
  readonly versions: Partial<Record<TransformContender, Versions>>;
  readonly transforms: Measurement<TransformContender>[];
  readonly cheap: Measurement<CheapContender>[];
  /** CPU per first-time transform, the cost table's input (absent with --no-cpu-cost). */
  readonly cpuPerTransform?: CpuPerTransformResult | undefined;
  readonly overload: OverloadResult | undefined;
  readonly loadAverageAfter: number;
  readonly seconds: number;
}

/** Issue 7's targets: origin ÷ ceiling and origin ÷ ipx throughput per case. */
const TARGETS: Record<string, { ceiling?: number; ipx: number }> = {
  jpeg: { ceiling: 0.9, ipx: 1.3 },
  cover: { ceiling: 0.9, ipx: 1.3 },
  webp: { ceiling: 0.9, ipx: 1.05 },
  auto: { ceiling: 0.9, ipx: 1.05 },
  avif: { ipx: 1.0 },
};
/** The small-source, never-seen case (bench/small-cold.ts): origin ÷ each of these; bare HTTP has no target. */
const SMALL_COLD_TARGETS: Partial<Record<TransformContender, number>> = { ceiling: 0.85, 'fair ceiling': 0.95, ipx: 1.1 };
const NOT_MODIFIED_TARGET = 0.7;
const OVERLOAD_RSS_TARGET = 2 ** 30;

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b ? a / b : Number.NaN);
/** Median and range of the per-slice ratios a ÷ b (slices are paired: same round, same requests). */
function sliceRatios(a: Measurement | undefined, b: Measurement | undefined): string {
  if (!a || !b || a.sliceThroughputs.length < 2) return '';
  const ratios = a.sliceThroughputs.map((value, i) => value / b.sliceThroughputs[i]!).sort((x, y) => x - y);
  return ` (slices ${fixed(percentile(ratios, 50), 2)}, ${fixed(ratios[0]!, 2)}–${fixed(ratios.at(-1)!, 2)})`;
}
const verdict = (value: number, target: number | undefined) => (target === undefined || !Number.isFinite(value) ? '' : value >= target ? ' ✓' : ' ✗');

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

export function renderReport(results: BenchResults): string {
  const { machine, options } = results;
  const sections = [
    `# image-cdn benchmark — ${machine.date.slice(0, 10)}`,
    `Command: \`${options.command}\` (${results.seconds.toFixed(0)} s). Inputs: ${options.images.length} images from \`${options.root}\` (${options.images.join(', ')}).`,
    `Machine: ${machine.nproc} × ${machine.cpu}, ${machine.memoryGiB.toFixed(1)} GiB, Linux ${machine.kernel}, Node ${machine.node}, commit ${machine.commit}. ` +
      `Load average (1 min) ${machine.loadAverage.toFixed(2)} before, ${results.loadAverageAfter.toFixed(2)} after: the cores are shared, so compare ratios, not absolute numbers.`,
  ];
  const [smallCold, others] = [results.transforms.filter((m) => m.caseId === 'small-cold'), results.transforms.filter((m) => m.caseId !== 'small-cold')];
  if (others.length) sections.push('## Transforms: throughput ratios', transformRatioTable(others));
  sections.push('## Transforms: every contender', transformDetailTable(results.transforms));
  if (smallCold.length) sections.push('## Small source, cold: ratios', smallColdTable(smallCold));
  if (results.cheap.length) {
    sections.push(
      '## Cheap paths: 304 and HEAD against a bare node:http 304',
      cheapTable(results.cheap),
      "HEAD answers carry no Content-Length (the length is unknown without transforming), and Node's HTTP clients " +
        '(node:http, undici) then do not reuse the connection: every HEAD here pays for a new TCP connection. curl reuses it.',
    );
  }
  if (results.cpuPerTransform) sections.push('## CPU per first-time transform (cost input)', renderCpuPerTransform(results.cpuPerTransform));
  if (results.overload) sections.push('## Overload', overloadTable(results.overload));
  sections.push('## Contenders', versionsTable(results.versions));
  return `${sections.join('\n\n')}\n`;
}

function transformRatioTable(measurements: readonly Measurement<TransformContender>[]): string {
  const rows: string[][] = [];
  for (const key of unique(measurements.map((m) => `${m.concurrency}|${m.caseId}`))) {
    const group = measurements.filter((m) => `${m.concurrency}|${m.caseId}` === key);
    const get = (c: TransformContender) => group.find((m) => m.contender === c);
    const [ceiling, origin, cold, ipx] = TRANSFORM_CONTENDERS.map(get);
    const target = TARGETS[group[0]!.caseId];
    const versus = (a: Measurement | undefined, b: Measurement | undefined, goal: number | undefined) => {
      const value = ratio(a?.summary.throughput, b?.summary.throughput);
      return `${fixed(value, 2)}×${verdict(value, goal)}${sliceRatios(a, b)}`;
    };
    rows.push([
      group[0]!.label,
      String(group[0]!.concurrency),
      [ceiling, origin, cold, ipx].map((m) => fixed(m?.summary.throughput ?? Number.NaN, 2)).join(' / '),
      versus(origin, ceiling, target?.ceiling),
      versus(origin, ipx, target?.ipx),
      versus(cold, ceiling, target?.ceiling),
      versus(cold, ipx, target?.ipx),
      [ceiling, origin, cold, ipx].map((m) => fixed(m?.cpuMsPerRequest ?? Number.NaN, 0)).join(' / '),
      target ? `${target.ceiling ? `≥ ${target.ceiling}× ceiling, ` : ''}≥ ${target.ipx}× ipx` : '',
    ]);
  }
  return table(
    [
      'transform',
      'concurrency',
      'img/s ceiling / origin / origin cold / ipx',
      'origin ÷ ceiling',
      'origin ÷ ipx',
      'origin cold ÷ ceiling',
      'origin cold ÷ ipx',
      'CPU ms/img ceiling / origin / origin cold / ipx',
      'target (img/s)',
    ],
    rows,
  );
}

/** Each origin configuration ÷ each other contender, per concurrency, pooled and as the median and range of per-slice ratios. */
function smallColdTable(measurements: readonly Measurement<TransformContender>[]): string {
  const references = SMALL_COLD_CONTENDERS.filter((c) => !SMALL_COLD_ORIGINS.includes(c));
  const everyone = [...references, ...SMALL_COLD_ORIGINS];
  const rows = unique(measurements.map((m) => String(m.concurrency))).flatMap((concurrency) => {
    const group = measurements.filter((m) => String(m.concurrency) === concurrency);
    const get = (c: TransformContender) => group.find((m) => m.contender === c);
    return SMALL_COLD_ORIGINS.filter(get).map((name) => [
      group[0]!.label,
      concurrency,
      name,
      ...references.map((reference) => {
        const value = ratio(get(name)?.summary.throughput, get(reference)?.summary.throughput);
        return `${fixed(value, 2)}×${verdict(value, SMALL_COLD_TARGETS[reference])}${sliceRatios(get(name), get(reference))}`;
      }),
      everyone.map((c) => fixed(get(c)?.summary.throughput ?? Number.NaN, 1)).join(' / '),
      everyone.map((c) => fixed(get(c)?.cpuMsPerRequest ?? Number.NaN, 1)).join(' / '),
    ]);
  });
  const target = (c: TransformContender) => (SMALL_COLD_TARGETS[c] === undefined ? '' : ` (≥ ${SMALL_COLD_TARGETS[c]})`);
  return table(
    [
      'case',
      'concurrency',
      'origin',
      ...references.map((c) => `origin ÷ ${c}${target(c)}`),
      `img/s ${everyone.join(' / ')}`,
      `CPU ms/img ${everyone.join(' / ')}`,
    ],
    rows,
  );
}

function transformDetailTable(measurements: readonly Measurement<TransformContender>[]): string {
  return table(
    ['transform', 'concurrency', 'contender', 'requests', 'img/s', 'CPU ms/img', 'p50 ms', 'p99 ms', 'peak RSS MiB', 'mean output bytes', 'notes'],
    measurements.map((m) => [
      m.label,
      String(m.concurrency),
      m.contender,
      String(m.requests),
      fixed(m.summary.throughput, 2),
      fixed(m.cpuMsPerRequest, 0),
      fixed(m.summary.p50Ms, 0),
      fixed(m.summary.p99Ms, 0),
      mib(m.peakRssBytes),
      m.summary.meanBytes === undefined ? '–' : m.summary.meanBytes.toFixed(0),
      m.notes.join('; '),
    ]),
  );
}

function cheapTable(measurements: readonly Measurement<CheapContender>[]): string {
  const rows = measurements.map((m) => {
    const floorRun = measurements.find((f) => f.contender === 'node:http 304' && f.concurrency === m.concurrency);
    const vsFloor = ratio(m.summary.throughput, floorRun?.summary.throughput);
    return [
      m.contender,
      String(m.concurrency),
      fixed(m.summary.throughput, 0),
      fixed(m.cpuMsPerRequest * 1000, 0),
      fixed(m.summary.p50Ms, 2),
      fixed(m.summary.p99Ms, 2),
      mib(m.peakRssBytes),
      m.contender === 'node:http 304'
        ? '1.00×'
        : `${fixed(vsFloor, 2)}×${verdict(vsFloor, m.contender.startsWith('origin 304') ? NOT_MODIFIED_TARGET : undefined)}${sliceRatios(m, floorRun)}`,
      m.contender === 'node:http 304' ? '1.00×' : `${fixed(ratio(floorRun?.cpuMsPerRequest, m.cpuMsPerRequest), 2)}×`,
      m.notes.join('; '),
    ];
  });
  return table(
    [
      'path',
      'concurrency',
      'req/s',
      'server CPU µs/req',
      'p50 ms',
      'p99 ms',
      'peak RSS MiB',
      'req/s vs floor (target 304 ≥ 0.70×)',
      'CPU: floor ÷ path',
      'notes',
    ],
    rows,
  );
}

function overloadTable(o: OverloadResult): string {
  const s = o.summary.statuses;
  const other = Object.entries(s).filter(([status]) => !['200', '503', '504'].includes(status));
  return table(
    [
      'source',
      'connections',
      'seconds',
      '200',
      '503 (refused: queue full or expected wait too long)',
      '504 (deadline)',
      'transforms dropped unrun',
      'other',
      'p50 / p99 ms (all answers)',
      'origin peak RSS MiB',
      'target ≤ 1024 MiB',
    ],
    [
      [
        `${o.source} (${(o.sourcePixels / 1e6).toFixed(1)} MP)`,
        String(o.connections),
        String(o.seconds),
        String(s['200'] ?? 0),
        `${s['503'] ?? 0} (origin counted ${o.rejected})`,
        String(s['504'] ?? 0),
        String(o.dropped),
        other.length ? other.map(([k, v]) => `${k}: ${v}`).join(', ') : '0',
        `${fixed(o.summary.p50Ms, 0)} / ${fixed(o.summary.p99Ms, 0)}`,
        mib(o.peakRssBytes),
        o.peakRssBytes <= OVERLOAD_RSS_TARGET ? '✓' : '✗',
      ],
    ],
  );
}

function versionsTable(versions: Partial<Record<TransformContender, Versions>>): string {
  const o = ENCODER_DEFAULTS;
  const encoders: Record<TransformContender, string> = {
    ceiling: "sharp's defaults: JPEG q80 baseline, WebP q80 effort 4, AVIF q50 effort 4",
    'fair ceiling': 'as ceiling, plus header read, EXIF rotation, sRGB, copyright-only metadata (small-source case only)',
    origin: `JPEG q${o.jpeg.quality}${o.jpeg.progressive ? ' progressive' : ''}, WebP q${o.webp.quality} effort ${o.webp.effort}, AVIF q${o.avif.quality} effort ${o.avif.effort}`,
    'origin, cold': 'as origin; `--source-cache-mb 0`: every request decodes its source',
    'origin, no levels': 'as origin; `--no-source-levels`: every rendition decodes in one pipeline (small-source case only)',
    ipx: "sharp's defaults with progressive JPEG: JPEG q80 progressive, WebP q80 effort 4, AVIF q50 effort 4",
    'bare HTTP': "node:http around the ceiling's sharp call: JPEG q80 baseline (small-source case only)",
  };
  const order: readonly TransformContender[] = ['ceiling', 'fair ceiling', 'origin', 'origin, no levels', 'origin, cold', 'ipx', 'bare HTTP'];
  const ran = order.flatMap((c) => {
    const v = versions[c];
    return v ? [[c, v.sharp, v.vips, v.vipsConcurrency, v.uvThreadpoolSize, encoders[c]]] : [];
  });
  return table(['contender', 'sharp', 'libvips', 'libvips threads per pipeline', 'UV_THREADPOOL_SIZE', 'encoder settings'], ran);
}

const unique = (values: readonly string[]) => [...new Set(values)];
