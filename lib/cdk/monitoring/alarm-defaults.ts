import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { AlarmDefaults, AlarmName } from './alarms.js';

const { GREATER_THAN_THRESHOLD, LESS_THAN_THRESHOLD } = cloudwatch.ComparisonOperator;
const { BREACHING, NOT_BREACHING } = cloudwatch.TreatMissingData;

/** The cache hit rate below which the cache hit rate alarm fires, in percent. */
export const DEFAULT_CACHE_HIT_RATE_FLOOR = 80;

const RUNBOOK = 'docs/operations.md';
const PERCENT: readonly [number, number] = [0, 100];

/**
 * Each alarm's defaults (docs/operations.md explains each). Missing data is a quiet period for
 * every alarm but the Fargate health one: no requests means no errors, no slow or shed transforms
 * and no hit rate to judge, whereas a target group reports its healthy hosts every minute, so
 * silence there means it stopped reporting.
 */
export function alarmDefaults(requestTimeout: Duration, cacheHitRateFloor: number, compute: 'fargate' | 'lambda'): Record<AlarmName, AlarmDefaults> {
  const deadlineMs = requestTimeout.toMilliseconds();
  return {
    cloudFront5xxRate: {
      threshold: 1,
      period: Duration.minutes(1),
      evaluationPeriods: 5,
      comparisonOperator: GREATER_THAN_THRESHOLD,
      treatMissingData: NOT_BREACHING,
      range: PERCENT,
      description: `Viewers get 5xx answers: CloudFront 5xxErrorRate (%) above the threshold. ${RUNBOOK}, "CloudFront 5xx rate".`,
    },
    transformTimeP99: {
      threshold: deadlineMs / 2,
      period: Duration.minutes(5),
      evaluationPeriods: 3,
      comparisonOperator: GREATER_THAN_THRESHOLD,
      treatMissingData: NOT_BREACHING,
      range: [1, deadlineMs],
      description: `The slowest transforms near the ${deadlineMs} ms request deadline: p99 TransformTime (ms) above the threshold. ${RUNBOOK}, "Transform time p99".`,
    },
    shedLoad: {
      threshold: 1,
      period: Duration.minutes(5),
      evaluationPeriods: 1,
      comparisonOperator: GREATER_THAN_THRESHOLD,
      treatMissingData: NOT_BREACHING,
      range: PERCENT,
      description: `The origin sheds load: 503 (Rejected) and 504 (TimedOut) above the threshold (%) of the transform work. ${RUNBOOK}, "Shed load".`,
    },
    originUnavailable:
      compute === 'fargate'
        ? {
            threshold: 1,
            period: Duration.minutes(1),
            evaluationPeriods: 2,
            comparisonOperator: LESS_THAN_THRESHOLD,
            treatMissingData: BREACHING,
            range: [1, 10_000],
            description: `No origin task passes its health check: target group HealthyHostCount (minimum) below the threshold. ${RUNBOOK}, "Origin unavailable".`,
          }
        : {
            threshold: 50,
            period: Duration.minutes(1),
            evaluationPeriods: 3,
            comparisonOperator: GREATER_THAN_THRESHOLD,
            treatMissingData: NOT_BREACHING,
            range: PERCENT,
            description: `The origin function fails or is throttled: Errors + Throttles above the threshold (%) of invocations. ${RUNBOOK}, "Origin unavailable".`,
          },
    cacheHitRate: {
      threshold: cacheHitRateFloor,
      period: Duration.minutes(15),
      evaluationPeriods: 4,
      comparisonOperator: LESS_THAN_THRESHOLD,
      treatMissingData: NOT_BREACHING,
      range: PERCENT,
      description: `CloudFront serves too few requests from its cache: CacheHitRate (%) below the floor. ${RUNBOOK}, "Cache hit rate".`,
    },
  };
}
