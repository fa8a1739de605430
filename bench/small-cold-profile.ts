/**
 * Where a cold small-source request's time goes (BENCHMARKS.md, "Small sources, cold"): one
 * origin, requests one at a time, each naming a never-seen copy of the smallest image at width
 * 400–449 (bench/small-cold.ts), interleaved with the same raw sharp call in this process on
 * another copy. Prints medians of wall time and of the origin's Server-Timing phases; with
 * `--cpu-prof DIR`, also the origin main thread's busiest functions per request.
 *
 *   npx tsx bench/small-cold-profile.ts [--repo DIR] [--origin-args=--no-source-levels] [--requests 300] [--cpu-prof DIR]
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startOriginProcess } from './contenders.js';
import { parseOptions } from './options.js';
import { REPO } from './processes.js';
import { rawSharp } from './raw-sharp.js';
import { SMALL_COLD_QUALITY } from './cases.js';
import { SMALL_COLD_WIDTHS, smallSource } from './small-cold.js';
import { percentile } from './stats.js';

const { values } = parseArgs({
  options: {
    repo: { type: 'string', default: REPO },
    'origin-args': { type: 'string', default: '' },
    requests: { type: 'string', default: '300' },
    'cpu-prof': { type: 'string' },
  },
});
const requests = Number(values.requests);
const WARM_UP = 20;
const options = parseOptions([]);
const source = smallSource(options);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'image-cdn-profile-'));
const copy = (name: string) => (copyFileSync(path.join(options.root, source), path.join(scratch, name)), path.join(scratch, name));
const profileDir = values['cpu-prof'] && path.resolve(values['cpu-prof']);
if (profileDir) mkdirSync(profileDir, { recursive: true });
const origin = await startOriginProcess(scratch, values['origin-args'].split(' ').filter(Boolean), {
  repo: values.repo,
  nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
});

const samples: Record<string, number[]> = { 'raw sharp': [], origin: [] };
try {
  for (let i = 0; i < requests + WARM_UP; i++) {
    const width = SMALL_COLD_WIDTHS.from + (i % SMALL_COLD_WIDTHS.count);
    const rawFile = copy(`raw-${i}.jpg`);
    let started = performance.now();
    await rawSharp(rawFile, { image: 0, file: `raw-${i}.jpg`, width, format: 'jpeg', quality: SMALL_COLD_QUALITY });
    const raw = performance.now() - started;
    copy(`cold-${i}.jpg`);
    started = performance.now();
    const response = await fetch(`${origin.url}/cdn-cgi/image/width=${width},quality=${SMALL_COLD_QUALITY},format=baseline-jpeg/cold-${i}.jpg`);
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`cold-${i}.jpg: ${response.status}`);
    if (i < WARM_UP) continue;
    samples['raw sharp']!.push(raw);
    samples.origin!.push(performance.now() - started);
    for (const phase of (response.headers.get('server-timing') ?? '').split(',')) {
      const match = /^\s*([\w-]+);dur=([\d.]+)/.exec(phase);
      if (match) (samples[`origin: ${match[1]}`] ??= []).push(Number(match[2]));
    }
  }
} finally {
  await origin.stop();
  rmSync(scratch, { recursive: true, force: true });
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
console.log(`${requests} requests, ${source}, origin ${values.repo} ${values['origin-args']}; load average ${os.loadavg()[0]!.toFixed(2)}`);
console.log('| what | median ms |\n|---|---|');
for (const [name, values] of Object.entries(samples)) console.log(`| ${name} | ${median(values).toFixed(2)} |`);
if (profileDir) printProfile(profileDir, requests + WARM_UP);

/** The origin main thread's self time per request, by function, from the newest profile in `dir`. */
function printProfile(dir: string, count: number): void {
  const file = readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .sort()
    .at(-1);
  if (!file) throw new Error(`no .cpuprofile in ${dir}: did the origin exit cleanly?`);
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}${url ? `:${lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  console.log(`\norigin main thread, self time per request (${file}, start-up included):\n| ms | function |\n|---|---|`);
  for (const [key, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`| ${(micros / 1000 / count).toFixed(3)} | \`${key}\` |`);
}
