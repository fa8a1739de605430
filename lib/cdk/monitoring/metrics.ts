import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { EMF_METRICS, EMF_SERVICE_DIMENSION, type EmfMetricKey } from '../../../origin/src/observability/emf-catalogue.js';

/** CloudFront publishes its metrics to us-east-1 only, whatever the region of the stack. */
export const CLOUDFRONT_METRICS_REGION = 'us-east-1';

const ONE_MINUTE = Duration.minutes(1);

/** AWS/CloudFront metrics of one distribution (`Region` is always `Global`). */
export class CloudFrontMetrics {
  constructor(private readonly distributionId: string) {}

  metric(metricName: string, statistic: string, period: Duration = ONE_MINUTE, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/CloudFront',
      metricName,
      dimensionsMap: { DistributionId: this.distributionId, Region: 'Global' },
      statistic,
      period,
      region: CLOUDFRONT_METRICS_REGION,
      ...(label !== undefined && { label }),
    });
  }

  requests(): cloudwatch.Metric {
    return this.metric('Requests', 'Sum', ONE_MINUTE, 'Requests');
  }
  errorRate4xx(): cloudwatch.Metric {
    return this.metric('4xxErrorRate', 'Average', ONE_MINUTE, '4xx %');
  }
  errorRate5xx(period?: Duration): cloudwatch.Metric {
    return this.metric('5xxErrorRate', 'Average', period, '5xx %');
  }
  /** Needs the additional metrics. */
  cacheHitRate(period?: Duration): cloudwatch.Metric {
    return this.metric('CacheHitRate', 'Average', period, 'Cache hit %');
  }
  /** Needs the additional metrics; CloudFront offers percentiles only. */
  originLatency(percentile: string): cloudwatch.Metric {
    return this.metric('OriginLatency', percentile, ONE_MINUTE, `Origin latency ${percentile}`);
  }
}

/** The origin's EMF metrics of one deployment, by their catalogue key: names never typed twice. */
export class OriginMetrics {
  constructor(
    readonly namespace: string,
    readonly service: string,
  ) {}

  metric(key: EmfMetricKey, statistic: string, period: Duration = ONE_MINUTE, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName: EMF_METRICS[key].name,
      dimensionsMap: { [EMF_SERVICE_DIMENSION]: this.service },
      statistic,
      period,
      label: label ?? EMF_METRICS[key].name,
    });
  }

  /**
   * Per-second rate of one catalogue metric for each value of its extra dimension, whatever values
   * the origin writes (new formats appear without a deploy). A search expression: dashboards only.
   */
  perSecondBy(key: EmfMetricKey, dimension: string, period: Duration = ONE_MINUTE): cloudwatch.MathExpression {
    const spec = EMF_METRICS[key];
    if (!(spec as { dimensions?: readonly string[] }).dimensions?.includes(dimension)) {
      throw new Error(`${spec.name} is not written with a ${dimension} dimension`);
    }
    const seconds = period.toSeconds();
    const schema = [this.namespace, dimension, EMF_SERVICE_DIMENSION].map((name) => JSON.stringify(name)).join(',');
    const search = `SEARCH('{${schema}} MetricName=${JSON.stringify(spec.name)} ${EMF_SERVICE_DIMENSION}=${JSON.stringify(this.service)}', 'Sum', ${seconds})`;
    // A dynamic label: each series is named by its own dimension value (the format).
    return new cloudwatch.MathExpression({ expression: `${search} / ${seconds}`, usingMetrics: {}, label: `\${PROP('Dim.${dimension}')}`, period });
  }

  /** Decoded-source cache hits as a percentage of the transforms that looked for a decoded source. */
  sourceCacheHitRate(period: Duration = Duration.minutes(5)): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: '100 * hits / (hits + misses)',
      usingMetrics: { hits: this.metric('sourceCacheHits', 'Sum', period), misses: this.metric('sourceCacheMisses', 'Sum', period) },
      label: 'Decoded-source hit %',
      period,
    });
  }

  /**
   * 503s and 504s as a percentage of the transform work asked for (run, refused or timed out).
   * Near 1 % it equals the share of transforms; unlike shed / transforms it stays defined (100 %)
   * when the origin sheds everything and transforms nothing.
   */
  shedPercent(period: Duration): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression: '100 * (FILL(rejected, 0) + FILL(timedOut, 0)) / (FILL(transforms, 0) + FILL(rejected, 0) + FILL(timedOut, 0))',
      usingMetrics: {
        rejected: this.metric('rejected', 'Sum', period),
        timedOut: this.metric('timedOut', 'Sum', period),
        transforms: this.metric('transforms', 'Sum', period),
      },
      label: 'Shed load %',
      period,
    });
  }
}

/** The Fargate service's utilisation and task counts. */
export function fargateMetrics(service: ecs.FargateService, targetGroup: elbv2.IApplicationTargetGroup) {
  return {
    cpu: service.metricCpuUtilization({ period: ONE_MINUTE, label: 'CPU %' }),
    memory: service.metricMemoryUtilization({ period: ONE_MINUTE, label: 'Memory %' }),
    // Container Insights (on for the cluster ImageOriginService creates); empty without it.
    runningTasks: new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName: 'RunningTaskCount',
      dimensionsMap: { ClusterName: service.cluster.clusterName, ServiceName: service.serviceName },
      statistic: 'Average',
      period: ONE_MINUTE,
      label: 'Running tasks',
    }),
    healthyTargets: (period: Duration = ONE_MINUTE) => targetGroup.metrics.healthyHostCount({ statistic: 'Minimum', period, label: 'Healthy targets' }),
    unhealthyTargets: targetGroup.metrics.unhealthyHostCount({ statistic: 'Maximum', period: ONE_MINUTE, label: 'Unhealthy targets' }),
  };
}

/** The Lambda function's concurrency, failures and duration. */
export function lambdaMetrics(fn: lambda.IFunction) {
  return {
    concurrency: fn.metric('ConcurrentExecutions', { statistic: 'Maximum', period: ONE_MINUTE, label: 'Concurrent executions' }),
    invocations: (period: Duration = ONE_MINUTE) => fn.metricInvocations({ statistic: 'Sum', period, label: 'Invocations' }),
    errors: (period: Duration = ONE_MINUTE) => fn.metricErrors({ statistic: 'Sum', period, label: 'Errors' }),
    throttles: (period: Duration = ONE_MINUTE) => fn.metricThrottles({ statistic: 'Sum', period, label: 'Throttles' }),
    duration: (percentile: string) => fn.metricDuration({ statistic: percentile, period: ONE_MINUTE, label: `Duration ${percentile}` }),
  };
}

/**
 * Invocations that failed (function errors: crashes, timeouts, out of memory) or were refused
 * (throttles, which Lambda does not count as invocations) as a percentage of all attempts.
 */
export function lambdaFailurePercent(fn: lambda.IFunction, period: Duration): cloudwatch.MathExpression {
  const metrics = lambdaMetrics(fn);
  return new cloudwatch.MathExpression({
    expression: '100 * (FILL(errors, 0) + FILL(throttles, 0)) / (FILL(invocations, 0) + FILL(throttles, 0))',
    usingMetrics: { errors: metrics.errors(period), throttles: metrics.throttles(period), invocations: metrics.invocations(period) },
    label: 'Failed invocations %',
    period,
  });
}
