import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct, IConstruct } from 'constructs';
import { ImageCdnValidationError } from '../validation.js';
import type { AlarmTuning, ImageCdnAlarmOptions } from './options.js';

/** The alarms, by name; an alarm switched off (or impossible in this region) is absent. */
export interface ImageCdnAlarms {
  readonly cloudFront5xxRate?: cloudwatch.Alarm;
  readonly transformTimeP99?: cloudwatch.Alarm;
  readonly shedLoad?: cloudwatch.Alarm;
  readonly originUnavailable?: cloudwatch.Alarm;
  readonly cacheHitRate?: cloudwatch.Alarm;
}

export type AlarmName = keyof ImageCdnAlarms;

/** An alarm's defaults: what it compares, how, for how long, and what silence means. */
export interface AlarmDefaults {
  readonly threshold: number;
  readonly period: Duration;
  readonly evaluationPeriods: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  readonly treatMissingData: cloudwatch.TreatMissingData;
  /** Threshold bounds, for validation (percentages stay within 0–100). */
  readonly range: readonly [number, number];
  readonly description: string;
}

/** The alarm as built: its defaults with the user's tuning applied and checked. */
export type ResolvedAlarm = Omit<AlarmDefaults, 'range'>;

/** CloudWatch evaluates at most one day of periods. */
const MAX_EVALUATION_SECONDS = 86_400;

/** Merges `tuning` into `defaults`, or undefined when the alarm is switched off. The message names the bad value. */
export function resolveAlarm(scope: IConstruct, name: AlarmName, defaults: AlarmDefaults, tuning: AlarmTuning | false | undefined): ResolvedAlarm | undefined {
  if (tuning === false || tuning?.enabled === false) return undefined;
  const threshold = tuning?.threshold ?? defaults.threshold;
  const evaluationPeriods = tuning?.evaluationPeriods ?? defaults.evaluationPeriods;
  const period = tuning?.period ?? defaults.period;
  const [low, high] = defaults.range;
  if (!(Number.isFinite(threshold) && threshold >= low && threshold <= high)) {
    throw new ImageCdnValidationError(scope, `alarms.${name}.threshold ${threshold} must be a number from ${low} to ${high}`);
  }
  if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) {
    throw new ImageCdnValidationError(scope, `alarms.${name}.evaluationPeriods ${evaluationPeriods} must be a whole number of at least 1`);
  }
  const seconds = period.toSeconds();
  if (!(seconds >= 60 && seconds % 60 === 0)) {
    throw new ImageCdnValidationError(scope, `alarms.${name}.period ${period.toHumanString()} must be a whole number of minutes`);
  }
  if (seconds * evaluationPeriods > MAX_EVALUATION_SECONDS) {
    throw new ImageCdnValidationError(
      scope,
      `alarms.${name}: ${evaluationPeriods} periods of ${period.toHumanString()} exceed the one day CloudWatch can evaluate`,
    );
  }
  const { range: _, ...rest } = defaults;
  return { ...rest, threshold, evaluationPeriods, period };
}

/** Creates one alarm over `metric` (built for the resolved period), with the topic's actions on ALARM and OK. */
export function createAlarm(
  scope: Construct,
  id: string,
  resolved: ResolvedAlarm,
  metric: cloudwatch.IMetric,
  topic: sns.ITopic | undefined,
): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric,
    threshold: resolved.threshold,
    evaluationPeriods: resolved.evaluationPeriods,
    comparisonOperator: resolved.comparisonOperator,
    treatMissingData: resolved.treatMissingData,
    alarmDescription: resolved.description,
  });
  if (topic) {
    const action = new cloudwatchActions.SnsAction(topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
  return alarm;
}

/** The tuning given for one alarm, or `false` when every alarm is off. */
export function tuningOf(options: ImageCdnAlarmOptions | false | undefined, name: AlarmName): AlarmTuning | false | undefined {
  if (options === false) return false;
  return options?.[name];
}
