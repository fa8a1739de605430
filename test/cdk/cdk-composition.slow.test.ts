/**
 * ImageCdn inside a stack that already has its network and bucket, twice over; and its parts
 * (cache policy + function, origin service) used on their own. One app, synthesised once.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptAwareCachePolicy,
  type AcceptAwareCachePolicyProps,
  ImageCdn,
  ImageCdnStack,
  ImageOriginService,
  viewerRequestFunctionCode,
} from '../../lib/cdk/index.js';

type Resources = Record<string, { Type: string; Properties?: Record<string, any>; DependsOn?: string[] }>;

let existing: Stack;
let shared: Template;
let parts: Template;
let lookedUp: Template;

beforeAll(() => {
  const app = new App();
  existing = new Stack(app, 'Existing', { env: { account: '111122223333', region: 'eu-west-1' } });
  new sns.Topic(existing, 'AlreadyHere');
  const vpc = ec2.Vpc.fromVpcAttributes(existing, 'Network', {
    vpcId: 'vpc-0abc1234',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    publicSubnetIds: ['subnet-0a1b2c3d4e5f60003', 'subnet-0a1b2c3d4e5f60004'],
  });
  const bucket = s3.Bucket.fromBucketName(existing, 'Sources', 'existing-images');
  const cluster = ecs.Cluster.fromClusterAttributes(existing, 'Cluster', { clusterName: 'existing-cluster', vpc });
  const publicImages = new ImageCdn(existing, 'PublicImages', { vpc, bucket, sourcePrefix: 'public/' });
  new ImageCdn(existing, 'Thumbnails', { vpc, bucket, cluster, sourcePrefix: 'thumbs/' });
  publicImages.grantPut(new iam.Role(existing, 'Uploader', { assumedBy: new iam.AccountRootPrincipal() }));

  const partsStack = new Stack(app, 'Parts', { env: { account: '111122223333', region: 'eu-west-1' } });
  const partsVpc = ec2.Vpc.fromVpcAttributes(partsStack, 'Network', {
    vpcId: 'vpc-0def5678',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0a1b2c3d4e5f60009', 'subnet-0a1b2c3d4e5f6000a'],
  });
  const service = new ImageOriginService(partsStack, 'Origin', {
    vpc: partsVpc,
    bucket: s3.Bucket.fromBucketName(partsStack, 'Sources', 'other-images'),
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/example/image-origin:1.0.0'),
    minTasks: 1,
    maxTasks: 2,
  });
  const caching = new AcceptAwareCachePolicy(partsStack, 'Caching', { queryStringAllowList: ['w'] });
  new cloudfront.Distribution(partsStack, 'Cdn', {
    defaultBehavior: caching.behaviorOptions(new origins.HttpOrigin('origin.example.com')),
  });
  expect(service.loadBalancer).toBeDefined();

  // Without cached context the lookup answers with aws-cdk-lib's placeholder VPC; the CLI would fill it in.
  const lookupStack = new ImageCdnStack(app, 'LookedUp', { env: { account: '111122223333', region: 'eu-west-1' }, vpcId: 'vpc-0abc1234' });

  app.synth();
  shared = Template.fromStack(existing);
  parts = Template.fromStack(partsStack);
  lookedUp = Template.fromStack(lookupStack);
});

const resources = (template: Template): Resources => template.toJSON().Resources as Resources;
const ofType = (template: Template, type: string) => Object.entries(resources(template)).filter(([, r]) => r.Type === type);

describe('in an existing stack with an imported VPC, bucket and cluster', () => {
  it('creates no VPC, subnets, NAT or source bucket of its own', () => {
    for (const type of ['AWS::EC2::VPC', 'AWS::EC2::Subnet', 'AWS::EC2::NatGateway', 'AWS::EC2::InternetGateway', 'AWS::EC2::FlowLog']) {
      shared.resourceCountIs(type, 0);
    }
    const buckets = ofType(shared, 'AWS::S3::Bucket').map(([id]) => id);
    expect(buckets).toHaveLength(2);
    for (const id of buckets) expect(id).toMatch(/AccessLogs/);
    shared.resourceCountIs('AWS::SNS::Topic', 1);
  });

  it('uses the imported cluster where given and creates one cluster otherwise', () => {
    shared.resourceCountIs('AWS::ECS::Cluster', 1);
    const clusters = ofType(shared, 'AWS::ECS::Service').map(([, s]) => s.Properties!.Cluster);
    expect(clusters).toContain('existing-cluster');
  });

  it('runs the tasks and load balancers in the imported private subnets', () => {
    for (const [, service] of ofType(shared, 'AWS::ECS::Service')) {
      expect(service.Properties!.NetworkConfiguration.AwsvpcConfiguration.Subnets).toEqual(['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002']);
    }
    for (const [, lb] of ofType(shared, 'AWS::ElasticLoadBalancingV2::LoadBalancer')) {
      expect(lb.Properties!.Subnets).toEqual(['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002']);
      expect(lb.Properties!.Scheme).toBe('internal');
    }
    for (const [, lookup] of ofType(shared, 'Custom::AWS')) {
      expect(JSON.stringify(lookup.Properties!.Create)).toContain('vpc-0abc1234');
    }
  });

  it('reads the imported bucket, each ImageCdn only under its own prefix', () => {
    const envs = ofType(shared, 'AWS::ECS::TaskDefinition').map(([, t]) =>
      Object.fromEntries(t.Properties!.ContainerDefinitions[0].Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value])),
    );
    expect(envs.map((env) => [env.IMAGE_CDN_S3_BUCKET, env.IMAGE_CDN_S3_PREFIX]).sort()).toEqual([
      ['existing-images', 'public/'],
      ['existing-images', 'thumbs/'],
    ]);
    const objectResources = ofType(shared, 'AWS::IAM::Policy')
      .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
      .filter((s) => s.Action === 's3:GetObject')
      .map((s) => JSON.stringify(s.Resource));
    expect(objectResources).toHaveLength(2);
    expect(objectResources.some((r) => r.includes(':s3:::existing-images/public/*'))).toBe(true);
    expect(objectResources.some((r) => r.includes(':s3:::existing-images/thumbs/*'))).toBe(true);
  });

  it('gives the two ImageCdns distinct names wherever names are account-wide', () => {
    const names = (type: string, pick: (p: Record<string, any>) => unknown) => ofType(shared, type).map(([, r]) => JSON.stringify(pick(r.Properties!)));
    for (const [type, pick] of [
      ['AWS::CloudFront::CachePolicy', (p: Record<string, any>) => p.CachePolicyConfig.Name],
      ['AWS::CloudFront::Function', (p: Record<string, any>) => p.Name],
      ['AWS::CloudFront::VpcOrigin', (p: Record<string, any>) => p.VpcOriginEndpointConfig.Name],
    ] as const) {
      const found = names(type, pick);
      expect(found, type).toHaveLength(2);
      expect(new Set(found).size, type).toBe(2);
    }
    shared.resourceCountIs('AWS::CloudFront::Distribution', 2);
    shared.resourceCountIs('AWS::ECS::Service', 2);
    // The deploy-time lookup shares aws-cdk-lib's single provider function.
    shared.resourceCountIs('Custom::AWS', 2);
    shared.resourceCountIs('AWS::Lambda::Function', 1);
  });

  it("outputs each ImageCdn's distribution and bucket separately", () => {
    const outputs = shared.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toHaveLength(6);
    const distributionIds = Object.entries(outputs)
      .filter(([id]) => id.includes('DistributionId'))
      .map(([, o]) => JSON.stringify(o.Value));
    expect(new Set(distributionIds).size).toBe(2);
  });

  it("passes cdk-nag's AwsSolutions pack with the imported resources too", () => {
    const report = new AwsSolutionsChecks().validateScope(existing);
    // The stack's own topic and the uploader role (with its grantPut policy) belong to the stack's owner.
    const ours = (path: string | undefined) => !/^Existing\/(AlreadyHere|Uploader)\//.test(path ?? '');
    const findings = report.violations.flatMap((v) => v.violatingResources.filter((r) => ours(r.constructPath)).map((r) => `${v.ruleName} ${r.constructPath}`));
    expect(findings).toEqual([]);
    expect(report.violations.length).toBeGreaterThan(0);
  });
});

describe('task egress in a VPC the construct did not create', () => {
  const egressOf = (template: Template) =>
    ofType(template, 'AWS::ECS::Service').map(([, service]) => {
      const [groupId] = service.Properties!.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups[0]['Fn::GetAtt'];
      return (resources(template)[groupId]!.Properties!.SecurityGroupEgress as Array<Record<string, unknown>>).map((rule) => [
        rule.IpProtocol,
        rule.FromPort,
        rule.CidrIp,
      ]);
    });

  it("sends DNS to any address when the imported VPC's CIDR is unknown, and adds no S3 endpoint to it", () => {
    for (const egress of [...egressOf(shared), ...egressOf(parts)]) {
      expect(egress).toEqual([
        ['tcp', 443, '0.0.0.0/0'],
        ['udp', 53, '0.0.0.0/0'],
        ['tcp', 53, '0.0.0.0/0'],
      ]);
    }
    shared.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
  });

  it("sends DNS only to the VPC's CIDR when it is known (looked up)", () => {
    const [egress] = egressOf(lookedUp);
    const cidr = egress![1]![2];
    expect(cidr).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    expect(cidr).not.toBe('0.0.0.0/0');
    expect(egress).toEqual([
      ['tcp', 443, '0.0.0.0/0'],
      ['udp', 53, cidr],
      ['tcp', 53, cidr],
    ]);
  });
});

describe('ImageCdnStack with an existing VPC id', () => {
  it('looks the VPC up instead of creating one, and asks the CLI for it', () => {
    lookedUp.resourceCountIs('AWS::EC2::VPC', 0);
    lookedUp.resourceCountIs('AWS::EC2::Subnet', 0);
    lookedUp.resourceCountIs('AWS::ECS::Service', 1);
    const missing = (existing.node.root as App).synth().manifest.missing ?? [];
    expect(missing.map((m) => m.provider)).toContain('vpc-provider');
    expect(JSON.stringify(missing)).toContain('vpc-0abc1234');
  });
});

describe('parts on their own', () => {
  it('ImageOriginService: a private service behind an internal load balancer, no CloudFront, nothing admitted yet', () => {
    parts.resourceCountIs('AWS::ECS::Service', 1);
    parts.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [{ Image: 'public.ecr.aws/example/image-origin:1.0.0' }],
      RuntimePlatform: { CpuArchitecture: 'ARM64' },
    });
    parts.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      Subnets: ['subnet-0a1b2c3d4e5f60009', 'subnet-0a1b2c3d4e5f6000a'],
    });
    const lbIngress = ofType(parts, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => r.Properties!.FromPort === 80);
    expect(lbIngress).toEqual([]);
    parts.resourceCountIs('AWS::CloudFront::VpcOrigin', 0);
  });

  it('AcceptAwareCachePolicy: cache key, function and behaviour for any origin', () => {
    parts.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        ParametersInCacheKeyAndForwardedToOrigin: {
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Accept'] },
          QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['w'] },
        },
      },
    });
    const [, distribution] = ofType(parts, 'AWS::CloudFront::Distribution')[0]!;
    const behavior = distribution.Properties!.DistributionConfig.DefaultCacheBehavior;
    expect(behavior.Compress).toBe(false);
    expect(behavior.FunctionAssociations[0].EventType).toBe('viewer-request');
  });
});

describe('AcceptAwareCachePolicy: the cache key follows the grammars and signed URLs', () => {
  const queryStrings = (props: AcceptAwareCachePolicyProps) => {
    const stack = new Stack(new App(), 'Policy');
    new AcceptAwareCachePolicy(stack, 'Caching', props);
    const template = Template.fromStack(stack);
    const [, policy] = ofType(template, 'AWS::CloudFront::CachePolicy')[0]!;
    const [, fn] = ofType(template, 'AWS::CloudFront::Function')[0]!;
    expect(fn.Properties!.FunctionCode).toBe(
      viewerRequestFunctionCode({
        ...(props.grammars && { grammars: props.grammars }),
        signing: props.signedUrls ?? false,
        keepQueryStrings: props.queryStringAllowList ?? [],
      }),
    );
    return policy.Properties!.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig;
  };

  it.each([
    ['Cloudflare only: no query string', {}, { QueryStringBehavior: 'none' }],
    ['signed URLs: sig and expires', { signedUrls: true }, { QueryStringBehavior: 'whitelist', QueryStrings: ['sig', 'expires'] }],
    ['ImageKit: tr', { grammars: ['cloudflare', 'imagekit'] }, { QueryStringBehavior: 'whitelist', QueryStrings: ['tr'] }],
    [
      'ImageKit, signed: its signature too',
      { grammars: ['imagekit'], signedUrls: true },
      { QueryStringBehavior: 'whitelist', QueryStrings: ['sig', 'expires', 'tr', 'ik-s', 'ik-t'] },
    ],
    ['Cloudinary keeps everything in the path', { grammars: ['cloudflare', 'cloudinary'] }, { QueryStringBehavior: 'none' }],
    ['imgix: every query string', { grammars: ['cloudflare', 'imgix'], signedUrls: true, queryStringAllowList: ['w'] }, { QueryStringBehavior: 'all' }],
    [
      'an allow-list joins the rest',
      { queryStringAllowList: ['w'], signedUrls: true },
      { QueryStringBehavior: 'whitelist', QueryStrings: ['w', 'sig', 'expires'] },
    ],
  ] as Array<[string, AcceptAwareCachePolicyProps, unknown]>)('%s', (_name, props, expected) => {
    expect(queryStrings(props)).toEqual(expected);
  });
});
