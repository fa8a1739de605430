/**
 * One value sets both ends of the load balancer → origin connection: the ALB's idle timeout
 * attribute and the origin's IMAGE_CDN_LB_IDLE_TIMEOUT_MS, from which the origin's keep-alive
 * (a margin longer) is derived.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { ImageCdn, ImageCdnValidationError, ImageOriginService, type ImageOriginOptions } from '../../lib/cdk/index.js';
import { ALB_IDLE_TIMEOUT_MS, originTimeouts } from '../../origin/src/http/keep-alive.js';

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/example/image-origin:1.0.0');

function service(props: ImageOriginOptions = {}): Template {
  const stack = new Stack(new App(), 'Test');
  new ImageOriginService(stack, 'Origin', { image, bucket: new s3.Bucket(stack, 'Sources'), ...props });
  return Template.fromStack(stack);
}

/** The ALB's idle timeout attribute (seconds) and the container's setting (ms), as synthesised. */
function bothEnds(template: Template): { albSeconds: number; originMs: number } {
  const [lb] = Object.values(template.findResources('AWS::ElasticLoadBalancingV2::LoadBalancer'));
  const attributes = lb!.Properties.LoadBalancerAttributes as Array<{ Key: string; Value: string }>;
  const idle = attributes.find((attribute) => attribute.Key === 'idle_timeout.timeout_seconds');
  const [task] = Object.values(template.findResources('AWS::ECS::TaskDefinition'));
  const environment = task!.Properties.ContainerDefinitions[0].Environment as Array<{ Name: string; Value: string }>;
  const setting = environment.find((variable) => variable.Name === 'IMAGE_CDN_LB_IDLE_TIMEOUT_MS');
  return { albSeconds: Number(idle?.Value), originMs: Number(setting?.Value) };
}

function expectInvalid(create: () => void, ...fragments: string[]): void {
  expect(create).toThrow(ImageCdnValidationError);
  for (const fragment of fragments) expect(create).toThrow(fragment);
}

describe('load balancer idle timeout and origin keep-alive', () => {
  it('default: the ALB default (60 s) on the load balancer and in the container, and the origin keeps idle connections longer', () => {
    const { albSeconds, originMs } = bothEnds(service());
    expect(albSeconds).toBe(ALB_IDLE_TIMEOUT_MS / 1000);
    expect(originMs).toBe(albSeconds * 1000);
    expect(originTimeouts(originMs).keepAliveTimeout).toBeGreaterThan(albSeconds * 1000);
  });

  it('one prop moves both ends', () => {
    const { albSeconds, originMs } = bothEnds(service({ loadBalancerIdleTimeout: Duration.seconds(120) }));
    expect(albSeconds).toBe(120);
    expect(originMs).toBe(120_000);
    expect(originTimeouts(originMs).keepAliveTimeout).toBeGreaterThan(120_000);
  });

  it('default follows a long request timeout, so the load balancer never cuts a transform short', () => {
    const { albSeconds, originMs } = bothEnds(service({ requestTimeout: Duration.seconds(55) }));
    expect(albSeconds).toBe(65);
    expect(originMs).toBe(65_000);
  });

  it('refuses values the load balancer or the origin cannot use, naming the value', () => {
    expectInvalid(
      () => service({ loadBalancerIdleTimeout: Duration.seconds(15) }),
      'loadBalancerIdleTimeout 15 s',
      'from 20 to 4000 s',
      'requestTimeout 10 s + 10 s',
    );
    expectInvalid(() => service({ loadBalancerIdleTimeout: Duration.millis(60_500) }), 'loadBalancerIdleTimeout 60.5 s', 'whole seconds');
    expectInvalid(() => service({ loadBalancerIdleTimeout: Duration.seconds(4001) }), 'loadBalancerIdleTimeout 4001 s', 'to 4000 s');
    expectInvalid(
      () => service({ environment: { IMAGE_CDN_LB_IDLE_TIMEOUT_MS: '5000' } }),
      'environment sets IMAGE_CDN_LB_IDLE_TIMEOUT_MS',
      'loadBalancerIdleTimeout',
    );
  });

  it("behind ImageCdn, the idle timeout must outlast CloudFront's 30 s keep-alive to the load balancer", () => {
    const create = () => {
      const stack = new Stack(new App(), 'Test');
      new ImageCdn(stack, 'Images', { image, loadBalancerIdleTimeout: Duration.seconds(30) });
    };
    expectInvalid(create, 'loadBalancerIdleTimeout 30 s', "CloudFront's 30 s keep-alive");
  });
});
