import { PROMETHEUS_NAMES } from './metrics.js';
import type { CounterIncrease, Labels } from './counter-deltas.js';
import { EMF_METRICS, EMF_SERVICE_DIMENSION, emfDimensionSets, type EmfMetricKey } from './emf-catalogue.js';
import type { EmfDocument, EmfMetric } from './emf-line.js';
import type { Distribution } from './value-summary.js';

/** The Prometheus counters the EMF metrics are made from. */
export const COUNTERS_READ = [
  PROMETHEUS_NAMES.transforms,
  PROMETHEUS_NAMES.requests,
  PROMETHEUS_NAMES.coalesced,
  PROMETHEUS_NAMES.rejected,
  PROMETHEUS_NAMES.dropped,
  PROMETHEUS_NAMES.timedOut,
  PROMETHEUS_NAMES.sourceCacheLookups,
] as const;

/** The extra dimensions, named as the catalogue names them. */
const [FORMAT] = EMF_METRICS.transforms.dimensions;
const [STATUS_CLASS, OUTCOME] = EMF_METRICS.requests.dimensions;

/** What happened in one interval. */
export interface IntervalReading {
  /** Counter growth by Prometheus name (CounterDeltas.read). */
  readonly counters: ReadonlyMap<string, readonly CounterIncrease[]>;
  readonly transformTimes: Distribution | undefined;
  readonly sourceFetchTimes: Distribution | undefined;
  readonly queuePeak: number;
}

export interface DocumentContext {
  readonly namespace: string;
  readonly service: string;
  readonly timestamp: number;
}

/**
 * One interval as EMF documents, one per metric set: a line per output format that was
 * transformed, a line per (status class, outcome) that was answered, and one line for the
 * origin as a whole. A set in which nothing happened has no document.
 */
export function emfDocuments(reading: IntervalReading, context: DocumentContext): EmfDocument[] {
  const documents: EmfDocument[] = [];
  const add = (dimensionSets: string[][], dimensions: Record<string, string>, metrics: EmfMetric[]) =>
    documents.push({
      namespace: context.namespace,
      timestamp: context.timestamp,
      dimensionSets,
      dimensions: { [EMF_SERVICE_DIMENSION]: context.service, ...dimensions },
      metrics,
    });
  const grown = (name: string) => reading.counters.get(name) ?? [];
  const total = (name: string, keep: (labels: Labels) => boolean = () => true) =>
    grown(name).reduce((sum, { labels, increase }) => (keep(labels) ? sum + increase : sum), 0);

  for (const [format, count] of sumBy(grown(PROMETHEUS_NAMES.transforms), (labels) => String(labels['format']))) {
    add(emfDimensionSets(EMF_METRICS.transforms), { [FORMAT]: format }, [metric('transforms', count)]);
  }
  for (const [set, count] of sumBy(grown(PROMETHEUS_NAMES.requests), (labels) => `${statusClassOf(labels['status'])} ${labels['outcome']}`)) {
    const [statusClass, outcome] = set.split(' ') as [string, string];
    add(emfDimensionSets(EMF_METRICS.requests), { [STATUS_CLASS]: statusClass, [OUTCOME]: outcome }, [metric('requests', count)]);
  }

  const counts: Array<[EmfMetricKey, number]> = [
    ['notModified', total(PROMETHEUS_NAMES.requests, (labels) => String(labels['status']) === '304')],
    ['coalesced', total(PROMETHEUS_NAMES.coalesced)],
    ['rejected', total(PROMETHEUS_NAMES.rejected)],
    ['dropped', total(PROMETHEUS_NAMES.dropped)],
    ['timedOut', total(PROMETHEUS_NAMES.timedOut)],
    // `joined`: another transform was decoding the same source, and this one shared it.
    ['sourceCacheHits', total(PROMETHEUS_NAMES.sourceCacheLookups, (labels) => labels['outcome'] !== 'miss')],
    ['sourceCacheMisses', total(PROMETHEUS_NAMES.sourceCacheLookups, (labels) => labels['outcome'] === 'miss')],
  ];
  const durations = [
    ...(reading.transformTimes ? [metric('transformTime', reading.transformTimes)] : []),
    ...(reading.sourceFetchTimes ? [metric('sourceFetchTime', reading.sourceFetchTimes)] : []),
  ];
  // Zero counts go out with the rest, so an alarm on a ratio reads 0 rather than a gap; alone they are no news.
  if (counts.some(([, count]) => count > 0) || durations.length > 0 || reading.queuePeak > 0) {
    add([[EMF_SERVICE_DIMENSION]], {}, [...counts.map(([key, count]) => metric(key, count)), metric('queueDepth', reading.queuePeak), ...durations]);
  }
  return documents;
}

const metric = (key: EmfMetricKey, value: EmfMetric['value']): EmfMetric => ({ name: EMF_METRICS[key].name, unit: EMF_METRICS[key].unit, value });

/** `2xx` for 200, `5xx` for 504. */
const statusClassOf = (status: string | number | undefined): string => `${String(status).charAt(0)}xx`;

function sumBy(increases: readonly CounterIncrease[], keyOf: (labels: Labels) => string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const { labels, increase } of increases) {
    const key = keyOf(labels);
    sums.set(key, (sums.get(key) ?? 0) + increase);
  }
  return sums;
}
