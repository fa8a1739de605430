import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { CONTENT_TYPES } from './cases.js';
import { type LoadWorker, startOriginProcess } from './contenders.js';
import type { BenchOptions } from './options.js';
import { peakRss } from './processes.js';
import type { HttpRequestSpec } from './protocol.js';
import { type Summary, summarise } from './stats.js';
import { originCounter } from './suite.js';

export const OVERLOAD_MAX_PIXELS = 25_000_000;
/** Output widths from shrink-on-load territory up to a full-size re-encode (the largest decode). */
const WIDTHS = [600, 1500, 3000, 6000];
const FORMATS = ['jpeg', 'webp'] as const;
const PREFERRED_SOURCE = 'painting-colors-6000x4000.jpg';

export interface OverloadResult {
  readonly source: string;
  readonly sourcePixels: number;
  readonly connections: number;
  readonly seconds: number;
  readonly summary: Summary;
  readonly peakRssBytes: number;
  /** The origin's own count of queue refusals. */
  readonly rejected: number;
  /** Queued transforms the origin dropped unrun, their requests having timed out. */
  readonly dropped: number;
}

/**
 * Many more concurrent requests than the queue admits, on the largest source under the pixel
 * limit, with outputs up to full size so every admitted transform holds a full decode. A fresh
 * origin, so its peak RSS is this case's alone.
 */
export async function runOverload(options: BenchOptions, load: LoadWorker, log: (line: string) => void): Promise<OverloadResult> {
  const source = await largestSource(options.root);
  const origin = await startOriginProcess(options.root, [...options.originArgs, '--max-pixels', String(OVERLOAD_MAX_PIXELS)]);
  try {
    const requests: HttpRequestSpec[] = Array.from({ length: 512 }, (_, k) => {
      const format = FORMATS[Math.floor(k / WIDTHS.length) % FORMATS.length]!;
      // Distinct widths keep every request its own transform (no coalescing).
      const width = Math.min(WIDTHS[k % WIDTHS.length]!, source.width) - Math.floor(k / (WIDTHS.length * FORMATS.length));
      return {
        path: `/cdn-cgi/image/width=${width},format=${format}/${encodeURIComponent(source.file)}`,
        method: 'GET',
        group: 0,
        expectStatus: 200,
        expectContentType: CONTENT_TYPES[format],
      };
    });
    const overload = options.overload!;
    const sample = await load.call({
      type: 'load',
      baseUrl: origin.url,
      requests,
      concurrency: overload.connections,
      durationMs: overload.seconds * 1000,
      tolerateStatuses: [503, 504],
    });
    const summary = summarise(sample, '200', ['503', '504']);
    const result: OverloadResult = {
      source: source.file,
      sourcePixels: source.width * source.height,
      connections: overload.connections,
      seconds: overload.seconds,
      summary,
      peakRssBytes: peakRss(origin.pid),
      rejected: await originCounter(origin, 'image_cdn_rejected_requests_total'),
      dropped: await originCounter(origin, 'image_cdn_dropped_transforms_total'),
    };
    log(`overload: ${JSON.stringify(summary.statuses)}, peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`);
    return result;
  } finally {
    await origin.stop();
  }
}

async function largestSource(root: string): Promise<{ file: string; width: number; height: number }> {
  const candidates: Array<{ file: string; width: number; height: number }> = [];
  for (const file of readdirSync(root).sort()) {
    const meta = await sharp(`${root}/${file}`)
      .metadata()
      .catch(() => undefined);
    if (meta?.width && meta.height && meta.width * meta.height <= OVERLOAD_MAX_PIXELS) candidates.push({ file, width: meta.width, height: meta.height });
  }
  const preferred = candidates.find((c) => c.file === PREFERRED_SOURCE);
  const largest = preferred ?? candidates.sort((a, b) => b.width * b.height - a.width * a.height)[0];
  if (!largest) throw new Error(`overload: no image under ${OVERLOAD_MAX_PIXELS} pixels in ${root}`);
  return largest;
}
