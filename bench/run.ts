/**
 * `npm run bench`: the origin against raw sharp (ceiling), ipx, and a bare node:http 304
 * (floor), side by side on the same inputs, transforms and concurrency; the small-source case
 * adds a fair ceiling and bare node:http around raw sharp (bench/small-cold.ts). Every contender
 * and the load generator is its own process. See BENCHMARKS.md.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runBursts, servedRoot } from './bursts.js';
import { renderCpuPerTransform, runCpuPerTransform } from './cpu-per-transform.js';
import { runEncoderTable } from './encoder-table.js';
import { startBare, startCeiling, startFloor, startIpx, startLoad, startOriginProcess } from './contenders.js';
import { describeMachine } from './machine.js';
import { parseOptions } from './options.js';
import { runOverload } from './overload.js';
import { REPO } from './processes.js';
import type { Versions } from './protocol.js';
import { type BenchResults, renderReport } from './report.js';
import { runSmallCold } from './small-cold.js';
import { type Contenders, runCheapPaths, runTransforms, warmUp } from './suite.js';

const OUT_DIR = path.join(REPO, '.bench-out');
const began = performance.now();
const log = (line: string) => process.stderr.write(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

async function main(): Promise<void> {
  const given = parseOptions(process.argv.slice(2));
  if (given.encoders) {
    await runEncoderTable(given, log, OUT_DIR);
    return;
  }
  const meanSourceBytes = given.images.reduce((sum, file) => sum + statSync(path.join(given.root, file)).size, 0) / given.images.length;
  if (given.cpuCostOnly) {
    const machine = describeMachine();
    log(`${given.images.length} images from ${given.root}; ${os.availableParallelism()} cores; load average ${machine.loadAverage.toFixed(2)}`);
    const load = startLoad();
    try {
      const result = await runCpuPerTransform(given, load, log, meanSourceBytes);
      const report = [
        `# CPU per first-time transform — ${machine.date.slice(0, 10)}`,
        `Command: \`${given.command}\`. Machine: ${machine.nproc} × ${machine.cpu} (${os.arch()}), ${machine.memoryGiB.toFixed(1)} GiB, Linux ${machine.kernel}, Node ${machine.node}, commit ${machine.commit}.`,
        renderCpuPerTransform(result),
      ].join('\n\n');
      mkdirSync(OUT_DIR, { recursive: true });
      writeFileSync(path.join(OUT_DIR, 'cpu-per-transform.md'), `${report}\n`);
      writeFileSync(path.join(OUT_DIR, 'cpu-per-transform.json'), JSON.stringify({ machine, arch: os.arch(), ...result }, null, 2));
      process.stdout.write(`${report}\n`);
      log(`written to ${path.relative(process.cwd(), OUT_DIR)}/cpu-per-transform.{md,json}`);
    } finally {
      load.stop();
    }
    return;
  }
  // Contenders serve a scratch copy of the images, beside which the burst and small-source cases add new uploads.
  const served = servedRoot(given);
  const options = { ...given, root: served.root };
  const started = performance.now();
  const machine = describeMachine();
  log(`${options.images.length} images from ${given.root}; ${os.availableParallelism()} cores; load average ${machine.loadAverage.toFixed(2)}`);

  const [origin, originCold, ipx, floor, bare, originNoLevels] = await Promise.all([
    startOriginProcess(options.root, options.originArgs),
    startOriginProcess(options.root, [...options.originArgs, '--source-cache-mb', '0']),
    startIpx(options.root),
    startFloor(),
    options.smallCold ? startBare(options.root) : undefined,
    options.smallCold ? startOriginProcess(options.root, [...options.originArgs, '--no-source-levels']) : undefined,
  ]);
  const ceiling = startCeiling();
  const load = startLoad();
  const all: Contenders = { ceiling, origin, originCold, ipx, floor, bare, originNoLevels, load };
  try {
    const ceilingVersions = (await ceiling.call({ type: 'versions' })) as Versions;
    const versions: BenchResults['versions'] = {
      ceiling: ceilingVersions,
      origin: origin.versions,
      'origin, cold': originCold.versions,
      ipx: ipx.versions,
      ...(bare && { 'fair ceiling': ceilingVersions, 'bare HTTP': bare.versions }),
      ...(originNoLevels && { 'origin, no levels': originNoLevels.versions }),
    };
    await warmUp(options, all, log);
    const transforms = [
      ...(await runTransforms(options, all, log)),
      ...(options.bursts ? await runBursts(options, all, log) : []),
      ...(options.smallCold ? await runSmallCold(options, all, log) : []),
    ];
    const cheap = options.cheap ? await runCheapPaths(options, all, log) : [];
    // The overload case gets a fresh origin and the machine to itself.
    await Promise.all([origin.stop(), originCold.stop(), ipx.stop(), floor.stop(), bare?.stop(), originNoLevels?.stop()]);
    ceiling.stop();
    // Like the overload case, the cost case gets its own origin and the machine to itself.
    const cpuPerTransform = options.cpuCost ? await runCpuPerTransform(options, load, log, meanSourceBytes) : undefined;
    const overload = options.overload ? await runOverload(options, load, log) : undefined;

    const results: BenchResults = {
      machine,
      options: given,
      versions,
      transforms,
      cheap,
      cpuPerTransform,
      overload,
      loadAverageAfter: os.loadavg()[0]!,
      seconds: (performance.now() - started) / 1000,
    };
    const report = renderReport(results);
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(path.join(OUT_DIR, 'latest.md'), report);
    writeFileSync(
      path.join(OUT_DIR, 'latest.json'),
      JSON.stringify(results, (key, value: unknown) => (key === 'latenciesMs' ? undefined : value), 2),
    );
    process.stdout.write(report);
    log(`written to ${path.relative(process.cwd(), OUT_DIR)}/latest.{md,json}`);
  } finally {
    await Promise.all([origin.stop(), originCold.stop(), ipx.stop(), floor.stop(), bare?.stop(), originNoLevels?.stop()]);
    ceiling.stop();
    load.stop();
    served.remove();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
