import type { Registry } from 'prom-client';

export type Labels = Readonly<Partial<Record<string, string | number>>>;

/** How much one label set of a counter grew between two reads. */
export interface CounterIncrease {
  readonly labels: Labels;
  readonly increase: number;
}

/**
 * Counters read from a Prometheus registry, as their growth since the previous read: what EMF
 * publishes is the registry's own numbers, so the two can never disagree. Reads must not overlap
 * (each one moves the baseline).
 */
export class CounterDeltas {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly registry: Registry,
    private readonly names: readonly string[],
  ) {}

  /** Each counter's label sets that grew, by counter name. */
  async read(): Promise<Map<string, CounterIncrease[]>> {
    const grown = new Map<string, CounterIncrease[]>();
    for (const name of this.names) {
      const metric = this.registry.getSingleMetric(name);
      if (metric === undefined) throw new Error(`no metric ${name} in the registry`);
      const increases: CounterIncrease[] = [];
      for (const { labels, value } of (await metric.get()).values) {
        const key = labelKey(labels);
        const previous = this.last.get(`${name}${key}`) ?? 0;
        this.last.set(`${name}${key}`, value);
        // A registry reset starts its counters again from zero.
        const increase = value >= previous ? value - previous : value;
        if (increase > 0) increases.push({ labels, increase });
      }
      grown.set(name, increases);
    }
    return grown;
  }
}

const labelKey = (labels: Labels): string => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
