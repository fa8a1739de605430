/** CloudWatch takes at most this many distinct values for one metric in one EMF line. */
export const MAX_DISTINCT_VALUES = 100;

/** Observations as EMF carries them: each distinct value once, with how often it occurred. */
export interface Distribution {
  readonly values: readonly number[];
  readonly counts: readonly number[];
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The observations since the last take, in bounded memory whatever the load: each value rounded
 * to three significant digits (0.5 % at most) and counted, and never more than `maxDistinct`
 * distinct values. Past that, the two neighbours nearest by ratio merge into their
 * count-weighted mean: the sum of the rounded values stays exact, dense clusters merge first, and isolated values (the
 * tail a p99 reads) stay apart longest.
 */
export class ValueSummary {
  /** Ascending; `counts[i]` observations had `values[i]`. */
  private values: number[] = [];
  private counts: number[] = [];
  private total = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(private readonly maxDistinct = MAX_DISTINCT_VALUES) {
    if (!Number.isInteger(maxDistinct) || maxDistinct < 1) throw new RangeError(`maxDistinct must be a positive integer, got ${maxDistinct}`);
  }

  /** Distinct values held now (never above `maxDistinct`). */
  get size(): number {
    return this.values.length;
  }

  record(value: number): void {
    if (!Number.isFinite(value)) return;
    const rounded = Number(Math.max(0, value).toPrecision(3));
    const at = lowerBound(this.values, rounded);
    this.total++;
    this.min = Math.min(this.min, rounded);
    this.max = Math.max(this.max, rounded);
    if (this.values[at] === rounded) {
      this.counts[at]!++;
      return;
    }
    this.values.splice(at, 0, rounded);
    this.counts.splice(at, 0, 1);
    if (this.values.length > this.maxDistinct) this.mergeNearest();
  }

  /** What was recorded since the last take (undefined: nothing), and a fresh start. */
  take(): Distribution | undefined {
    if (this.total === 0) return undefined;
    const { values, counts, total, min, max } = this;
    this.values = [];
    this.counts = [];
    [this.total, this.min, this.max] = [0, Infinity, -Infinity];
    const sum = values.reduce((acc, value, i) => acc + value * counts[i]!, 0);
    return { values, counts, count: total, sum, min, max };
  }

  private mergeNearest(): void {
    const { values, counts } = this;
    let nearest = 0;
    let smallestGap = Infinity;
    for (let i = 0; i + 1 < values.length; i++) {
      // log1p: a ratio for values well above 1 ms, a difference for those below.
      const gap = Math.log1p(values[i + 1]!) - Math.log1p(values[i]!);
      if (gap < smallestGap) [nearest, smallestGap] = [i, gap];
    }
    const count = counts[nearest]! + counts[nearest + 1]!;
    values[nearest] = (values[nearest]! * counts[nearest]! + values[nearest + 1]! * counts[nearest + 1]!) / count;
    counts[nearest] = count;
    values.splice(nearest + 1, 1);
    counts.splice(nearest + 1, 1);
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let [low, high] = [0, sorted.length];
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
