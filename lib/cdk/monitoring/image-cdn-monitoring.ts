import { Annotations, Aws, CfnCondition, Duration, Fn, Names, Stack, Token } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EMF_DEFAULT_NAMESPACE } from '../../../origin/src/observability/emf-catalogue.js';
import { ImageCdnValidationError } from '../validation.js';
import { alarmDefaults, DEFAULT_CACHE_HIT_RATE_FLOOR } from './alarm-defaults.js';
import { type AlarmName, createAlarm, type ImageCdnAlarms, type ResolvedAlarm, resolveAlarm, tuningOf } from './alarms.js';
import { buildDashboard } from './dashboard.js';
import { CLOUDFRONT_METRICS_REGION, CloudFrontMetrics, fargateMetrics, lambdaFailurePercent, OriginMetrics } from './metrics.js';
import { type ImageCdnMonitoringProps, isLambdaCompute } from './options.js';
import { type AccessLogQueries, saveAccessLogQueries } from './queries.js';

/** The origin's own default deadline (`requestTimeoutMs`). */
const DEFAULT_REQUEST_TIMEOUT = Duration.seconds(10);

/**
 * Operating an image CDN: a CloudWatch dashboard (CloudFront, the origin's EMF metrics, its
 * compute, its access log), five alarms with an optional SNS topic for their actions, the
 * distribution's additional metrics, and saved Logs Insights queries. docs/operations.md says
 * what each shows and what to do when an alarm fires.
 */
export class ImageCdnMonitoring extends Construct {
  /** The dashboard, unless `dashboard: false`. */
  readonly dashboard?: cloudwatch.Dashboard;
  /** The alarms by name, for adding actions; absent when switched off. */
  readonly alarms: ImageCdnAlarms;
  /** The saved access-log queries, when the origin's log group is known. */
  readonly queries?: AccessLogQueries;
  /** The distribution's additional-metrics subscription, unless `additionalCloudFrontMetrics: false`. */
  readonly monitoringSubscription?: cloudfront.CfnMonitoringSubscription;
  /** The namespace and `Service` dimension value the dashboard and alarms read. */
  readonly namespace: string;
  readonly service: string;

  constructor(scope: Construct, id: string, props: ImageCdnMonitoringProps) {
    super(scope, id);
    this.namespace = props.namespace ?? EMF_DEFAULT_NAMESPACE;
    this.service = props.service;
    const cacheHitRateFloor = props.cacheHitRateFloor ?? DEFAULT_CACHE_HIT_RATE_FLOOR;
    const requestTimeout = props.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT;
    this.validate(cacheHitRateFloor, requestTimeout);

    const distributionId = props.distribution.distributionId;
    const cloudFront = new CloudFrontMetrics(distributionId);
    const origin = new OriginMetrics(this.namespace, this.service);
    const logGroup =
      props.logGroup ??
      (isLambdaCompute(props.compute) ? logs.LogGroup.fromLogGroupName(this, 'FunctionLogs', `/aws/lambda/${props.compute.function.functionName}`) : undefined);

    if (props.additionalCloudFrontMetrics !== false) {
      this.monitoringSubscription = new cloudfront.CfnMonitoringSubscription(this, 'CloudFrontAdditionalMetrics', {
        distributionId,
        monitoringSubscription: { realtimeMetricsSubscriptionConfig: { realtimeMetricsSubscriptionStatus: 'Enabled' } },
      });
    }

    const defaults = alarmDefaults(requestTimeout, cacheHitRateFloor, isLambdaCompute(props.compute) ? 'lambda' : 'fargate');
    const resolved = Object.fromEntries(
      (Object.keys(defaults) as AlarmName[]).map((name) => [name, resolveAlarm(this, name, defaults[name], tuningOf(props.alarms, name))]),
    ) as Record<AlarmName, ResolvedAlarm | undefined>;
    this.alarms = this.createAlarms(props, resolved, cloudFront, origin);

    if (props.dashboard !== false) {
      this.dashboard = buildDashboard(this, 'Dashboard', {
        ...(props.dashboardName !== undefined && { name: props.dashboardName }),
        distributionId,
        cloudFront,
        origin,
        compute: props.compute,
        ...(logGroup && { logGroup }),
        requestTimeout,
        cacheHitRateFloor,
        ...(resolved.transformTimeP99 && { transformTimeAlarmMs: resolved.transformTimeP99.threshold }),
      });
    }
    if (logGroup) {
      // Query names cannot hold ':' or '*', and '/' opens a folder.
      const folder = Token.isUnresolved(this.service) ? Names.uniqueId(this) : this.service.replace(/[:*/]/g, '-');
      this.queries = saveAccessLogQueries(this, logGroup, `image-cdn/${folder}`);
    }
  }

  private validate(cacheHitRateFloor: number, requestTimeout: Duration): void {
    if (!(cacheHitRateFloor > 0 && cacheHitRateFloor <= 100)) {
      throw new ImageCdnValidationError(this, `cacheHitRateFloor ${cacheHitRateFloor} must be a percentage above 0 and at most 100`);
    }
    // The origin's own rules (settings/registry.ts), less the quotes and backslash a search expression cannot carry.
    if (!Token.isUnresolved(this.service) && !(/^[\x20-\x7e]{1,1024}$/.test(this.service) && !/['"\\]/.test(this.service))) {
      throw new ImageCdnValidationError(
        this,
        `service '${this.service}' must be 1-1024 printable ASCII characters without quotes or backslashes (a CloudWatch dimension value the dashboard can search for)`,
      );
    }
    if (
      !Token.isUnresolved(this.namespace) &&
      (!/^[0-9A-Za-z._\-/#: ]{1,255}$/.test(this.namespace) || this.namespace.startsWith(':') || this.namespace.startsWith('AWS/'))
    ) {
      throw new ImageCdnValidationError(
        this,
        `namespace '${this.namespace}' is not a custom CloudWatch namespace (1-255 of A-Z a-z 0-9 . - _ / # : and space, not starting with ':' or 'AWS/')`,
      );
    }
    if (requestTimeout.toMilliseconds() < 1000) {
      throw new ImageCdnValidationError(this, `requestTimeout ${requestTimeout.toHumanString()} must be at least 1 second`);
    }
  }

  private createAlarms(
    props: ImageCdnMonitoringProps,
    resolved: Record<AlarmName, ResolvedAlarm | undefined>,
    cloudFront: CloudFrontMetrics,
    origin: OriginMetrics,
  ): ImageCdnAlarms {
    const topic = props.alarmTopic;
    const here = new Construct(this, 'Alarms');
    const alarms: { -readonly [K in AlarmName]?: cloudwatch.Alarm } = {};
    const make = (scope: Construct, name: AlarmName, id: string, metric: (period: Duration) => cloudwatch.IMetric) => {
      const settings = resolved[name];
      if (settings) alarms[name] = createAlarm(scope, id, settings, metric(settings.period), topic);
    };

    make(here, 'transformTimeP99', 'TransformTimeP99', (period) => origin.metric('transformTime', 'p99', period));
    make(here, 'shedLoad', 'ShedLoad', (period) => origin.shedPercent(period));
    const compute = props.compute;
    make(
      here,
      'originUnavailable',
      'OriginUnavailable',
      isLambdaCompute(compute)
        ? (period) => lambdaFailurePercent(compute.function, period)
        : (period) => fargateMetrics(compute.service, compute.targetGroup).healthyTargets(period),
    );

    const edge = this.cloudFrontAlarmsPlace(props.cloudFrontAlarmsScope, resolved.cloudFront5xxRate !== undefined || resolved.cacheHitRate !== undefined);
    if (edge) {
      make(edge.scope, 'cloudFront5xxRate', 'CloudFront5xxRate', (period) => cloudFront.errorRate5xx(period));
      make(edge.scope, 'cacheHitRate', 'CacheHitRate', (period) => cloudFront.cacheHitRate(period));
      // Deployed outside us-east-1 they would never see a datapoint, and silence looks like health.
      if (edge.condition) {
        for (const alarm of [alarms.cloudFront5xxRate, alarms.cacheHitRate]) {
          if (alarm) (alarm.node.defaultChild as cloudwatch.CfnAlarm).cfnOptions.condition = edge.condition;
        }
      }
    }
    return alarms;
  }

  /**
   * Where the CloudFront alarms can live: CloudWatch alarms only watch metrics of their own region.
   * In an environment-agnostic stack they are created under a condition on the deploy region.
   */
  private cloudFrontAlarmsPlace(given: Construct | undefined, wanted: boolean): { scope: Construct; condition?: CfnCondition } | undefined {
    if (!wanted) return undefined;
    const region = Stack.of(given ?? this).region;
    const resolved = !Token.isUnresolved(region);
    if (resolved && region !== CLOUDFRONT_METRICS_REGION) {
      if (given)
        throw new ImageCdnValidationError(
          this,
          `cloudFrontAlarmsScope is in ${region}; CloudFront's metrics, and so alarms on them, exist only in ${CLOUDFRONT_METRICS_REGION}`,
        );
      Annotations.of(this).addInfo(
        `The CloudFront 5xx and cache hit rate alarms need ${CLOUDFRONT_METRICS_REGION}, where CloudFront publishes its metrics; this stack is in ${region}. Pass cloudFrontAlarmsScope (a construct in a ${CLOUDFRONT_METRICS_REGION} stack) to create them there.`,
      );
      return undefined;
    }
    const scope = given ? new Construct(given, `${Names.uniqueId(this)}CloudFrontAlarms`) : new Construct(this, 'CloudFrontAlarms');
    if (resolved) return { scope };
    const condition = new CfnCondition(scope, 'InCloudFrontMetricsRegion', { expression: Fn.conditionEquals(Aws.REGION, CLOUDFRONT_METRICS_REGION) });
    return { scope, condition };
  }
}
