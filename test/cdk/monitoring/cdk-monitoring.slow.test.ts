/**
 * Monitoring: the dashboard, the five alarms, the additional CloudFront metrics and the saved
 * access-log queries, as ImageCdn creates them (Fargate, and Lambda) and as ImageCdnMonitoring
 * creates them for a Lambda function of one's own. The dashboard body is checked against
 * PutDashboard's structure, and every origin metric it shows against the EMF catalogue and the
 * origin code that writes it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageCdn, type ImageCdnMonitoringOptions, type ImageCdnMonitoringProps, ImageCdnMonitoring, OriginCompute } from '../../../lib/cdk/index.js';
import { EMF_DEFAULT_NAMESPACE, EMF_METRICS, EMF_SERVICE_DIMENSION, type EmfMetricKey } from '../../../origin/src/observability/emf-catalogue.js';

type Resources = Record<string, { Type: string; Properties?: Record<string, any>; Condition?: string }>;

const ENV = { account: '111122223333', region: 'us-east-1' };
const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:image-cdn-pager';

let fargate: Template;
let fargateStack: Stack;
let fargateCdn: ImageCdn;
let fargateMonitoring: ImageCdnMonitoring;
/** The `Service` dimension value of the Fargate origin: what its tasks write and the dashboard reads. */
let SERVICE: string;
let lambdaCdn: Template;
let lambdaCdnService: string;
let lambdaCdnMonitoring: ImageCdnMonitoring;
let unmonitored: Template;
let lambdaTemplate: Template;
let quiet: Template;
let tuned: Template;
let agnostic: Template;
let euWest: Stack;
let edgeStack: Stack;

/** A distribution and a Lambda origin function, for the compute the ImageCdn construct may not offer. */
function lambdaOrigin(stack: Stack, props: Partial<ImageCdnMonitoringProps> = {}): ImageCdnMonitoring {
  const fn = new lambda.Function(stack, 'OriginFunction', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
  });
  const distribution = new cloudfront.Distribution(stack, 'Distribution', {
    defaultBehavior: { origin: new origins.HttpOrigin('origin.example.com') },
  });
  return new ImageCdnMonitoring(stack, 'Monitoring', { distribution, compute: { function: fn }, service: 'images-lambda', ...props });
}

const imageCdn = (stack: Stack, monitoring?: ImageCdnMonitoringOptions | false) =>
  new ImageCdn(stack, 'Images', { ...(monitoring !== undefined && { monitoring }) });

beforeAll(() => {
  const app = new App();
  fargateStack = new Stack(app, 'Fargate', { env: ENV });
  fargateCdn = imageCdn(fargateStack, { alarmTopic: sns.Topic.fromTopicArn(fargateStack, 'Pager', TOPIC_ARN) });
  fargateMonitoring = fargateCdn.monitoring!;
  SERVICE = fargateCdn.originService!.metricsService;

  const lambdaCdnStack = new Stack(app, 'LambdaCdn', { env: ENV });
  const withFunction = new ImageCdn(lambdaCdnStack, 'Images', {
    compute: OriginCompute.lambda({ code: lambda.Code.fromInline('exports.handler = async () => undefined;') }),
  });
  lambdaCdnService = withFunction.lambdaOrigin!.metricsService;
  lambdaCdnMonitoring = withFunction.monitoring!;

  const unmonitoredStack = new Stack(app, 'Unmonitored', { env: ENV });
  imageCdn(unmonitoredStack, false);

  const lambdaStack = new Stack(app, 'Lambda', { env: ENV });
  lambdaOrigin(lambdaStack, { requestTimeout: Duration.seconds(20) });

  const quietStack = new Stack(app, 'Quiet', { env: ENV });
  imageCdn(quietStack, { dashboard: false, alarms: false });

  const tunedStack = new Stack(app, 'Tuned', { env: ENV });
  lambdaOrigin(tunedStack, {
    cacheHitRateFloor: 60,
    namespace: 'Images/Prod',
    additionalCloudFrontMetrics: false,
    alarms: {
      cloudFront5xxRate: { threshold: 2.5, evaluationPeriods: 10 },
      transformTimeP99: false,
      shedLoad: { enabled: false },
      cacheHitRate: { period: Duration.hours(1), evaluationPeriods: 2 },
    },
  });

  const agnosticStack = withMonitoring(new Stack(app, 'Agnostic'));
  euWest = withMonitoring(new Stack(app, 'EuWest', { env: { ...ENV, region: 'eu-west-1' } }));
  edgeStack = new Stack(app, 'Edge', { env: ENV, crossRegionReferences: true });
  const crossRegion = new Stack(app, 'CrossRegion', { env: { ...ENV, region: 'eu-west-1' }, crossRegionReferences: true });
  lambdaOrigin(crossRegion, { cloudFrontAlarmsScope: edgeStack });

  app.synth();
  fargate = Template.fromStack(fargateStack);
  lambdaTemplate = Template.fromStack(lambdaStack);
  quiet = Template.fromStack(quietStack);
  tuned = Template.fromStack(tunedStack);
  agnostic = Template.fromStack(agnosticStack);
  lambdaCdn = Template.fromStack(lambdaCdnStack);
  unmonitored = Template.fromStack(unmonitoredStack);
});

const withMonitoring = (stack: Stack) => {
  lambdaOrigin(stack);
  return stack;
};

const resources = (template: Template): Resources => template.toJSON().Resources as Resources;
const ofType = (template: Template, type: string) => Object.entries(resources(template)).filter(([, r]) => r.Type === type);

/** The alarm whose logical id names it (ids come from the construct ids, e.g. `…ShedLoad…`). */
function alarm(template: Template, id: string) {
  const found = ofType(template, 'AWS::CloudWatch::Alarm').filter(([logicalId]) => logicalId.includes(id));
  expect(found, id).toHaveLength(1);
  return { logicalId: found[0]![0], ...found[0]![1] };
}

/** The metric an alarm evaluates: its single metric, or the expression's inputs. */
function alarmMetrics(
  properties: Record<string, any>,
): Array<{ namespace: string; name: string; stat: string; period: number; dimensions: Record<string, unknown> }> {
  const stats = (properties.Metrics ?? []).filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat);
  const direct =
    properties.MetricName === undefined
      ? []
      : [
          {
            Metric: { Namespace: properties.Namespace, MetricName: properties.MetricName, Dimensions: properties.Dimensions },
            Stat: properties.Statistic ?? properties.ExtendedStatistic,
            Period: properties.Period,
          },
        ];
  return [...direct, ...stats].map((s: any) => ({
    namespace: s.Metric.Namespace,
    name: s.Metric.MetricName,
    stat: s.Stat,
    period: s.Period,
    dimensions: Object.fromEntries((s.Metric.Dimensions ?? []).map((d: any) => [d.Name, d.Value])),
  }));
}

/** The period every metric of an alarm is evaluated over. */
const alarmPeriod = (properties: Record<string, any>) => [...new Set(alarmMetrics(properties).map((m) => m.period))];

/** The DashboardBody with every CloudFormation token replaced by a placeholder: what PutDashboard receives, give or take the ids. */
function renderedBody(template: Template): any {
  const dashboards = ofType(template, 'AWS::CloudWatch::Dashboard');
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0]![1].Properties!.DashboardBody;
  const text = typeof body === 'string' ? body : (body['Fn::Join'][1] as unknown[]).map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text);
}

const metricWidgets = (body: any) => (body.widgets as any[]).filter((w) => w.type === 'metric');
/** Every single metric row of the dashboard: [namespace, name, ...dimensions, options?]. */
const metricRows = (body: any) => metricWidgets(body).flatMap((w) => (w.properties.metrics as unknown[][]).filter((row) => typeof row[0] === 'string'));
const expressions = (body: any) =>
  metricWidgets(body).flatMap((w) => (w.properties.metrics as any[][]).filter((row) => typeof row[0] === 'object').map((row) => row[0].expression as string));

describe('dashboard', () => {
  it('exists, with CloudFront, origin, compute and access-log widgets', () => {
    fargate.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const titles = (renderedBody(fargate).widgets as any[]).map((w) => w.properties.title).filter(Boolean);
    expect(titles).toEqual([
      'Requests',
      'Cache hit rate',
      'Error rates',
      'Origin latency (ms)',
      'Transforms per second by format',
      'Transform time (ms)',
      'Shed load: 503 rejected, 504 timed out, dropped',
      'Origin responses per second by status class',
      'Origin responses per second by outcome',
      'Queue depth (highest per minute)',
      'Decoded-source cache hit rate',
      'Source fetch time (ms)',
      'CPU and memory utilisation',
      'Tasks',
      'Slowest transforms',
      'Top error tags',
    ]);
  });

  it('reads CloudFront metrics in us-east-1 with the distribution id and Region=Global', () => {
    const body = renderedBody(fargate);
    const rows = metricRows(body).filter((row) => row[0] === 'AWS/CloudFront');
    expect(rows.map((row) => row[1]).sort()).toEqual([
      '4xxErrorRate',
      '5xxErrorRate',
      'CacheHitRate',
      'OriginLatency',
      'OriginLatency',
      'OriginLatency',
      'Requests',
    ]);
    for (const row of rows) {
      expect(row.slice(2, 6)).toEqual(['DistributionId', 'TOKEN', 'Region', 'Global']);
      expect((row[6] as any).region).toBe('us-east-1');
    }
    for (const widget of metricWidgets(body).filter((w) => w.properties.metrics.some((row: unknown[]) => row[0] === 'AWS/CloudFront'))) {
      expect(widget.properties.region).toBe('us-east-1');
    }
    // OriginLatency has percentiles only (CloudFront's metric reference).
    expect(rows.filter((row) => row[1] === 'OriginLatency').map((row) => (row[6] as any).stat)).toEqual(['p50', 'p90', 'p99']);
  });

  it('shows only origin metrics of the catalogue, in its namespace, for this deployment', () => {
    const body = renderedBody(fargate);
    const byName = new Map(Object.entries(EMF_METRICS).map(([key, spec]) => [spec.name as string, key as EmfMetricKey]));
    const rows = metricRows(body).filter((row) => row[0] === EMF_DEFAULT_NAMESPACE);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(byName.has(row[1] as string), row[1] as string).toBe(true);
      expect(row.slice(2, 4)).toEqual([EMF_SERVICE_DIMENSION, SERVICE]);
    }
    // Search expressions: one series per value of a dimension the catalogue gives that metric.
    const searches = expressions(body).filter((e) => e.includes('SEARCH('));
    expect(searches).toHaveLength(3);
    for (const search of searches) {
      const [, namespace, dimension, name, service] = /SEARCH\('\{"([^"]+)","(\w+)","Service"\} MetricName="(\w+)" Service="([^"]+)"', 'Sum', 60\) \/ 60$/.exec(
        search,
      )!;
      expect([namespace, service]).toEqual([EMF_DEFAULT_NAMESPACE, SERVICE]);
      const spec = Object.values(EMF_METRICS).find((candidate) => candidate.name === name) as { dimensions?: readonly string[] };
      expect(spec.dimensions, search).toContain(dimension);
    }
  });

  it('names only metrics whose catalogue keys the origin code writes', () => {
    const used = originKeysOnDashboard(renderedBody(fargate));
    expect([...used].sort()).toEqual([
      'dropped',
      'queueDepth',
      'rejected',
      'requests',
      'sourceCacheHits',
      'sourceCacheMisses',
      'sourceFetchTime',
      'timedOut',
      'transformTime',
      'transforms',
    ]);
    const written = catalogueKeysWrittenByOrigin();
    for (const key of used) expect(written, `origin/src never writes EMF_METRICS.${key}`).toContain(key);
  });

  it('graphs Fargate CPU, memory, running tasks and healthy targets', () => {
    const names = metricRows(renderedBody(fargate)).map((row) => `${String(row[0])} ${String(row[1])}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'AWS/ECS CPUUtilization',
        'AWS/ECS MemoryUtilization',
        'ECS/ContainerInsights RunningTaskCount',
        'AWS/ApplicationELB HealthyHostCount',
      ]),
    );
    expect(names.some((name) => name.startsWith('AWS/Lambda'))).toBe(false);
  });

  it('graphs Lambda concurrency, errors, throttles and duration, and cold starts from the REPORT lines', () => {
    const body = renderedBody(lambdaTemplate);
    const names = metricRows(body)
      .filter((row) => row[0] === 'AWS/Lambda')
      .map((row) => row[1]);
    expect(names).toEqual(['ConcurrentExecutions', 'Errors', 'Throttles', 'Duration', 'Duration']);
    expect(metricRows(body).some((row) => row[0] === 'AWS/ECS')).toBe(false);
    const coldStarts = (body.widgets as any[]).find((w) => w.properties.title === 'Cold starts: init duration (ms)');
    expect(coldStarts.type).toBe('log');
    expect(coldStarts.properties.query).toContain('@initDuration');
    expect(coldStarts.properties.query).toMatch(/^SOURCE '\/aws\/lambda\/TOKEN' \|/);
  });

  it('draws the cache hit floor and the p99 alarm threshold', () => {
    const widgets = renderedBody(fargate).widgets as any[];
    const annotation = (title: string) => widgets.find((w) => w.properties.title === title).properties.annotations.horizontal.map((a: any) => a.value);
    expect(annotation('Cache hit rate')).toEqual([80]);
    expect(annotation('Transform time (ms)')).toEqual([10_000, 5_000]);
  });
});

const TYPES = ['metric', 'text', 'log', 'alarm', 'explorer'];
const VIEWS = ['timeSeries', 'singleValue', 'gauge', 'bar', 'pie', 'table'];
const STAT = /^(SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d+)?)$/;

/** PutDashboard's rules (CloudWatch API Reference, "Dashboard Body Structure and Syntax"). */
const checkBody = (body: any) => {
  expect(Array.isArray(body.widgets)).toBe(true);
  expect(body.widgets.length).toBeLessThanOrEqual(500);
  const cells = new Set<string>();
  for (const widget of body.widgets) {
    const where = `${widget.type} ${widget.properties?.title ?? widget.properties?.markdown ?? ''}`;
    expect(TYPES, where).toContain(widget.type);
    expect(Number.isInteger(widget.x) && widget.x >= 0 && widget.x <= 23, where).toBe(true);
    expect(Number.isInteger(widget.y) && widget.y >= 0, where).toBe(true);
    expect(Number.isInteger(widget.width) && widget.width >= 1 && widget.x + widget.width <= 24, where).toBe(true);
    expect(Number.isInteger(widget.height) && widget.height >= 1 && widget.height <= 1000, where).toBe(true);
    // No two widgets overlap on the grid.
    for (let x = widget.x; x < widget.x + widget.width; x++) {
      for (let y = widget.y; y < widget.y + widget.height; y++) {
        expect(cells.has(`${x},${y}`), `${where} overlaps at ${x},${y}`).toBe(false);
        cells.add(`${x},${y}`);
      }
    }
    expect(typeof widget.properties, where).toBe('object');
    if (widget.type === 'text') expect(typeof widget.properties.markdown).toBe('string');
    if (widget.type === 'log') {
      expect(typeof widget.properties.region, where).toBe('string');
      expect(widget.properties.query, where).toMatch(/^SOURCE '[^']+' \| /);
    }
    if (widget.type === 'metric') checkMetricWidget(widget.properties, where);
  }
};

const checkMetricWidget = (properties: any, where: string) => {
  expect(typeof properties.region, where).toBe('string');
  expect(VIEWS, where).toContain(properties.view);
  expect(Array.isArray(properties.metrics) && properties.metrics.length > 0, where).toBe(true);
  const ids = new Set<string>();
  for (const row of properties.metrics as unknown[][]) {
    expect(Array.isArray(row), where).toBe(true);
    if (typeof row[0] === 'object') {
      // [ { expression, label?, id? } ]
      expect(row, where).toHaveLength(1);
      const expression = row[0] as Record<string, unknown>;
      expect(typeof expression.expression, where).toBe('string');
      for (const key of Object.keys(expression))
        expect(['expression', 'label', 'id', 'period', 'region', 'visible', 'color', 'yAxis'], `${where}: ${key}`).toContain(key);
      continue;
    }
    // [ namespace, metricName, dimName, dimValue, ..., {options}? ]
    const options = typeof row[row.length - 1] === 'object' ? (row[row.length - 1] as Record<string, unknown>) : undefined;
    const names = options ? row.slice(0, -1) : row;
    expect(
      names.every((part) => typeof part === 'string' && part.length > 0),
      `${where}: ${JSON.stringify(row)}`,
    ).toBe(true);
    expect(names.length >= 2 && names.length % 2 === 0, `${where}: ${JSON.stringify(row)}`).toBe(true);
    if (options?.stat !== undefined) expect(options.stat as string, where).toMatch(STAT);
    if (options?.period !== undefined) expect((options.period as number) % 60, where).toBe(0);
    if (options?.id !== undefined) ids.add(options.id as string);
  }
  // Every identifier an expression uses is a metric of the widget.
  for (const row of properties.metrics as any[][]) {
    if (typeof row[0] !== 'object' || row[0].expression.includes('SEARCH(')) continue;
    for (const name of row[0].expression.match(/\b[a-z][A-Za-z0-9_]*\b/g) ?? []) expect(ids, `${where}: ${name}`).toContain(name);
  }
  if (properties.stat !== undefined) expect(properties.stat).toMatch(STAT);
  if (properties.period !== undefined) expect(properties.period % 60).toBe(0);
};

describe('ImageCdn', () => {
  const environmentOf = (template: Template, type: string) => {
    const [, resource] = ofType(template, type)[0]!;
    if (type === 'AWS::Lambda::Function') return resource.Properties!.Environment.Variables as Record<string, unknown>;
    return Object.fromEntries(
      (resource.Properties!.ContainerDefinitions[0].Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, e.Value]),
    );
  };

  it('turns EMF on in the Fargate tasks, under the Service the dashboard and alarms read', () => {
    expect(environmentOf(fargate, 'AWS::ECS::TaskDefinition')).toMatchObject({
      IMAGE_CDN_EMF: 'true',
      IMAGE_CDN_EMF_NAMESPACE: EMF_DEFAULT_NAMESPACE,
      IMAGE_CDN_EMF_SERVICE: SERVICE,
    });
    expect(SERVICE).toMatch(/^FargateImagesOrigin[0-9A-F]{8}$/);
    expect(fargateMonitoring.service).toBe(SERVICE);
    expect(alarmMetrics(alarm(fargate, 'ShedLoad').Properties!)[0]!.dimensions).toEqual({ [EMF_SERVICE_DIMENSION]: SERVICE });
  });

  it("monitors a Lambda origin: the function's metrics, its EMF Service, its log group", () => {
    expect(environmentOf(lambdaCdn, 'AWS::Lambda::Function')).toMatchObject({ IMAGE_CDN_EMF: 'true', IMAGE_CDN_EMF_SERVICE: lambdaCdnService });
    const body = renderedBody(lambdaCdn);
    expect(
      metricRows(body)
        .filter((row) => row[0] === EMF_DEFAULT_NAMESPACE)
        .every((row) => row[3] === lambdaCdnService),
    ).toBe(true);
    expect(metricRows(body).some((row) => row[0] === 'AWS/Lambda')).toBe(true);
    const [functionId] = ofType(lambdaCdn, 'AWS::Lambda::Function')[0]!;
    const failures = alarmMetrics(alarm(lambdaCdn, 'OriginUnavailable').Properties!);
    expect(failures.map((m) => m.dimensions)).toEqual([
      { FunctionName: { Ref: functionId } },
      { FunctionName: { Ref: functionId } },
      { FunctionName: { Ref: functionId } },
    ]);
    const [logGroupId] = ofType(lambdaCdn, 'AWS::Logs::LogGroup').find(([id]) => id.includes('OriginLogs'))!;
    for (const [, query] of ofType(lambdaCdn, 'AWS::Logs::QueryDefinition')) expect(query.Properties!.LogGroupNames).toEqual([{ Ref: logGroupId }]);
    lambdaCdn.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    checkBody(body);
  });

  it('monitoring: false creates no dashboard, alarm, subscription or query; the origin still writes EMF', () => {
    for (const type of ['AWS::CloudWatch::Dashboard', 'AWS::CloudWatch::Alarm', 'AWS::CloudFront::MonitoringSubscription', 'AWS::Logs::QueryDefinition']) {
      unmonitored.resourceCountIs(type, 0);
    }
    expect(environmentOf(unmonitored, 'AWS::ECS::TaskDefinition')).toMatchObject({ IMAGE_CDN_EMF: 'true' });
  });

  it('keeps the EMF settings out of environment: the construct owns them', () => {
    const stack = new Stack(new App(), 'S', { env: ENV });
    expect(() => new ImageCdn(stack, 'Images', { environment: { IMAGE_CDN_EMF_SERVICE: 'other' } })).toThrow(/environment sets IMAGE_CDN_EMF_SERVICE/);
  });
});

describe('dashboard body: valid for PutDashboard', () => {
  it('is JSON with widgets of known types on the 24-column grid, metric rows in the documented shape (Fargate)', () => {
    checkBody(renderedBody(fargate));
  });

  it('is valid with a Lambda origin too', () => {
    checkBody(renderedBody(lambdaTemplate));
  });

  it('starts three hours back', () => {
    expect(renderedBody(fargate).start).toBe('-PT3H');
  });
});

describe('alarms', () => {
  it('are the five, with their defaults: threshold, period, evaluation periods, comparison, missing data', () => {
    fargate.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    const expectations: Array<[string, number, number[], number, string, string]> = [
      ['CloudFront5xxRate', 1, [60], 5, 'GreaterThanThreshold', 'notBreaching'],
      ['TransformTimeP99', 5000, [300], 3, 'GreaterThanThreshold', 'notBreaching'],
      ['ShedLoad', 1, [300], 1, 'GreaterThanThreshold', 'notBreaching'],
      ['OriginUnavailable', 1, [60], 2, 'LessThanThreshold', 'breaching'],
      ['CacheHitRate', 80, [900], 4, 'LessThanThreshold', 'notBreaching'],
    ];
    for (const [id, threshold, periods, evaluationPeriods, comparison, missing] of expectations) {
      const { Properties } = alarm(fargate, id);
      expect({
        id,
        threshold: Properties!.Threshold,
        periods: alarmPeriod(Properties!),
        evaluationPeriods: Properties!.EvaluationPeriods,
        comparison: Properties!.ComparisonOperator,
        missing: Properties!.TreatMissingData,
      }).toEqual({ id, threshold, periods, evaluationPeriods, comparison, missing });
      expect(Properties!.AlarmDescription).toContain('docs/operations.md');
    }
  });

  it('alarm on CloudFront 5xxErrorRate and CacheHitRate of this distribution', () => {
    const [distributionId] = ofType(fargate, 'AWS::CloudFront::Distribution')[0]!;
    for (const [id, name] of [
      ['CloudFront5xxRate', '5xxErrorRate'],
      ['CacheHitRate', 'CacheHitRate'],
    ]) {
      expect(alarmMetrics(alarm(fargate, id!).Properties!)).toEqual([
        {
          namespace: 'AWS/CloudFront',
          name,
          stat: 'Average',
          period: expect.any(Number),
          dimensions: { DistributionId: { Ref: distributionId }, Region: 'Global' },
        },
      ]);
    }
  });

  it("alarm on the origin's p99 TransformTime at half the request deadline, from the catalogue", () => {
    const { Properties } = alarm(fargate, 'TransformTimeP99');
    expect(alarmMetrics(Properties!)).toEqual([
      {
        namespace: EMF_DEFAULT_NAMESPACE,
        name: EMF_METRICS.transformTime.name,
        stat: 'p99',
        period: 300,
        dimensions: { [EMF_SERVICE_DIMENSION]: SERVICE },
      },
    ]);
    // The Lambda case has a 20 s deadline.
    expect(alarm(lambdaTemplate, 'TransformTimeP99').Properties!.Threshold).toBe(10_000);
  });

  it('alarm on shed load as (Rejected + TimedOut) over the transform work, a math expression', () => {
    const { Properties } = alarm(fargate, 'ShedLoad');
    const [expression] = Properties!.Metrics.filter((m: any) => m.Expression);
    expect(expression.ReturnData).toBe(true);
    expect(expression.Expression).toBe('100 * (FILL(rejected, 0) + FILL(timedOut, 0)) / (FILL(transforms, 0) + FILL(rejected, 0) + FILL(timedOut, 0))');
    const inputs = Properties!.Metrics.filter((m: any) => m.MetricStat).map((m: any) => [
      m.Id,
      m.MetricStat.Metric.MetricName,
      m.MetricStat.Stat,
      m.ReturnData,
    ]);
    expect(inputs).toEqual([
      ['rejected', EMF_METRICS.rejected.name, 'Sum', false],
      ['timedOut', EMF_METRICS.timedOut.name, 'Sum', false],
      ['transforms', EMF_METRICS.transforms.name, 'Sum', false],
    ]);
  });

  it("alarm on no healthy target in the origin's target group (Fargate)", () => {
    const [targetGroupId] = ofType(fargate, 'AWS::ElasticLoadBalancingV2::TargetGroup')[0]!;
    const [metric] = alarmMetrics(alarm(fargate, 'OriginUnavailable').Properties!);
    expect(metric).toMatchObject({ namespace: 'AWS/ApplicationELB', name: 'HealthyHostCount', stat: 'Minimum', period: 60 });
    expect(metric!.dimensions.TargetGroup).toEqual({ 'Fn::GetAtt': [targetGroupId, 'TargetGroupFullName'] });
    expect(metric!.dimensions.LoadBalancer).toBeDefined();
  });

  it('alarm on failed or throttled invocations instead with a Lambda origin', () => {
    const { Properties } = alarm(lambdaTemplate, 'OriginUnavailable');
    expect(Properties).toMatchObject({ Threshold: 50, ComparisonOperator: 'GreaterThanThreshold', EvaluationPeriods: 3, TreatMissingData: 'notBreaching' });
    expect(alarmMetrics(Properties!).map((m) => [m.namespace, m.name, m.stat, m.period])).toEqual([
      ['AWS/Lambda', 'Errors', 'Sum', 60],
      ['AWS/Lambda', 'Throttles', 'Sum', 60],
      ['AWS/Lambda', 'Invocations', 'Sum', 60],
    ]);
  });

  it('send ALARM and OK to the topic when one is given', () => {
    for (const [, resource] of ofType(fargate, 'AWS::CloudWatch::Alarm')) {
      expect(resource.Properties!.AlarmActions).toEqual([TOPIC_ARN]);
      expect(resource.Properties!.OKActions).toEqual([TOPIC_ARN]);
    }
  });

  it('have no actions without a topic', () => {
    const alarms = ofType(lambdaTemplate, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(5);
    for (const [, resource] of alarms) {
      expect(resource.Properties!.AlarmActions).toBeUndefined();
      expect(resource.Properties!.OKActions).toBeUndefined();
    }
  });

  it('are exposed by name, so users can add their own actions', () => {
    expect(Object.keys(fargateMonitoring.alarms).sort()).toEqual(['cacheHitRate', 'cloudFront5xxRate', 'originUnavailable', 'shedLoad', 'transformTimeP99']);
    const logicalId = fargateStack.getLogicalId(fargateMonitoring.alarms.shedLoad!.node.defaultChild as any);
    expect(alarm(fargate, 'ShedLoad').logicalId).toBe(logicalId);
  });

  it('take tuning per alarm, switch off one by one, and the cache hit floor', () => {
    expect(
      ofType(tuned, 'AWS::CloudWatch::Alarm')
        .map(([id]) => id.replace(/^Monitoring(CloudFront)?Alarms/, '').replace(/[0-9A-F]{8}$/, ''))
        .sort(),
    ).toEqual(['CacheHitRate', 'CloudFront5xxRate', 'OriginUnavailable']);
    expect(alarm(tuned, 'CloudFront5xxRate').Properties).toMatchObject({ Threshold: 2.5, EvaluationPeriods: 10 });
    const cacheHit = alarm(tuned, 'CacheHitRate').Properties!;
    expect({ threshold: cacheHit.Threshold, periods: alarmPeriod(cacheHit), evaluationPeriods: cacheHit.EvaluationPeriods }).toEqual({
      threshold: 60,
      periods: [3600],
      evaluationPeriods: 2,
    });
  });
});

describe('switches', () => {
  it('dashboard: false and alarms: false remove them', () => {
    quiet.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    quiet.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    // The rest stays: the additional metrics and the saved queries.
    quiet.resourceCountIs('AWS::CloudFront::MonitoringSubscription', 1);
    quiet.resourceCountIs('AWS::Logs::QueryDefinition', 2);
  });

  it("turn on the distribution's additional metrics, unless told it has them", () => {
    const [distributionId] = ofType(fargate, 'AWS::CloudFront::Distribution')[0]!;
    fargate.hasResourceProperties('AWS::CloudFront::MonitoringSubscription', {
      DistributionId: { Ref: distributionId },
      MonitoringSubscription: { RealtimeMetricsSubscriptionConfig: { RealtimeMetricsSubscriptionStatus: 'Enabled' } },
    });
    tuned.resourceCountIs('AWS::CloudFront::MonitoringSubscription', 0);
  });

  it('read another namespace when the origin writes to one', () => {
    const rows = metricRows(renderedBody(tuned)).filter((row) => row[1] === EMF_METRICS.queueDepth.name);
    expect(rows.map((row) => row[0])).toEqual(['Images/Prod']);
  });
});

describe('CloudFront alarms and regions', () => {
  it('are created only when deployed to us-east-1 from an environment-agnostic stack', () => {
    const conditions = agnostic.toJSON().Conditions as Record<string, unknown>;
    const [name, condition] = Object.entries(conditions).find(([id]) => id.includes('InCloudFrontMetricsRegion'))!;
    expect(condition).toEqual({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] });
    expect(alarm(agnostic, 'CloudFront5xxRate').Condition).toBe(name);
    expect(alarm(agnostic, 'CacheHitRate').Condition).toBe(name);
    expect(alarm(agnostic, 'ShedLoad').Condition).toBeUndefined();
  });

  it('are left out, with a note, in a stack pinned to another region', () => {
    const template = Template.fromStack(euWest);
    expect(
      ofType(template, 'AWS::CloudWatch::Alarm')
        .map(([id]) => id)
        .filter((id) => /CloudFront5xxRate|CacheHitRate/.test(id)),
    ).toEqual([]);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    Annotations.fromStack(euWest).hasInfo('*', Match.stringLikeRegexp('cloudFrontAlarmsScope'));
  });

  it('go to a us-east-1 scope when given one', () => {
    const template = Template.fromStack(edgeStack);
    expect(
      ofType(template, 'AWS::CloudWatch::Alarm')
        .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))
        .sort(),
    ).toEqual([expect.stringMatching(/CacheHitRate$/), expect.stringMatching(/CloudFront5xxRate$/)]);
  });

  it('refuse a scope outside us-east-1', () => {
    const app = new App();
    const stack = new Stack(app, 'Origin', { env: { ...ENV, region: 'eu-west-1' } });
    const elsewhere = new Stack(app, 'Elsewhere', { env: { ...ENV, region: 'eu-central-1' } });
    expect(() => lambdaOrigin(stack, { cloudFrontAlarmsScope: elsewhere })).toThrow(/cloudFrontAlarmsScope is in eu-central-1/);
  });
});

describe('saved Logs Insights queries', () => {
  it("save the slowest transforms and the top error tags over the origin's log group", () => {
    const [logGroupId] = ofType(fargate, 'AWS::Logs::LogGroup').find(([id]) => id.includes('OriginLogs'))!;
    const queries: Record<string, Record<string, any>> = Object.fromEntries(
      ofType(fargate, 'AWS::Logs::QueryDefinition').map(([, r]) => [r.Properties!.Name, r.Properties!]),
    );
    expect(Object.keys(queries).sort()).toEqual([`image-cdn/${SERVICE}/slowest-transforms`, `image-cdn/${SERVICE}/top-error-tags`]);
    for (const query of Object.values(queries)) expect(query.LogGroupNames).toEqual([{ Ref: logGroupId }]);
    const slowest = queries[`image-cdn/${SERVICE}/slowest-transforms`]!.QueryString as string;
    expect(slowest).toContain('filter outcome = "transformed"');
    expect(slowest).toContain('sort ms desc');
    const errors = queries[`image-cdn/${SERVICE}/top-error-tags`]!.QueryString as string;
    expect(errors).toContain('stats count(*) as responses by error, status');
  });

  it("query fields the origin's access log really writes", () => {
    const source = readFileSync(path.join(import.meta.dirname, '../../../origin/src/http/image-origin.ts'), 'utf8');
    const logged = source.slice(source.indexOf('accessLog?.info({'), source.indexOf('});', source.indexOf('accessLog?.info({')));
    const queries = ofType(fargate, 'AWS::Logs::QueryDefinition')
      .map(([, r]) => r.Properties!.QueryString as string)
      .join('\n');
    const fields = new Set([...queries.matchAll(/\b(status|ms|outcome|error|bytes|path|method|timings)\b/g)].map((m) => m[1]!));
    expect(fields.size).toBeGreaterThanOrEqual(6);
    for (const field of fields) expect(logged, field).toMatch(new RegExp(`\\b${field}\\b`));
    for (const phase of ['fetch', 'header', 'transform'])
      expect(readFileSync(path.join(import.meta.dirname, '../../../origin/src/http/request-timings.ts'), 'utf8')).toContain(`${phase}:`);
  });

  it("use the function's own log group with a Lambda origin", () => {
    const [, query] = ofType(lambdaTemplate, 'AWS::Logs::QueryDefinition')[0]!;
    expect(JSON.stringify(query.Properties!.LogGroupNames)).toContain('/aws/lambda/');
  });
});

describe('validation', () => {
  const build = (props: Partial<ImageCdnMonitoringProps>) => () => lambdaOrigin(new Stack(new App(), 'S', { env: ENV }), props);

  it('names the bad value', () => {
    expect(build({ cacheHitRateFloor: 0 })).toThrow(/cacheHitRateFloor 0 must be a percentage/);
    expect(build({ cacheHitRateFloor: 120 })).toThrow(/cacheHitRateFloor 120/);
    expect(build({ alarms: { cloudFront5xxRate: { threshold: 101 } } })).toThrow(/alarms.cloudFront5xxRate.threshold 101/);
    expect(build({ alarms: { shedLoad: { evaluationPeriods: 0 } } })).toThrow(/alarms.shedLoad.evaluationPeriods 0/);
    expect(build({ alarms: { shedLoad: { period: Duration.seconds(90) } } })).toThrow(/alarms.shedLoad.period 1 minute 30 seconds/);
    expect(build({ alarms: { cacheHitRate: { period: Duration.hours(6), evaluationPeriods: 5 } } })).toThrow(/exceed the one day/);
    expect(build({ alarms: { transformTimeP99: { threshold: 30_000 } } })).toThrow(/alarms.transformTimeP99.threshold 30000 must be a number from 1 to 10000/);
    expect(build({ service: "it's" })).toThrow(/service 'it's' must be 1-1024 printable ASCII/);
    expect(() => lambdaOrigin(new Stack(new App(), 'S', { env: ENV }), { service: 'images prod/eu' })).not.toThrow();
    expect(build({ namespace: 'AWS/Images' })).toThrow(/namespace 'AWS\/Images'/);
  });
});

describe('cdk-nag', () => {
  it.each([
    ['Fargate', () => fargateMonitoring],
    ['Lambda', () => lambdaCdnMonitoring],
  ])('finds nothing in the monitoring resources of ImageCdn on %s', (_name, monitoring) => {
    const violations = new AwsSolutionsChecks().validateScope(monitoring()).violations;
    expect(monitoring().node.findAll().length).toBeGreaterThan(10);
    expect(violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`))).toEqual([]);
  });
});

/** The origin catalogue keys whose metrics the dashboard shows, found by name in the rendered body. */
function originKeysOnDashboard(body: any): Set<EmfMetricKey> {
  const byName = new Map(Object.entries(EMF_METRICS).map(([key, spec]) => [spec.name as string, key as EmfMetricKey]));
  const names = [
    ...metricRows(body)
      .filter((row) => row[0] === EMF_DEFAULT_NAMESPACE)
      .map((row) => row[1] as string),
    ...expressions(body).flatMap((e) => [...e.matchAll(/MetricName="([^"]+)"/g)].map((m) => m[1]!)),
  ];
  return new Set(names.map((name) => byName.get(name)!).filter(Boolean));
}

/**
 * Catalogue keys the origin's own code (not the catalogue) refers to: `EMF_METRICS.<key>`, or a
 * key as a string literal (an `EmfMetricKey` argument) in a module that imports the catalogue.
 */
function catalogueKeysWrittenByOrigin(): Set<string> {
  const root = path.join(import.meta.dirname, '../../../origin/src');
  const catalogue = path.join(root, 'observability/emf-catalogue.ts');
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts')).map((file) => path.join(root, file));
  const keys = new Set<string>();
  for (const file of files.filter((f) => f !== catalogue)) {
    const source = readFileSync(file, 'utf8');
    if (!/from '[./]*(observability\/)?emf-catalogue\.js'/.test(source)) continue;
    for (const match of source.matchAll(/EMF_METRICS\.(\w+)|[[(,]\s*'(\w+)'/g)) {
      const key = match[1] ?? match[2]!;
      if (Object.hasOwn(EMF_METRICS, key)) keys.add(key);
    }
  }
  return keys;
}
