import type { EmfUnit } from './emf-catalogue.js';
import type { Distribution } from './value-summary.js';

/** One EMF document: a set of dimension values and the metrics measured under them. */
export interface EmfDocument {
  readonly namespace: string;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** Dimension keys, one array per dimension set each metric is published under. */
  readonly dimensionSets: readonly (readonly string[])[];
  /** The value of every dimension key the sets name. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly metrics: readonly EmfMetric[];
}

export interface EmfMetric {
  readonly name: string;
  readonly unit: EmfUnit;
  /** A count or a level; a distribution for durations. */
  readonly value: number | Distribution;
}

/**
 * The document as one line of JSON, following CloudWatch's embedded metric format: `_aws` holds
 * the timestamp and the metric directive; dimension values and metric values are top-level
 * members. A distribution is written as AWS's own EMF libraries write a histogram: `Values` and
 * `Counts` (at most 100 each), with `Count`, `Sum`, `Min` and `Max`.
 */
export function emfLine(document: EmfDocument): string {
  const root: Record<string, unknown> = {
    _aws: {
      Timestamp: document.timestamp,
      CloudWatchMetrics: [
        {
          Namespace: document.namespace,
          Dimensions: document.dimensionSets,
          Metrics: document.metrics.map(({ name, unit }) => ({ Name: name, Unit: unit })),
        },
      ],
    },
    ...document.dimensions,
  };
  for (const { name, value } of document.metrics) root[name] = typeof value === 'number' ? value : histogram(value);
  return JSON.stringify(root);
}

const histogram = ({ values, counts, count, sum, min, max }: Distribution) => ({ Values: values, Counts: counts, Count: count, Sum: sum, Min: min, Max: max });
