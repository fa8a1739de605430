/**
 * CloudWatch's embedded metric format, as a test reads it: a validator that checks one line
 * against the specification, and sums of what many lines carry.
 */

/** The units CloudWatch accepts (MetricDatum's StandardUnit). */
export const CLOUDWATCH_UNITS: ReadonlySet<string> = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

/** Values one metric may carry in one document. */
const MAX_VALUES = 100;
/** Metric definitions one directive may carry. */
const MAX_METRICS = 100;
/** Keys in one dimension set. */
const MAX_DIMENSION_KEYS = 30;

export interface EmfHistogram {
  readonly Values: number[];
  readonly Counts: number[];
  readonly Count: number;
  readonly Sum: number;
  readonly Min: number;
  readonly Max: number;
}

export interface EmfDirective {
  readonly Namespace: string;
  readonly Dimensions: string[][];
  readonly Metrics: Array<{ Name: string; Unit: string }>;
}

export type EmfRoot = { _aws: { Timestamp: number; CloudWatchMetrics: EmfDirective[] } } & Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const extraKeys = (object: Record<string, unknown>, allowed: readonly string[]) => Object.keys(object).filter((key) => !allowed.includes(key));

/** What is wrong with one line as an EMF document; empty when it follows the specification. */
export function emfProblems(line: string): string[] {
  const problems: string[] = [];
  const problem = (text: string) => problems.push(text);
  if (line.includes('\n')) problem('the line holds a line break');
  let root: unknown;
  try {
    root = JSON.parse(line);
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  if (!isObject(root)) return ['the root is not an object'];
  const aws = root['_aws'];
  if (!isObject(aws)) return ['_aws is missing or not an object'];
  for (const key of extraKeys(aws, ['Timestamp', 'CloudWatchMetrics'])) problem(`_aws has an unknown member ${key}`);
  if (!Number.isInteger(aws['Timestamp']) || (aws['Timestamp'] as number) < 1_500_000_000_000)
    problem(`_aws.Timestamp is not epoch milliseconds: ${String(aws['Timestamp'])}`);
  const directives = aws['CloudWatchMetrics'];
  if (!Array.isArray(directives) || directives.length === 0) return [...problems, '_aws.CloudWatchMetrics is not a non-empty array'];

  directives.forEach((directive: unknown, d) => {
    const at = `CloudWatchMetrics[${d}]`;
    if (!isObject(directive)) return void problem(`${at} is not an object`);
    for (const key of extraKeys(directive, ['Namespace', 'Dimensions', 'Metrics'])) problem(`${at} has an unknown member ${key}`);
    const namespace = directive['Namespace'];
    if (typeof namespace !== 'string' || namespace.length < 1 || namespace.length > 255) problem(`${at}.Namespace is not a string of 1-255 characters`);
    const dimensions = directive['Dimensions'];
    if (!Array.isArray(dimensions) || dimensions.length === 0) problem(`${at}.Dimensions is not a non-empty array of dimension sets`);
    else {
      dimensions.forEach((set: unknown, s) => {
        if (!Array.isArray(set) || set.length > MAX_DIMENSION_KEYS)
          return void problem(`${at}.Dimensions[${s}] is not an array of at most ${MAX_DIMENSION_KEYS} keys`);
        for (const key of set) {
          if (typeof key !== 'string' || key.length === 0) problem(`${at}.Dimensions[${s}] has a key that is no string`);
          else if (typeof root[key] !== 'string' || root[key].length === 0) problem(`dimension ${key} has no string value at the top level`);
        }
      });
    }
    const metrics = directive['Metrics'];
    if (!Array.isArray(metrics) || metrics.length === 0 || metrics.length > MAX_METRICS)
      return void problem(`${at}.Metrics is not an array of 1-${MAX_METRICS} definitions`);
    metrics.forEach((definition: unknown, m) => {
      if (!isObject(definition)) return void problem(`${at}.Metrics[${m}] is not an object`);
      for (const key of extraKeys(definition, ['Name', 'Unit', 'StorageResolution'])) problem(`${at}.Metrics[${m}] has an unknown member ${key}`);
      const name = definition['Name'];
      if (typeof name !== 'string' || name.length < 1 || name.length > 255) return void problem(`${at}.Metrics[${m}].Name is not a string of 1-255 characters`);
      if (typeof definition['Unit'] !== 'string' || !CLOUDWATCH_UNITS.has(definition['Unit']))
        problem(`${name}: unit ${String(definition['Unit'])} is not a CloudWatch unit`);
      for (const text of valueProblems(root[name])) problem(`${name}: ${text}`);
    });
  });
  return problems;
}

function valueProblems(value: unknown): string[] {
  if (isNumber(value)) return [];
  if (Array.isArray(value))
    return value.length <= MAX_VALUES && value.every(isNumber) ? [] : [`an array of more than ${MAX_VALUES} values, or not all numbers`];
  if (!isObject(value)) return [`no value at the top level (got ${JSON.stringify(value)})`];
  const { Values: values, Counts: counts, Count: count, Sum: sum, Min: min, Max: max } = value;
  const problems: string[] = [];
  for (const key of extraKeys(value, ['Values', 'Counts', 'Count', 'Sum', 'Min', 'Max'])) problems.push(`unknown histogram member ${key}`);
  if (!Array.isArray(values) || !Array.isArray(counts) || !values.every(isNumber) || !counts.every(isNumber))
    return [...problems, 'Values and Counts are not arrays of numbers'];
  if (values.length !== counts.length) problems.push(`${values.length} Values but ${counts.length} Counts`);
  if (values.length === 0 || values.length > MAX_VALUES) problems.push(`${values.length} values; 1-${MAX_VALUES} allowed`);
  if (new Set(values).size !== values.length) problems.push('a value appears twice');
  if (!counts.every((n) => Number.isInteger(n) && n > 0)) problems.push('a count is not a positive integer');
  if (!isNumber(count) || !isNumber(sum) || !isNumber(min) || !isNumber(max)) return [...problems, 'Count, Sum, Min or Max is not a number'];
  if (count !== counts.reduce((a, n) => a + n, 0)) problems.push(`Count ${count} is not the sum of Counts`);
  const weighted = values.reduce((a, v, i) => a + v * counts[i]!, 0);
  if (Math.abs(weighted - sum) > 1e-6 * Math.max(1, sum)) problems.push(`Sum ${sum} is not the sum of Values × Counts (${weighted})`);
  if (values.some((v) => v < min - 1e-9 || v > max + 1e-9)) problems.push(`a value lies outside Min ${min} .. Max ${max}`);
  return problems;
}

/** Parsed lines that follow the specification (call emfProblems first). */
export const parseEmf = (lines: readonly string[]): EmfRoot[] => lines.map((line) => JSON.parse(line) as EmfRoot);

/** The dimension values of a document, as one key (`Format=webp,Service=x`): its metric set. */
export function metricSetOf(root: EmfRoot): string {
  const keys = new Set(root._aws.CloudWatchMetrics.flatMap((directive) => directive.Dimensions.flat()));
  return [...keys]
    .sort()
    .map((key) => `${key}=${String(root[key])}`)
    .join(',');
}

/** The metric names a document defines. */
export const metricNamesOf = (root: EmfRoot): string[] => root._aws.CloudWatchMetrics.flatMap((directive) => directive.Metrics.map(({ Name }) => Name));

/** A numeric metric summed over documents, optionally by one of their dimensions. */
export function sumOf(roots: readonly EmfRoot[], name: string, by?: (root: EmfRoot) => string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const root of roots) {
    if (!metricNamesOf(root).includes(name)) continue;
    const key = by?.(root) ?? '';
    sums.set(key, (sums.get(key) ?? 0) + (root[name] as number));
  }
  return sums;
}

/** A distribution metric over documents: how many observations, their sum, and the most values one line carried. */
export function distributionOf(roots: readonly EmfRoot[], name: string): { count: number; sum: number; widest: number } {
  let [count, sum, widest] = [0, 0, 0];
  for (const root of roots) {
    if (!metricNamesOf(root).includes(name)) continue;
    const histogram = root[name] as EmfHistogram;
    count += histogram.Count;
    sum += histogram.Sum;
    widest = Math.max(widest, histogram.Values.length);
  }
  return { count, sum, widest };
}
