/**
 * The synthesised CloudFormation of ImageCdn: every resource with its security properties.
 * One app, synthesised once, holds the default stack and a fully configured one.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CACHE_TAG_HEADER, ImageCdn, ImageCdnStack, viewerRequestFunctionCode } from '../../lib/cdk/index.js';

type Resources = Record<string, { Type: string; Properties?: Record<string, any>; DependsOn?: string[] }>;

let defaults: Template;
let configured: Template;
let urlFeatures: Template;
let noCacheTags: Template;
let defaultStack: ImageCdnStack;

const SIGNING_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:image-cdn/signing-keys-AbCdEf';
const VARIANTS = { thumb: 'width=120,height=120,fit=cover,format=auto', hero: 'width=1600,quality=80', card: 'w=400,f=auto' };

beforeAll(() => {
  const app = new App();
  defaultStack = new ImageCdnStack(app, 'Defaults');
  const uploader = new iam.Role(defaultStack, 'Uploader', { assumedBy: new iam.AccountRootPrincipal() });
  const invalidator = new iam.Role(defaultStack, 'Invalidator', { assumedBy: new iam.AccountRootPrincipal() });
  defaultStack.imageCdn.grantPut(uploader);
  defaultStack.imageCdn.grantInvalidate(invalidator);

  const custom = new Stack(app, 'Configured', { env: { account: '111122223333', region: 'eu-west-1' } });
  new ImageCdn(custom, 'Images', {
    domainName: 'images.example.com',
    certificate: acm.Certificate.fromCertificateArn(custom, 'Cert', 'arn:aws:acm:us-east-1:111122223333:certificate/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7'),
    originShieldRegion: 'eu-west-1',
    cpuArchitecture: ecs.CpuArchitecture.X86_64,
    cpu: 2048,
    memoryLimitMiB: 4096,
    minTasks: 3,
    maxTasks: 30,
    requestTimeout: Duration.seconds(20),
    sourcePrefix: 'uploads/',
    queryStringAllowList: ['w', 'h'],
    accessLogs: false,
    cloudFrontPrefixListId: 'pl-4fa04526',
    webAclId: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/images/abc',
    corsAllowOrigins: ['https://www.example.com', 'https://*.example.org'],
    hstsMaxAge: Duration.days(730),
    hstsIncludeSubdomains: true,
    hstsPreload: true,
    contentTypeNosniff: false,
    timingAllowOrigins: ['https://www.example.com', 'https://shop.example.com'],
    readonlyRootFilesystem: false,
  });

  const features = new Stack(app, 'UrlFeatures', { env: { account: '111122223333', region: 'eu-west-1' } });
  new ImageCdn(features, 'Images', {
    grammars: ['cloudflare', 'imgix', 'cloudinary', 'imagekit'],
    imagekitEndpoint: '/my_imagekit_id/',
    variants: VARIANTS,
    onlyVariants: true,
    signing: {
      secret: secretsmanager.Secret.fromSecretCompleteArn(features, 'SigningKeys', SIGNING_SECRET_ARN),
      mode: 'optional',
      exemptVariants: true,
    },
    environment: { IMAGE_CDN_VERSION_PATTERN: '^/release-[0-9]+/' },
    responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
  });

  const untagged = new Stack(app, 'NoCacheTags');
  new ImageCdn(untagged, 'Images', {
    cacheTags: false,
    decodedSourceMemory: Size.mebibytes(0),
    decodedSourceLevels: false,
    corsAllowOrigins: [],
    hsts: false,
    contentTypeNosniff: false,
    timingAllowOrigins: [],
  });

  app.synth();
  defaults = Template.fromStack(defaultStack);
  configured = Template.fromStack(custom);
  urlFeatures = Template.fromStack(features);
  noCacheTags = Template.fromStack(untagged);
});

const resources = (template: Template): Resources => template.toJSON().Resources as Resources;
const ofType = (template: Template, type: string) => Object.entries(resources(template)).filter(([, r]) => r.Type === type);
const only = (template: Template, type: string) => {
  const found = ofType(template, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
const ref = (logicalId: string) => ({ Ref: logicalId });

describe('source bucket', () => {
  it('blocks public access, encrypts, versions, and enforces TLS in its policy', () => {
    const [bucketId, bucket] = Object.entries(resources(defaults)).find(([id, r]) => r.Type === 'AWS::S3::Bucket' && id.includes('SourceBucket'))!;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: { LogFilePrefix: 'source-bucket/' },
    });
    defaults.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(bucketId),
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
    expect(ofType(defaults, 'AWS::S3::Bucket').map(([, r]) => r.Properties?.PublicAccessBlockConfiguration?.BlockPublicPolicy)).toEqual([true, true]);
  });
});

describe('origin service', () => {
  it("runs ARM64 Linux Fargate tasks from the Dockerfile image with the origin's environment", () => {
    const [, task] = only(defaults, 'AWS::ECS::TaskDefinition');
    expect(task.Properties).toMatchObject({
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
      Cpu: '1024',
      Memory: '2048',
      NetworkMode: 'awsvpc',
    });
    const container = task.Properties!.ContainerDefinitions[0];
    const env = Object.fromEntries(container.Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]));
    const [bucketId] = Object.entries(resources(defaults)).find(([id, r]) => r.Type === 'AWS::S3::Bucket' && id.includes('SourceBucket'))!;
    expect(env).toMatchObject({
      PORT: '3000',
      IMAGE_CDN_S3_BUCKET: ref(bucketId),
      IMAGE_CDN_REQUEST_TIMEOUT_MS: '10000',
      MALLOC_ARENA_MAX: '2',
    });
    expect(env).not.toHaveProperty('IMAGE_CDN_S3_PREFIX');
    expect(container.Image['Fn::Sub']).toContain('container-assets');
    expect(container.PortMappings).toEqual([{ ContainerPort: 3000, Name: 'http', Protocol: 'tcp' }]);
    expect(container.LinuxParameters.InitProcessEnabled).toBe(true);
    expect(container.LogConfiguration.LogDriver).toBe('awslogs');
  });

  it('builds the image asset for linux/arm64 from the self-contained origin/container directory', () => {
    const artifact = defaultStack.node.root as App;
    const manifest = JSON.parse(readFileSync(`${artifact.outdir}/Defaults.assets.json`, 'utf8')) as {
      dockerImages: Record<string, { source: { directory: string; dockerFile?: string; platform: string } }>;
    };
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]!.source.platform).toBe('linux/arm64');
    expect(images[0]!.source.dockerFile ?? 'Dockerfile').toBe('Dockerfile');
    // Every COPY source of the Dockerfile (other than from a stage) is in the staged asset.
    const staged = path.join(artifact.outdir, images[0]!.source.directory);
    const dockerfile = readFileSync(path.join(staged, 'Dockerfile'), 'utf8');
    const copySources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1]!.trim().split(/\s+/));
    expect(copySources).toEqual(['package.json', 'package-lock.json', 'package.json', 'bundle']);
    for (const source of copySources) expect(existsSync(path.join(staged, source)), source).toBe(true);
    expect(existsSync(path.join(staged, 'bundle', 'main.js'))).toBe(true);
    expect(existsSync(path.join(staged, 'node_modules'))).toBe(false);
  });

  it('places tasks in private subnets without public IPs, with a rolling-back circuit breaker', () => {
    const [, service] = only(defaults, 'AWS::ECS::Service');
    expect(service.Properties).toMatchObject({
      LaunchType: 'FARGATE',
      DeploymentConfiguration: { DeploymentCircuitBreaker: { Enable: true, Rollback: true }, MinimumHealthyPercent: 100 },
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'DISABLED' } },
    });
    const subnets = service.Properties!.NetworkConfiguration.AwsvpcConfiguration.Subnets as Array<{ Ref: string }>;
    expect(subnets.length).toBe(2);
    for (const subnet of subnets) {
      expect(subnet.Ref).toMatch(/PrivateSubnet/);
      expect(resources(defaults)[subnet.Ref]!.Properties!.MapPublicIpOnLaunch).toBe(false);
    }
  });

  it('has a task role that can only read the source bucket', () => {
    const [, task] = only(defaults, 'AWS::ECS::TaskDefinition');
    const taskRoleId = task.Properties!.TaskRoleArn['Fn::GetAtt'][0] as string;
    const policies = ofType(defaults, 'AWS::IAM::Policy').filter(([, p]) => p.Properties!.Roles.some((r: { Ref: string }) => r.Ref === taskRoleId));
    expect(policies).toHaveLength(1);
    const [bucketId] = Object.entries(resources(defaults)).find(([id, r]) => r.Type === 'AWS::S3::Bucket' && id.includes('SourceBucket'))!;
    expect(policies[0]![1].Properties!.PolicyDocument.Statement).toEqual([
      { Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] } },
      { Action: 's3:ListBucket', Effect: 'Allow', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] }, Condition: { StringLike: { 's3:prefix': '*' } } },
    ]);
    expect(resources(defaults)[taskRoleId]!.Properties!.ManagedPolicyArns).toBeUndefined();
  });

  it('health-checks /healthz and scales on CPU and requests per target', () => {
    defaults.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      HealthCheckPath: '/healthz',
      Matcher: { HttpCode: '200' },
      Port: 3000,
      Protocol: 'HTTP',
      TargetType: 'ip',
    });
    defaults.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 10 });
    const metrics = ofType(defaults, 'AWS::ApplicationAutoScaling::ScalingPolicy')
      .map(([, p]) => p.Properties!.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification.PredefinedMetricType)
      .sort();
    expect(metrics).toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
  });

  it('keeps logs for a month in a cluster with Container Insights', () => {
    const [logGroupId] = Object.entries(resources(defaults)).find(([id, r]) => r.Type === 'AWS::Logs::LogGroup' && id.includes('OriginLogs'))!;
    expect(resources(defaults)[logGroupId]!.Properties!.RetentionInDays).toBe(30);
    defaults.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
    defaults.resourceCountIs('AWS::EC2::FlowLog', 1);
  });
});

describe('internal load balancer', () => {
  it('is internal and listens on HTTP 80 only', () => {
    defaults.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    defaults.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      Scheme: 'internal',
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' }]),
    });
    defaults.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 1);
    defaults.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
  });

  it("admits only CloudFront's VPC-origin security group, found after the distribution exists", () => {
    const [lbId, lb] = only(defaults, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const lbGroup = lb.Properties!.SecurityGroups[0]['Fn::GetAtt'][0] as string;
    expect(resources(defaults)[lbGroup]!.Properties!.SecurityGroupIngress).toBeUndefined();
    const ingress = ofType(defaults, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => r.Properties!.GroupId['Fn::GetAtt'][0] === lbGroup);
    expect(ingress).toHaveLength(1);
    const rule = ingress[0]![1].Properties!;
    expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: 80, ToPort: 80 });
    const [lookupId, attribute] = rule.SourceSecurityGroupId['Fn::GetAtt'] as [string, string];
    expect(attribute).toBe('SecurityGroups.0.GroupId');
    const lookup = resources(defaults)[lookupId]!;
    expect(lookup.Type).toBe('Custom::AWS');
    const call = JSON.stringify(lookup.Properties!.Create);
    expect(call).toContain('describeSecurityGroups');
    expect(call).toContain('CloudFront-VPCOrigins-Service-SG');
    const [distributionId] = only(defaults, 'AWS::CloudFront::Distribution');
    expect(lookup.DependsOn).toContain(distributionId);
    expect(lbId).toBeDefined();
  });

  it('has no rule open to the internet anywhere', () => {
    const text = JSON.stringify(resources(defaults));
    for (const [, group] of ofType(defaults, 'AWS::EC2::SecurityGroup')) {
      expect(JSON.stringify(group.Properties!.SecurityGroupIngress ?? [])).not.toContain('0.0.0.0/0');
    }
    for (const [, rule] of ofType(defaults, 'AWS::EC2::SecurityGroupIngress')) {
      expect(rule.Properties!.CidrIp).toBeUndefined();
      expect(rule.Properties!.CidrIpv6).toBeUndefined();
    }
    expect(text).not.toContain('internet-facing');
  });
});

describe('cache policy and viewer-request function', () => {
  it('keys on the path and the normalised Accept only, honouring origin TTLs', () => {
    defaults.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: {
        MinTTL: 0,
        DefaultTTL: 86400,
        MaxTTL: 31536000,
        ParametersInCacheKeyAndForwardedToOrigin: {
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Accept'] },
          CookiesConfig: { CookieBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'none' },
          EnableAcceptEncodingGzip: false,
          EnableAcceptEncodingBrotli: false,
        },
      },
    });
  });

  it('deploys the Cloudflare-only function code on cloudfront-js-2.0', () => {
    defaults.hasResourceProperties('AWS::CloudFront::Function', {
      AutoPublish: true,
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
      FunctionCode: viewerRequestFunctionCode({ grammars: ['cloudflare'] }),
    });
  });
});

describe('distribution', () => {
  it('serves HTTP/2 and HTTP/3 over HTTPS, uncompressed, through the cache policy and the viewer-request function', () => {
    const [functionId] = only(defaults, 'AWS::CloudFront::Function');
    const [policyId] = only(defaults, 'AWS::CloudFront::CachePolicy');
    const [, distribution] = only(defaults, 'AWS::CloudFront::Distribution');
    const config = distribution.Properties!.DistributionConfig;
    expect(config).toMatchObject({
      HttpVersion: 'http2and3',
      IPV6Enabled: true,
      Logging: { Prefix: 'cloudfront/' },
      DefaultCacheBehavior: {
        CachePolicyId: ref(policyId),
        Compress: false,
        ViewerProtocolPolicy: 'redirect-to-https',
        AllowedMethods: ['GET', 'HEAD'],
        FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } }],
      },
    });
    expect(config.DefaultCacheBehavior.OriginRequestPolicyId).toBeUndefined();
  });

  it("reaches the load balancer through a VPC origin with a read timeout just above the origin's own", () => {
    const [vpcOriginId, vpcOrigin] = only(defaults, 'AWS::CloudFront::VpcOrigin');
    const [lbId] = only(defaults, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(vpcOrigin.Properties!.VpcOriginEndpointConfig).toMatchObject({ Arn: ref(lbId), HTTPPort: 80, OriginProtocolPolicy: 'http-only' });
    const [, distribution] = only(defaults, 'AWS::CloudFront::Distribution');
    const origins = distribution.Properties!.DistributionConfig.Origins;
    expect(origins).toHaveLength(1);
    expect(origins[0].VpcOriginConfig).toEqual({ VpcOriginId: { 'Fn::GetAtt': [vpcOriginId, 'Id'] }, OriginReadTimeout: 15, OriginKeepaliveTimeout: 30 });
    expect(origins[0].CustomOriginConfig).toBeUndefined();
    expect(origins[0].OriginShield).toBeUndefined();
  });

  it('outputs the distribution id and domain and the bucket name', () => {
    const outputs = defaults.toJSON().Outputs as Record<string, { Value: unknown }>;
    const [distributionId] = only(defaults, 'AWS::CloudFront::Distribution');
    const [bucketId] = Object.entries(resources(defaults)).find(([id, r]) => r.Type === 'AWS::S3::Bucket' && id.includes('SourceBucket'))!;
    const values = Object.entries(outputs).map(([id, output]) => [id.replace(/[0-9A-F]{8}$/, ''), output.Value]);
    expect(Object.fromEntries(values)).toEqual({
      ImageCdnDistributionId: ref(distributionId),
      ImageCdnDistributionDomainName: { 'Fn::GetAtt': [distributionId, 'DomainName'] },
      ImageCdnBucketName: ref(bucketId),
    });
  });
});

describe('grants', () => {
  const policyOf = (roleName: string) => {
    const [roleId] = Object.entries(resources(defaults)).find(([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith(roleName))!;
    const [, policy] = ofType(defaults, 'AWS::IAM::Policy').find(([, p]) => p.Properties!.Roles.some((r: { Ref: string }) => r.Ref === roleId))!;
    return policy.Properties!.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>;
  };

  it('grantPut allows what `image-cdn put` sends, in the source bucket, and nothing else', () => {
    // test/cdk/cdk-grant-put.slow.test.ts checks these against the commands put really sends.
    const statements = policyOf('Uploader');
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(JSON.stringify(statements)).toContain('SourceBucket');
  });

  it('grantInvalidate allows creating and reading invalidations of this distribution only', () => {
    const [distributionId] = only(defaults, 'AWS::CloudFront::Distribution');
    const statements = policyOf('Invalidator');
    expect(statements).toHaveLength(1);
    expect([statements[0]!.Action].flat().sort()).toEqual(['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation', 'cloudfront:ListInvalidations']);
    expect(JSON.stringify(statements[0]!.Resource)).toContain(distributionId);
  });
});

describe('configured: custom domain, Origin Shield, x86, larger tasks, prefix, query allow-list', () => {
  it('uses the certificate with TLSv1.2_2021 and SNI for the domain', () => {
    const [, distribution] = only(configured, 'AWS::CloudFront::Distribution');
    expect(distribution.Properties!.DistributionConfig).toMatchObject({
      Aliases: ['images.example.com'],
      ViewerCertificate: {
        AcmCertificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7',
        MinimumProtocolVersion: 'TLSv1.2_2021',
        SslSupportMethod: 'sni-only',
      },
      WebACLId: 'arn:aws:wafv2:us-east-1:111122223333:global/webacl/images/abc',
    });
    expect(distribution.Properties!.DistributionConfig.Logging).toBeUndefined();
  });

  it('enables Origin Shield and stretches the read timeout with the request timeout', () => {
    const [, distribution] = only(configured, 'AWS::CloudFront::Distribution');
    const origin = distribution.Properties!.DistributionConfig.Origins[0];
    expect(origin.OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'eu-west-1' });
    expect(origin.VpcOriginConfig.OriginReadTimeout).toBe(25);
  });

  it('runs x86_64 tasks of the requested size and count with the prefix in env and IAM', () => {
    const [, task] = only(configured, 'AWS::ECS::TaskDefinition');
    expect(task.Properties).toMatchObject({ Cpu: '2048', Memory: '4096', RuntimePlatform: { CpuArchitecture: 'X86_64' } });
    const env = Object.fromEntries(task.Properties!.ContainerDefinitions[0].Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]));
    expect(env).toMatchObject({ IMAGE_CDN_S3_PREFIX: 'uploads/', IMAGE_CDN_REQUEST_TIMEOUT_MS: '20000' });
    configured.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 3, MaxCapacity: 30 });
    const taskRoleId = task.Properties!.TaskRoleArn['Fn::GetAtt'][0] as string;
    const [, policy] = ofType(configured, 'AWS::IAM::Policy').find(([, p]) => p.Properties!.Roles.some((r: { Ref: string }) => r.Ref === taskRoleId))!;
    const statements = policy.Properties!.PolicyDocument.Statement;
    expect(JSON.stringify(statements[0].Resource)).toContain('/uploads/*');
    expect(statements[1].Condition).toEqual({ StringLike: { 's3:prefix': 'uploads/*' } });
  });

  it('puts only the allow-listed query parameters in the cache key', () => {
    configured.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: { ParametersInCacheKeyAndForwardedToOrigin: { QueryStringsConfig: { QueryStringBehavior: 'whitelist', QueryStrings: ['w', 'h'] } } },
    });
  });

  it('admits the CloudFront prefix list without a deploy-time lookup, and writes no access logs', () => {
    configured.resourceCountIs('Custom::AWS', 0);
    configured.resourceCountIs('AWS::Lambda::Function', 0);
    configured.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { SourcePrefixListId: 'pl-4fa04526', FromPort: 80, ToPort: 80 });
    configured.resourceCountIs('AWS::S3::Bucket', 1);
    const [, lb] = only(configured, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(JSON.stringify(lb.Properties!.LoadBalancerAttributes)).not.toContain('access_logs.s3.enabled');
  });
});

const containerOf = (template: Template) => {
  const [, task] = only(template, 'AWS::ECS::TaskDefinition');
  const container = task.Properties!.ContainerDefinitions[0];
  const env = Object.fromEntries((container.Environment as Array<{ Name: string; Value: unknown }>).map((e) => [e.Name, e.Value]));
  return { container, env };
};

describe('decoded-source memory', () => {
  it('defaults to one eighth of the task memory, and can be turned off', () => {
    expect(containerOf(defaults).env.IMAGE_CDN_SOURCE_CACHE_MB).toBe('256'); // 2048 MiB tasks
    expect(containerOf(configured).env.IMAGE_CDN_SOURCE_CACHE_MB).toBe('512'); // 4096 MiB tasks
    expect(containerOf(noCacheTags).env.IMAGE_CDN_SOURCE_CACHE_MB).toBe('0');
  });

  it('starts downscales from shared decoded levels by default, set explicitly, and decodedSourceLevels: false turns them off', () => {
    expect(containerOf(defaults).env.IMAGE_CDN_SOURCE_LEVELS).toBe('true');
    expect(containerOf(configured).env.IMAGE_CDN_SOURCE_LEVELS).toBe('true');
    expect(containerOf(noCacheTags).env.IMAGE_CDN_SOURCE_LEVELS).toBe('false');
  });
});

describe('cache tags (per-source purges)', () => {
  it('are on by default: the distribution keeps the tags of the header the origin sends', () => {
    const [, distribution] = only(defaults, 'AWS::CloudFront::Distribution');
    expect(distribution.Properties!.DistributionConfig.CacheTagConfig).toEqual({ HeaderName: DEFAULT_CACHE_TAG_HEADER });
    expect(containerOf(defaults).env.IMAGE_CDN_CACHE_TAG_HEADER).toBe(DEFAULT_CACHE_TAG_HEADER);
    expect(DEFAULT_CACHE_TAG_HEADER).toBe('x-image-cdn-cache-tag');
  });

  it('cacheTags: false turns off both sides', () => {
    const [, distribution] = only(noCacheTags, 'AWS::CloudFront::Distribution');
    expect(distribution.Properties!.DistributionConfig.CacheTagConfig).toBeUndefined();
    expect(containerOf(noCacheTags).env).not.toHaveProperty('IMAGE_CDN_CACHE_TAG_HEADER');
  });
});

describe('URL grammars, variants and signing', () => {
  it('by default the origin parses the Cloudflare grammar only, with no variants or signing', () => {
    const { container, env } = containerOf(defaults);
    expect(env.IMAGE_CDN_GRAMMARS).toBe('cloudflare');
    for (const name of [
      'IMAGE_CDN_IMAGEKIT_ENDPOINT',
      'IMAGE_CDN_VARIANTS',
      'IMAGE_CDN_ONLY_VARIANTS',
      'IMAGE_CDN_SIGNING',
      'IMAGE_CDN_SIGNING_EXEMPT_VARIANTS',
    ]) {
      expect(env, name).not.toHaveProperty(name);
    }
    expect(container.Secrets).toBeUndefined();
  });

  it('configures the origin container: grammars, ImageKit endpoint, inline variants, only-variants, signing mode', () => {
    const { env } = containerOf(urlFeatures);
    expect(env).toMatchObject({
      IMAGE_CDN_GRAMMARS: 'cloudflare,imgix,cloudinary,imagekit',
      IMAGE_CDN_IMAGEKIT_ENDPOINT: '/my_imagekit_id/',
      IMAGE_CDN_ONLY_VARIANTS: 'true',
      IMAGE_CDN_SIGNING: 'optional',
      IMAGE_CDN_SIGNING_EXEMPT_VARIANTS: 'true',
      IMAGE_CDN_VERSION_PATTERN: '^/release-[0-9]+/',
    });
    expect(JSON.parse(env.IMAGE_CDN_VARIANTS as string)).toEqual(VARIANTS);
  });

  it('gives the origin its signing keys from Secrets Manager through ECS secrets, never as plain text', () => {
    const { container, env } = containerOf(urlFeatures);
    expect(container.Secrets).toEqual([{ Name: 'IMAGE_CDN_SIGNING_KEYS', ValueFrom: SIGNING_SECRET_ARN }]);
    expect(env).not.toHaveProperty('IMAGE_CDN_SIGNING_KEYS');
    const [, task] = only(urlFeatures, 'AWS::ECS::TaskDefinition');
    const executionRoleId = task.Properties!.ExecutionRoleArn['Fn::GetAtt'][0] as string;
    const statements = ofType(urlFeatures, 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties!.Roles.some((r: { Ref: string }) => r.Ref === executionRoleId))
      .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const secretReads = statements.filter((st) => [st.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(secretReads).toEqual([
      { Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], Effect: 'Allow', Resource: SIGNING_SECRET_ARN },
    ]);
    // The task role (what the origin's code runs as) cannot read the secret.
    const taskRoleId = task.Properties!.TaskRoleArn['Fn::GetAtt'][0] as string;
    const taskPolicies = ofType(urlFeatures, 'AWS::IAM::Policy').filter(([, p]) => p.Properties!.Roles.some((r: { Ref: string }) => r.Ref === taskRoleId));
    expect(JSON.stringify(taskPolicies)).not.toContain('secretsmanager');
  });

  it('keys on the whole query string for imgix, and deploys the function for exactly these grammars and variants', () => {
    urlFeatures.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: { ParametersInCacheKeyAndForwardedToOrigin: { QueryStringsConfig: { QueryStringBehavior: 'all' } } },
    });
    const [, fn] = only(urlFeatures, 'AWS::CloudFront::Function');
    expect(fn.Properties!.FunctionCode).toBe(
      viewerRequestFunctionCode({
        grammars: ['cloudflare', 'imgix', 'cloudinary', 'imagekit'],
        imagekitEndpoint: '/my_imagekit_id/',
        autoFormatVariants: ['thumb', 'card'],
        versionPattern: '^/release-[0-9]+/',
        signing: true,
      }),
    );
    const [, defaultFn] = only(defaults, 'AWS::CloudFront::Function');
    expect((defaultFn.Properties!.FunctionCode as string).length).toBeLessThan((fn.Properties!.FunctionCode as string).length);
  });
});

describe('response headers policy', () => {
  const behaviourOf = (template: Template) => only(template, 'AWS::CloudFront::Distribution')[1].Properties!.DistributionConfig.DefaultCacheBehavior;

  it('by default: CORS for any origin, HSTS for a year, nosniff and Timing-Allow-Origin, on the default behaviour', () => {
    const [policyId, policy] = only(defaults, 'AWS::CloudFront::ResponseHeadersPolicy');
    expect(behaviourOf(defaults).ResponseHeadersPolicyId).toEqual(ref(policyId));
    const config = policy.Properties!.ResponseHeadersPolicyConfig;
    expect(config.CorsConfig).toEqual({
      AccessControlAllowOrigins: { Items: ['*'] },
      AccessControlAllowMethods: { Items: ['GET', 'HEAD'] },
      AccessControlAllowHeaders: { Items: ['*'] },
      AccessControlAllowCredentials: false,
      OriginOverride: true,
    });
    expect(config.SecurityHeadersConfig).toEqual({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31536000, IncludeSubdomains: false, Preload: false, Override: true },
      ContentTypeOptions: { Override: true },
    });
    expect(config.CustomHeadersConfig).toEqual({ Items: [{ Header: 'Timing-Allow-Origin', Value: '*', Override: true }] });
    // Account-wide name, like the cache policy's: construct path plus region.
    expect(JSON.stringify(config.Name)).toContain('AWS::Region');
  });

  it('keeps CORS out of the cache: no Origin header in the cache key and no origin request policy', () => {
    const [, cachePolicy] = only(defaults, 'AWS::CloudFront::CachePolicy');
    expect(cachePolicy.Properties!.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.HeadersConfig.Headers).toEqual(['Accept']);
    expect(behaviourOf(defaults).OriginRequestPolicyId).toBeUndefined();
  });

  it('takes allowed origins, HSTS settings and switches from props', () => {
    const [, policy] = only(configured, 'AWS::CloudFront::ResponseHeadersPolicy');
    const config = policy.Properties!.ResponseHeadersPolicyConfig;
    expect(config.CorsConfig.AccessControlAllowOrigins).toEqual({ Items: ['https://www.example.com', 'https://*.example.org'] });
    expect(config.SecurityHeadersConfig).toEqual({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true, Preload: true, Override: true },
    });
    expect(config.CustomHeadersConfig.Items).toEqual([
      { Header: 'Timing-Allow-Origin', Value: 'https://www.example.com, https://shop.example.com', Override: true },
    ]);
  });

  it('attaches a given policy instead of building one', () => {
    urlFeatures.resourceCountIs('AWS::CloudFront::ResponseHeadersPolicy', 0);
    expect(behaviourOf(urlFeatures).ResponseHeadersPolicyId).toBe(cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS.responseHeadersPolicyId);
  });

  it('attaches none when every header is switched off', () => {
    noCacheTags.resourceCountIs('AWS::CloudFront::ResponseHeadersPolicy', 0);
    expect(behaviourOf(noCacheTags).ResponseHeadersPolicyId).toBeUndefined();
  });
});

describe('task egress', () => {
  const taskGroupOf = (template: Template) => {
    const [, service] = only(template, 'AWS::ECS::Service');
    const groups = service.Properties!.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups as Array<{ 'Fn::GetAtt': [string, string] }>;
    expect(groups).toHaveLength(1);
    const groupId = groups[0]!['Fn::GetAtt'][0];
    return { groupId, group: resources(template)[groupId]! };
  };

  it('lets the tasks out on HTTPS anywhere and DNS to the VPC only: no all-traffic rule', () => {
    const { group } = taskGroupOf(defaults);
    const [vpcId] = only(defaults, 'AWS::EC2::VPC');
    const vpcCidr = { 'Fn::GetAtt': [vpcId, 'CidrBlock'] };
    const egress = (group.Properties!.SecurityGroupEgress as Array<Record<string, unknown>>).map(({ Description: _, ...rule }) => rule);
    expect(egress).toEqual([
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' },
      { IpProtocol: 'udp', FromPort: 53, ToPort: 53, CidrIp: vpcCidr },
      { IpProtocol: 'tcp', FromPort: 53, ToPort: 53, CidrIp: vpcCidr },
    ]);
    const text = JSON.stringify(resources(defaults));
    expect(text).not.toContain('"IpProtocol":"-1"');
    expect(
      ofType(defaults, 'AWS::EC2::SecurityGroupEgress').filter(([, r]) => r.Properties!.GroupId['Fn::GetAtt']?.[0] === taskGroupOf(defaults).groupId),
    ).toEqual([]);
  });

  it('admits only the load balancer, on the container port', () => {
    const { groupId } = taskGroupOf(defaults);
    const [, lb] = only(defaults, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    const lbGroup = lb.Properties!.SecurityGroups[0]['Fn::GetAtt'][0] as string;
    const ingress = ofType(defaults, 'AWS::EC2::SecurityGroupIngress').filter(([, r]) => r.Properties!.GroupId['Fn::GetAtt'][0] === groupId);
    expect(ingress.map(([, r]) => r.Properties)).toEqual([
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 3000,
        ToPort: 3000,
        SourceSecurityGroupId: { 'Fn::GetAtt': [lbGroup, 'GroupId'] },
      }),
    ]);
  });

  it("reaches S3 through a gateway endpoint routed from the tasks' subnets", () => {
    const [, endpoint] = only(defaults, 'AWS::EC2::VPCEndpoint');
    expect(endpoint.Properties).toMatchObject({
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
    });
    const [, service] = only(defaults, 'AWS::ECS::Service');
    const taskSubnets = (service.Properties!.NetworkConfiguration.AwsvpcConfiguration.Subnets as Array<{ Ref: string }>).map((s) => s.Ref);
    const taskRouteTables = ofType(defaults, 'AWS::EC2::SubnetRouteTableAssociation')
      .filter(([, a]) => taskSubnets.includes(a.Properties!.SubnetId.Ref))
      .map(([, a]) => a.Properties!.RouteTableId);
    expect(taskRouteTables).toHaveLength(2);
    expect(endpoint.Properties!.RouteTableIds).toEqual(expect.arrayContaining(taskRouteTables));
  });
});

describe('read-only root filesystem', () => {
  it('runs the container read-only with /tmp on an ephemeral task volume (Fargate has no tmpfs)', () => {
    const [, task] = only(defaults, 'AWS::ECS::TaskDefinition');
    const container = task.Properties!.ContainerDefinitions[0];
    expect(container.ReadonlyRootFilesystem).toBe(true);
    expect(container.MountPoints).toEqual([{ ContainerPath: '/tmp', SourceVolume: 'tmp', ReadOnly: false }]);
    expect(task.Properties!.Volumes).toEqual([{ Name: 'tmp' }]);
    expect(container.LinuxParameters.Tmpfs).toBeUndefined();
  });

  it('builds an image whose /tmp Fargate copies into that volume, so the unprivileged user can write it', () => {
    const dockerfile = readFileSync(path.join(import.meta.dirname, '../../origin/container/Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/^VOLUME \["\/tmp"\]$/m);
    expect(runtime).toMatch(/^USER node$/m);
  });

  it('can be switched off', () => {
    const [, task] = only(configured, 'AWS::ECS::TaskDefinition');
    const container = task.Properties!.ContainerDefinitions[0];
    expect(container.ReadonlyRootFilesystem).toBe(false);
    expect(container.MountPoints).toBeUndefined();
    expect(task.Properties!.Volumes).toBeUndefined();
  });
});
