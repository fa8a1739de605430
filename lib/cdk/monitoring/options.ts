import type { Duration } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/** One alarm's tuning. Every field left out keeps the default docs/operations.md gives. */
export interface AlarmTuning {
  /**
   * Create the alarm at all; `false` is the same as passing `false` instead of the object.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * The value the alarm compares against, in the unit of its metric (percent or milliseconds).
   * @default - per alarm, see docs/operations.md
   */
  readonly threshold?: number;
  /**
   * How many consecutive periods must breach before the alarm fires.
   * @default - per alarm, see docs/operations.md
   */
  readonly evaluationPeriods?: number;
  /**
   * The length of one evaluated period: a whole number of minutes.
   * @default - per alarm, see docs/operations.md
   */
  readonly period?: Duration;
}

/** The cache hit rate alarm's threshold is `cacheHitRateFloor`, shared with the dashboard's line. */
export type CacheHitRateAlarmTuning = Omit<AlarmTuning, 'threshold'>;

/** Each alarm: tuned, left at its defaults (omitted), or switched off (`false`). */
export interface ImageCdnAlarmOptions {
  /** CloudFront's 5xxErrorRate above 1 % for 5 minutes. */
  readonly cloudFront5xxRate?: AlarmTuning | false;
  /** The origin's p99 TransformTime above half of its request deadline. */
  readonly transformTimeP99?: AlarmTuning | false;
  /** Shed load: the origin's 503s and 504s above 1 % of the transform work asked of it. */
  readonly shedLoad?: AlarmTuning | false;
  /** No origin to answer: no healthy target (Fargate), or most invocations failing (Lambda). */
  readonly originUnavailable?: AlarmTuning | false;
  /** CloudFront's CacheHitRate below `cacheHitRateFloor`. */
  readonly cacheHitRate?: CacheHitRateAlarmTuning | false;
}

/** What `ImageCdn` passes through from its `monitoring` prop: everything but the pieces it owns. */
export interface ImageCdnMonitoringOptions {
  /**
   * Build the CloudWatch dashboard.
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * The dashboard's name.
   * @default - a name CloudFormation generates from the construct's id
   */
  readonly dashboardName?: string;
  /**
   * The alarms, each tunable or switched off; `false` creates none.
   * @default - all five alarms with their defaults
   */
  readonly alarms?: ImageCdnAlarmOptions | false;
  /**
   * Where every alarm sends its ALARM and OK notifications.
   * @default - no actions; add them through `alarms`
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * The CloudFront cache hit rate (percent) below which the cache hit rate alarm fires, also drawn
   * on the dashboard. A transform that is asked again and again should be a hit after its first
   * request, so a healthy image CDN stays well above it.
   * @default 80
   */
  readonly cacheHitRateFloor?: number;
  /**
   * Turn on the distribution's additional CloudWatch metrics (CacheHitRate, OriginLatency and
   * error rates by status code), which the dashboard and the cache hit rate alarm read; they are
   * billed per metric (docs/operations.md). A distribution has one subscription, so pass `false`
   * when it already has one (`publishAdditionalMetrics: true`, or another stack's).
   * @default true
   */
  readonly additionalCloudFrontMetrics?: boolean;
  /**
   * Where to create the two alarms on CloudFront metrics (5xx rate, cache hit rate), which exist
   * in us-east-1 only: a construct in a us-east-1 stack when this one is in another region. The
   * distribution id then crosses regions (`crossRegionReferences` on the stacks).
   * @default - beside the other alarms when the stack is in us-east-1; in an environment-agnostic
   * stack, beside them under a condition that creates them only when deployed to us-east-1; in
   * any other region, not created
   */
  readonly cloudFrontAlarmsScope?: Construct;
}

/** The origin on ECS Fargate behind an Application Load Balancer target group. */
export interface FargateOriginCompute {
  readonly service: ecs.FargateService;
  /** The target group the service's tasks register in; its HealthyHostCount tells whether any task can answer. */
  readonly targetGroup: elbv2.IApplicationTargetGroup;
}

/** The origin as a Lambda function. */
export interface LambdaOriginCompute {
  readonly function: lambda.IFunction;
}

/** Where the origin runs, told apart by its shape: `{ service, targetGroup }` or `{ function }`. */
export type OriginComputeToMonitor = FargateOriginCompute | LambdaOriginCompute;

export const isLambdaCompute = (compute: OriginComputeToMonitor): compute is LambdaOriginCompute => 'function' in compute;

export interface ImageCdnMonitoringProps extends ImageCdnMonitoringOptions {
  /** The distribution in front of the origin. */
  readonly distribution: cloudfront.IDistribution;
  /** Where the origin runs. */
  readonly compute: OriginComputeToMonitor;
  /**
   * The value of the origin's `Service` dimension: the one its EMF lines carry (`emfService`).
   */
  readonly service: string;
  /**
   * The CloudWatch namespace of the origin's EMF metrics.
   * @default EMF_DEFAULT_NAMESPACE ('ImageCdn')
   */
  readonly namespace?: string;
  /**
   * The origin's own deadline for one request; the p99 transform-time alarm fires at half of it.
   * @default Duration.seconds(10), the origin's default
   */
  readonly requestTimeout?: Duration;
  /**
   * The log group holding the origin's JSON access log, for the saved Logs Insights queries and
   * the dashboard's log widgets.
   * @default - a Lambda function's own `/aws/lambda/<name>`; none for Fargate (no queries)
   */
  readonly logGroup?: logs.ILogGroup;
}
