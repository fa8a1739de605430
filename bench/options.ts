import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SMALL_COLD_CASE, TRANSFORM_CASES, type TransformCase } from './cases.js';
import { REPO } from './processes.js';

/** The shared photo corpus next to the project, when present. */
export const CORPUS = path.resolve(REPO, '../shared/corpus');
const IMAGE_FILE = /\.(jpe?g|png|webp|avif|tiff?)$/i;

export interface BenchOptions {
  readonly quick: boolean;
  readonly root: string;
  readonly images: readonly string[];
  readonly cases: readonly TransformCase[];
  readonly concurrencies: readonly number[];
  /** Interleaved slices per contender and case (a slice is one pass over the images, two above concurrency 1; the small-source case runs twice as many). */
  readonly rounds: number;
  /** Length of one cheap-path slice (there are `rounds` per path and concurrency). */
  readonly cheapSliceMs: number;
  readonly overload: { readonly connections: number; readonly seconds: number } | undefined;
  readonly cheap: boolean;
  /** The new-upload burst case (bench/bursts.ts). */
  readonly bursts: boolean;
  /** The small-source, never-seen case (bench/small-cold.ts). */
  readonly smallCold: boolean;
  /** Print the encoder settings table instead of the side-by-side run. */
  readonly encoders: boolean;
  /** The CPU-per-first-time-transform case (bench/cpu-per-transform.ts), the cost table's input. */
  readonly cpuCost: boolean;
  /** Run only that case. */
  readonly cpuCostOnly: boolean;
  /** Passes over its mix (each pass is every image × width × format once). */
  readonly cpuCostPasses: number;
  /** Extra `serve` flags for the origin, for tuning experiments (e.g. "--concurrency 4"). */
  readonly originArgs: readonly string[];
  readonly command: string;
}

const USAGE = `usage: npm run bench -- [--quick] [--images DIR] [--cases jpeg,webp,avif,cover,auto,small-cold]
                       [--concurrency 1,4] [--rounds N] [--no-cheap] [--no-bursts] [--no-small-cold] [--no-overload]
                       [--overload-connections N] [--origin-args "--concurrency 4"]
                       [--encoders] [--cpu-cost] [--no-cpu-cost] [--cpu-cost-passes N]`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      images: { type: 'string' },
      cases: { type: 'string' },
      concurrency: { type: 'string' },
      rounds: { type: 'string' },
      'no-cheap': { type: 'boolean', default: false },
      'no-overload': { type: 'boolean', default: false },
      'no-bursts': { type: 'boolean', default: false },
      'no-small-cold': { type: 'boolean', default: false },
      'overload-connections': { type: 'string' },
      encoders: { type: 'boolean', default: false },
      'cpu-cost': { type: 'boolean', default: false },
      'no-cpu-cost': { type: 'boolean', default: false },
      'cpu-cost-passes': { type: 'string' },
      'origin-args': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const quick = values.quick;
  const root = path.resolve(values.images ?? CORPUS);
  if (!existsSync(root)) throw new Error(`no images: ${root} does not exist (give --images DIR)`);
  // Largest file first: the slowest decode starts first in every slice, which shortens the tail
  // where some connections sit idle waiting for the last image.
  const images = readdirSync(root)
    .filter((name) => IMAGE_FILE.test(name))
    .sort((a, b) => statSync(path.join(root, b)).size - statSync(path.join(root, a)).size || a.localeCompare(b));
  if (images.length === 0) throw new Error(`no images in ${root}`);

  // `small-cold` names the small-source case (bench/small-cold.ts); the others are 600-px cases.
  const caseIds = values.cases?.split(',') ?? TRANSFORM_CASES.map((c) => c.id);
  const smallCold = (values.cases === undefined || caseIds.includes(SMALL_COLD_CASE.id)) && !values['no-small-cold'];
  const cases = caseIds
    .filter((id) => id !== SMALL_COLD_CASE.id)
    .map((id) => {
      const found = TRANSFORM_CASES.find((c) => c.id === id);
      if (!found) throw new Error(`unknown case "${id}"; known: ${[...TRANSFORM_CASES, SMALL_COLD_CASE].map((c) => c.id).join(', ')}`);
      return found;
    });
  const cores = os.availableParallelism();
  const concurrencies = values.concurrency?.split(',').map(positiveInteger('--concurrency')) ?? [1, 2 * cores];
  return {
    quick,
    root,
    images,
    cases,
    concurrencies,
    rounds: values.rounds ? positiveInteger('--rounds')(values.rounds) : quick ? 1 : 4,
    cheapSliceMs: quick ? 1_000 : 1_500,
    cheap: !values['no-cheap'],
    bursts: !values['no-bursts'],
    smallCold,
    overload: values['no-overload']
      ? undefined
      : {
          connections: values['overload-connections'] ? positiveInteger('--overload-connections')(values['overload-connections']) : 128,
          seconds: quick ? 6 : 20,
        },
    encoders: values.encoders,
    cpuCost: !values['no-cpu-cost'],
    cpuCostOnly: values['cpu-cost'],
    cpuCostPasses: values['cpu-cost-passes'] ? positiveInteger('--cpu-cost-passes')(values['cpu-cost-passes']) : quick ? 1 : 5,
    originArgs: values['origin-args']?.split(' ').filter(Boolean) ?? [],
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  };
}

const positiveInteger = (flag: string) => (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${flag} takes positive integers, got "${value}"`);
  return parsed;
};
