/**
 * The origin's operational endpoints are not reachable through the distribution: the deployed
 * viewer-request function (taken from the synthesised template, run as CloudFront runs it)
 * answers 404 for every spelling of /healthz and /metrics, while the load balancer still
 * health-checks /healthz on the tasks directly.
 */
import vm from 'node:vm';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImageCdnStack, URL_GRAMMARS, viewerRequestFunctionCode } from '../../lib/cdk/index.js';

interface Value {
  value: string;
}
interface Answer {
  statusCode?: number;
  uri?: string;
  headers: Record<string, Value>;
}
type Handler = (event: unknown) => Answer;

/** Compiles function code in a bare V8 context, as CloudFront runs it: no modules, no Node. */
function load(code: string): Handler {
  const context = vm.createContext({});
  vm.runInContext(code, context, { filename: 'viewer-request.js' });
  return context.handler as Handler;
}

/** A viewer-request event for `target`; the query arrives apart from the path, as CloudFront splits it. */
function event(target: string) {
  const queryAt = target.indexOf('?');
  const querystring: Record<string, Value> = {};
  if (queryAt >= 0) {
    for (const part of target.slice(queryAt + 1).split('&')) {
      const [name, value = ''] = part.split('=');
      querystring[name!] = { value };
    }
  }
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '198.51.100.7' },
    request: { method: 'GET', uri: queryAt < 0 ? target : target.slice(0, queryAt), querystring, headers: { accept: { value: '*/*' } }, cookies: {} },
  };
}

const answer = (handler: Handler, target: string): Answer => JSON.parse(JSON.stringify(handler(event(target)))) as Answer;

const OPERATIONAL_SPELLINGS = [
  '/healthz',
  '/metrics',
  '/healthz?x',
  '/metrics?format=openmetrics&x=1',
  '/metrics/',
  '/healthz//',
  '//metrics',
  '///healthz',
  '/METRICS',
  '/HealthZ',
  '/%6detrics',
  '/%6Detrics',
  '/%68%65%61%6c%74%68%7a',
  '/%256detrics',
  '/%2fmetrics',
  '/./metrics',
  '/x/../metrics',
  '/metrics/.',
  '/\\metrics',
  '/metrics%20',
];

const IMAGE_PATHS = [
  '/cdn-cgi/image/width=100/metrics.png',
  '/cdn-cgi/image/width=100/healthz',
  '/uploads/metrics',
  '/metrics.jpg',
  '/healthzz',
  '/x/metrics',
  '/cdn-cgi/image/format=auto/_health.png',
];

let template: Template;
let deployed: Handler;

beforeAll(() => {
  const app = new App();
  template = Template.fromStack(new ImageCdnStack(app, 'Edge'));
  const functions = Object.values(template.findResources('AWS::CloudFront::Function'));
  expect(functions).toHaveLength(1);
  deployed = load(functions[0]!.Properties.FunctionCode as string);
});

describe('/healthz and /metrics at the edge', () => {
  it('the deployed function runs on viewer requests of the default behaviour', () => {
    const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0]!;
    const behaviour = distribution.Properties.DistributionConfig.DefaultCacheBehavior;
    expect(behaviour.FunctionAssociations).toEqual([{ EventType: 'viewer-request', FunctionARN: expect.anything() }]);
    expect(distribution.Properties.DistributionConfig.CacheBehaviors).toBeUndefined();
  });

  it.each(OPERATIONAL_SPELLINGS)('%s is answered 404 at the edge, tagged not_found', (target) => {
    const response = answer(deployed, target);
    expect(response.statusCode).toBe(404);
    expect(response.headers['x-image-cdn-error']).toEqual({ value: 'not_found' });
    expect(response.uri).toBeUndefined();
  });

  it.each(IMAGE_PATHS)('%s still goes to the origin', (target) => {
    const request = answer(deployed, target);
    expect(request.statusCode).toBeUndefined();
    expect(request.uri).toMatch(/^\//);
  });

  it('every grammar build refuses them the same way', () => {
    const everyGrammar = load(viewerRequestFunctionCode({ grammars: URL_GRAMMARS }));
    for (const target of OPERATIONAL_SPELLINGS) expect(answer(everyGrammar, target).statusCode, target).toBe(404);
    for (const target of IMAGE_PATHS) expect(answer(everyGrammar, target).statusCode, target).toBeUndefined();
  });

  it('the load balancer still health-checks /healthz on the tasks directly', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/healthz', Matcher: { HttpCode: '200' } });
  });
});
