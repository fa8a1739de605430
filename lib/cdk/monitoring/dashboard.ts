import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CLOUDFRONT_METRICS_REGION, type CloudFrontMetrics, fargateMetrics, lambdaMetrics, type OriginMetrics } from './metrics.js';
import { isLambdaCompute, type OriginComputeToMonitor } from './options.js';
import { LAMBDA_INIT_DURATION, SLOWEST_TRANSFORMS, TOP_ERROR_TAGS } from './queries.js';

export interface DashboardInputs {
  readonly name?: string;
  readonly distributionId: string;
  readonly cloudFront: CloudFrontMetrics;
  readonly origin: OriginMetrics;
  readonly compute: OriginComputeToMonitor;
  readonly logGroup?: logs.ILogGroup;
  readonly requestTimeout: Duration;
  readonly cacheHitRateFloor: number;
  /** The p99 alarm's threshold in ms, drawn on the transform-time graph when the alarm exists. */
  readonly transformTimeAlarmMs?: number;
}

const RED = '#d62728';
const GREY = '#7f7f7f';
const PERCENT_AXIS: cloudwatch.YAxisProps = { min: 0, max: 100, showUnits: false, label: '%' };

const graph = (title: string, width: number, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
  new cloudwatch.GraphWidget({ title, width, height: 6, left, legendPosition: cloudwatch.LegendPosition.BOTTOM, ...extra });

const heading = (markdown: string) => new cloudwatch.TextWidget({ markdown, width: 24, height: 1 });

/** The dashboard: CloudFront, then the origin's own metrics, then its compute, then its access log. */
export function buildDashboard(scope: Construct, id: string, inputs: DashboardInputs): cloudwatch.Dashboard {
  const dashboard = new cloudwatch.Dashboard(scope, id, {
    ...(inputs.name !== undefined && { dashboardName: inputs.name }),
    defaultInterval: Duration.hours(3),
  });
  dashboard.addWidgets(heading(`**CloudFront** · distribution ${inputs.distributionId} · metrics from ${CLOUDFRONT_METRICS_REGION}`));
  dashboard.addWidgets(...cloudFrontRow(inputs));
  dashboard.addWidgets(heading(`**Origin** · namespace ${inputs.origin.namespace} · Service ${inputs.origin.service}`));
  for (const row of originRows(inputs)) dashboard.addWidgets(...row);
  dashboard.addWidgets(heading(isLambdaCompute(inputs.compute) ? '**Compute** · Lambda function' : '**Compute** · ECS Fargate service'));
  dashboard.addWidgets(...computeRow(inputs));
  if (inputs.logGroup) {
    const logGroupNames = [inputs.logGroup.logGroupName];
    dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({ title: 'Slowest transforms', logGroupNames, queryString: SLOWEST_TRANSFORMS.toString(), width: 12, height: 8 }),
      new cloudwatch.LogQueryWidget({ title: 'Top error tags', logGroupNames, queryString: TOP_ERROR_TAGS.toString(), width: 12, height: 8 }),
    );
  }
  return dashboard;
}

function cloudFrontRow({ cloudFront, cacheHitRateFloor }: DashboardInputs): cloudwatch.IWidget[] {
  const region = CLOUDFRONT_METRICS_REGION;
  return [
    graph('Requests', 6, [cloudFront.requests()], { region }),
    graph('Cache hit rate', 6, [cloudFront.cacheHitRate()], {
      region,
      leftYAxis: PERCENT_AXIS,
      leftAnnotations: [{ value: cacheHitRateFloor, label: `Floor ${cacheHitRateFloor} %`, color: RED }],
    }),
    graph('Error rates', 6, [cloudFront.errorRate4xx(), cloudFront.errorRate5xx()], { region, leftYAxis: { min: 0, showUnits: false, label: '%' } }),
    graph(
      'Origin latency (ms)',
      6,
      ['p50', 'p90', 'p99'].map((p) => cloudFront.originLatency(p)),
      { region, leftYAxis: { min: 0, showUnits: false } },
    ),
  ];
}

function originRows({ origin, requestTimeout, transformTimeAlarmMs }: DashboardInputs): cloudwatch.IWidget[][] {
  const deadlineMs = requestTimeout.toMilliseconds();
  const lines: cloudwatch.HorizontalAnnotation[] = [{ value: deadlineMs, label: 'Request deadline', color: GREY }];
  if (transformTimeAlarmMs !== undefined) lines.push({ value: transformTimeAlarmMs, label: 'p99 alarm', color: RED });
  return [
    [
      graph('Transforms per second by format', 8, [origin.perSecondBy('transforms', 'Format')], { stacked: true, leftYAxis: { min: 0, showUnits: false } }),
      graph(
        'Transform time (ms)',
        8,
        ['p50', 'p95', 'p99'].map((p) => origin.metric('transformTime', p, undefined, `TransformTime ${p}`)),
        {
          leftAnnotations: lines,
          leftYAxis: { min: 0, showUnits: false },
        },
      ),
      graph(
        'Shed load: 503 rejected, 504 timed out, dropped',
        8,
        [
          origin.metric('rejected', 'Sum', undefined, '503 Rejected'),
          origin.metric('timedOut', 'Sum', undefined, '504 TimedOut'),
          origin.metric('dropped', 'Sum', undefined, 'Dropped unrun'),
        ],
        { leftYAxis: { min: 0, showUnits: false } },
      ),
    ],
    [
      graph('Origin responses per second by status class', 12, [origin.perSecondBy('requests', 'StatusClass')], {
        stacked: true,
        leftYAxis: { min: 0, showUnits: false },
      }),
      graph('Origin responses per second by outcome', 12, [origin.perSecondBy('requests', 'Outcome')], {
        stacked: true,
        leftYAxis: { min: 0, showUnits: false },
      }),
    ],
    [
      graph('Queue depth (highest per minute)', 8, [origin.metric('queueDepth', 'Maximum')], { leftYAxis: { min: 0, showUnits: false } }),
      graph('Decoded-source cache hit rate', 8, [origin.sourceCacheHitRate()], { leftYAxis: PERCENT_AXIS }),
      graph(
        'Source fetch time (ms)',
        8,
        ['p50', 'p99'].map((p) => origin.metric('sourceFetchTime', p, undefined, `SourceFetchTime ${p}`)),
        {
          leftYAxis: { min: 0, showUnits: false },
        },
      ),
    ],
  ];
}

function computeRow({ compute, logGroup }: DashboardInputs): cloudwatch.IWidget[] {
  if (!isLambdaCompute(compute)) {
    const fargate = fargateMetrics(compute.service, compute.targetGroup);
    return [
      graph('CPU and memory utilisation', 12, [fargate.cpu, fargate.memory], { leftYAxis: PERCENT_AXIS }),
      graph('Tasks', 12, [fargate.runningTasks, fargate.healthyTargets(), fargate.unhealthyTargets], { leftYAxis: { min: 0, showUnits: false } }),
    ];
  }
  const fn = lambdaMetrics(compute.function);
  const widgets: cloudwatch.IWidget[] = [
    graph('Concurrent executions', 6, [fn.concurrency], { leftYAxis: { min: 0, showUnits: false } }),
    graph('Errors and throttles', 6, [fn.errors(), fn.throttles()], { leftYAxis: { min: 0, showUnits: false } }),
    graph(
      'Duration (ms)',
      6,
      ['p50', 'p99'].map((p) => fn.duration(p)),
      { leftYAxis: { min: 0, showUnits: false } },
    ),
  ];
  if (logGroup) {
    widgets.push(
      new cloudwatch.LogQueryWidget({
        title: 'Cold starts: init duration (ms)',
        logGroupNames: [logGroup.logGroupName],
        queryString: LAMBDA_INIT_DURATION.toString(),
        view: cloudwatch.LogQueryVisualizationType.TABLE,
        width: 6,
        height: 6,
      }),
    );
  }
  return widgets;
}
