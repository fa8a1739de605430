/**
 * ImageCdn with `compute: OriginCompute.lambda()`: the synthesised CloudFormation (Node 22 on arm64,
 * a RESPONSE_STREAM function URL with AWS_IAM auth, an origin access control of origin type lambda,
 * invoke permissions scoped to this distribution, and no ECS, load balancer, VPC or NAT), the same
 * origin environment and S3 grant as the Fargate task's, the deadline and concurrency derived from
 * the function's props, cdk-nag, the CDK app's `compute` setting, and the Lambda asset that
 * `npx cdk synth -c compute=lambda` stages in cdk.out.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAppSettings } from '../../bin/app-settings.js';
import { ImageCdn, type ImageCdnProps, ImageCdnStack, ImageCdnValidationError, OriginCompute } from '../../lib/cdk/index.js';
import { nagAcknowledgements, nagFindings } from '../support/nag.js';

const run = promisify(execFile);
const REPOSITORY = path.resolve(import.meta.dirname, '../..');
type Resource = { Type: string; Properties: Record<string, any> };

let defaults: Template;
let defaultStack: ImageCdnStack;
let configuredStack: Stack;

beforeAll(() => {
  const app = new App();
  defaultStack = new ImageCdnStack(app, 'Lambda', { imageCdn: { compute: OriginCompute.lambda() } });
  configuredStack = new Stack(app, 'Configured', { env: { account: '111122223333', region: 'eu-west-1' } });
  new ImageCdn(configuredStack, 'Images', {
    compute: OriginCompute.lambda({ memorySize: 4096, reservedConcurrentExecutions: 50 }),
    domainName: 'images.example.com',
    certificate: acm.Certificate.fromCertificateArn(
      configuredStack,
      'Cert',
      'arn:aws:acm:us-east-1:111122223333:certificate/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7',
    ),
    originShieldRegion: 'eu-west-1',
    sourcePrefix: 'uploads/',
    decodedSourceLevels: true,
    grammars: ['cloudflare', 'imgix', 'cloudinary', 'imagekit'],
    variants: { thumb: 'width=120,height=120,fit=cover,format=auto' },
    signing: { secret: secretsmanager.Secret.fromSecretNameV2(configuredStack, 'SigningKeys', 'image-cdn/signing-keys'), exemptVariants: true },
  });
  app.synth();
  defaults = Template.fromStack(defaultStack);
}, 120_000);

const resourcesOf = (template: Template, type: string): Array<[string, Resource]> => Object.entries(template.findResources(type) as Record<string, Resource>);
const only = (template: Template, type: string): [string, Resource] => {
  const found = resourcesOf(template, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
const functionEnvironment = (template: Template): Record<string, unknown> => only(template, 'AWS::Lambda::Function')[1].Properties['Environment'].Variables;

describe('the Lambda origin', () => {
  it('runs Node.js 22 on arm64 with 2,048 MB, and a timeout that holds the deadline, the stop and the streaming of the largest answer', () => {
    defaults.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 2048,
      Handler: 'handler.handler',
      // 10 s deadline + 2 s to stop + 24 s to stream 50 MiB at 2 MB/s past the first 6 MB.
      Timeout: 36,
    });
    expect(functionEnvironment(defaults)).toMatchObject({
      IMAGE_CDN_REQUEST_TIMEOUT_MS: '10000',
      IMAGE_CDN_MAX_RESPONSE_BYTES: String(50 * 1024 * 1024),
      IMAGE_CDN_CONCURRENCY: '2',
      IMAGE_CDN_QUEUE_SIZE: '0',
      IMAGE_CDN_SOURCE_CACHE_MB: '256',
      // Off by default under Lambda, and set explicitly: a srcset burst spreads over instances.
      IMAGE_CDN_SOURCE_LEVELS: 'false',
      IMAGE_CDN_EMF: 'true',
      IMAGE_CDN_EMF_NAMESPACE: 'ImageCdn',
    });
  });

  it('is reached through a function URL with AWS_IAM auth in RESPONSE_STREAM mode', () => {
    const [functionId] = only(defaults, 'AWS::Lambda::Function');
    defaults.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'AWS_IAM',
      InvokeMode: 'RESPONSE_STREAM',
      TargetFunctionArn: { 'Fn::GetAtt': [functionId, 'Arn'] },
    });
  });

  it("is CloudFront's origin through an origin access control of origin type lambda that signs every request", () => {
    const [oacId] = only(defaults, 'AWS::CloudFront::OriginAccessControl');
    defaults.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 'lambda',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
        // Account-wide names: the region keeps the stack deployable in two regions.
        Name: { 'Fn::Join': ['', [Match.stringLikeRegexp('-$'), { Ref: 'AWS::Region' }]] },
      },
    });
    const [urlId] = only(defaults, 'AWS::Lambda::Url');
    const origin = only(defaults, 'AWS::CloudFront::Distribution')[1].Properties['DistributionConfig'].Origins[0];
    expect(origin).toMatchObject({
      DomainName: { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [urlId, 'FunctionUrl'] }] }] },
      OriginAccessControlId: { 'Fn::GetAtt': [oacId, 'Id'] },
      // The origin's deadline + 5 s, so its own 504 reaches the viewer.
      CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginReadTimeout: 15 },
    });
    expect(origin.VpcOriginConfig).toBeUndefined();
  });

  it('lets only this distribution invoke it, through the URL', () => {
    const [functionId] = only(defaults, 'AWS::Lambda::Function');
    const [urlId] = only(defaults, 'AWS::Lambda::Url');
    const [distributionId] = only(defaults, 'AWS::CloudFront::Distribution');
    const sourceArn = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: distributionId }]],
    };
    // The function's ARN, read from the function or from its URL.
    const theFunction = [{ 'Fn::GetAtt': [functionId, 'Arn'] }, { 'Fn::GetAtt': [urlId, 'FunctionArn'] }];
    const permissions = resourcesOf(defaults, 'AWS::Lambda::Permission').map(([, resource]) => resource.Properties);
    expect(
      permissions.map(({ FunctionName, ...rest }) => ({
        ...rest,
        ofTheFunction: theFunction.some((arn) => JSON.stringify(arn) === JSON.stringify(FunctionName)),
      })),
    ).toEqual(
      expect.arrayContaining([
        { Action: 'lambda:InvokeFunctionUrl', Principal: 'cloudfront.amazonaws.com', SourceArn: sourceArn, ofTheFunction: true },
        // Function URLs created since October 2025 need this one too.
        { Action: 'lambda:InvokeFunction', Principal: 'cloudfront.amazonaws.com', SourceArn: sourceArn, InvokedViaFunctionUrl: true, ofTheFunction: true },
      ]),
    );
    expect(permissions).toHaveLength(2);
  });

  it('creates no ECS, load balancer, VPC, NAT gateway or other network resource', () => {
    for (const type of [
      'AWS::ECS::Cluster',
      'AWS::ECS::Service',
      'AWS::ECS::TaskDefinition',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::ElasticLoadBalancingV2::Listener',
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      'AWS::EC2::VPC',
      'AWS::EC2::NatGateway',
      'AWS::EC2::SecurityGroup',
      'AWS::CloudFront::VpcOrigin',
    ]) {
      defaults.resourceCountIs(type, 0);
    }
    const types = Object.values(defaults.toJSON()['Resources'] as Record<string, Resource>).map((resource) => resource.Type);
    expect(types.filter((type) => /^AWS::(ECS|ElasticLoadBalancingV2|EC2|ApplicationAutoScaling)::/.test(type))).toEqual([]);
    expect(only(defaults, 'AWS::Lambda::Function')[1].Properties['VpcConfig']).toBeUndefined();
  });
});

describe('what the Lambda origin shares with the Fargate origin', () => {
  const props = (stack: Stack): ImageCdnProps => ({
    bucket: s3.Bucket.fromBucketName(stack, 'Sources', 'existing-images'),
    sourcePrefix: 'uploads/',
    grammars: ['cloudflare', 'imgix'],
    variants: { thumb: 'width=120,height=120,fit=cover,format=auto' },
    environment: { IMAGE_CDN_VERSION_PATTERN: '^/r[0-9]+/', IMAGE_CDN_MAX_PIXELS: '40000000' },
  });
  let fargate: Template;
  let lambda: Template;

  beforeAll(() => {
    // The same stack and construct names, so names derived from construct paths agree too.
    const fargateStack = new Stack(new App(), 'Images');
    new ImageCdn(fargateStack, 'Cdn', props(fargateStack));
    const lambdaStack = new Stack(new App(), 'Images');
    new ImageCdn(lambdaStack, 'Cdn', { ...props(lambdaStack), compute: OriginCompute.lambda() });
    fargate = Template.fromStack(fargateStack);
    lambda = Template.fromStack(lambdaStack);
  }, 120_000);

  it('gives the origin the environment the Fargate task gets, less what only a server or a container needs, and its own decoded-level default', () => {
    const container = only(fargate, 'AWS::ECS::TaskDefinition')[1].Properties['ContainerDefinitions'][0];
    const taskEnvironment = Object.fromEntries((container.Environment as Array<{ Name: string; Value: unknown }>).map(({ Name, Value }) => [Name, Value]));
    const serverOnly = ['PORT', 'IMAGE_CDN_LB_IDLE_TIMEOUT_MS', 'AWS_REGION'];
    // decodedSourceLevels defaults per compute: on where a srcset burst meets in one task, off where it spreads over instances.
    const perCompute = ['IMAGE_CDN_SOURCE_LEVELS'];
    const shared = Object.fromEntries(Object.entries(taskEnvironment).filter(([name]) => !serverOnly.includes(name) && !perCompute.includes(name)));
    expect(Object.keys(shared)).toEqual(
      expect.arrayContaining(['IMAGE_CDN_GRAMMARS', 'IMAGE_CDN_VARIANTS', 'IMAGE_CDN_CACHE_TAG_HEADER', 'IMAGE_CDN_S3_PREFIX', 'IMAGE_CDN_VERSION_PATTERN']),
    );
    expect(functionEnvironment(lambda)).toMatchObject(shared);
    expect([taskEnvironment['IMAGE_CDN_SOURCE_LEVELS'], functionEnvironment(lambda)['IMAGE_CDN_SOURCE_LEVELS']]).toEqual(['true', 'false']);
  });

  it('grants the function exactly the S3 read access the task role has', () => {
    const taskRoleId = only(fargate, 'AWS::ECS::TaskDefinition')[1].Properties['TaskRoleArn']['Fn::GetAtt'][0] as string;
    const functionRoleId = only(lambda, 'AWS::Lambda::Function')[1].Properties['Role']['Fn::GetAtt'][0] as string;
    const statementsOf = (template: Template, roleId: string) =>
      resourcesOf(template, 'AWS::IAM::Policy')
        .filter(([, policy]) => policy.Properties['Roles'].some((role: { Ref: string }) => role.Ref === roleId))
        .flatMap(([, policy]) => policy.Properties['PolicyDocument'].Statement);
    const read = statementsOf(lambda, functionRoleId);
    expect(read).toEqual(statementsOf(fargate, taskRoleId));
    expect(read.flatMap((statement: { Action: string | string[] }) => [statement.Action].flat()).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
  });
});

describe("the origin's deadline, concurrency and limits follow from the function's props", () => {
  const lambdaStack = (compute: OriginCompute, extra: ImageCdnProps = {}) => {
    const stack = new Stack(new App(), 'Sized');
    new ImageCdn(stack, 'Images', { compute, ...extra });
    return Template.fromStack(stack);
  };

  it('memory, timeout, response size and reserved concurrency', () => {
    const template = lambdaStack(
      OriginCompute.lambda({ memorySize: 4096, timeout: Duration.seconds(30), maxResponseSize: Size.mebibytes(20), reservedConcurrentExecutions: 50 }),
    );
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 4096, Timeout: 30, ReservedConcurrentExecutions: 50 });
    expect(functionEnvironment(template)).toMatchObject({
      // 30 s less 2 s to stop and 8 s to stream 20 MiB past the first 6 MB at 2 MB/s.
      IMAGE_CDN_REQUEST_TIMEOUT_MS: '20000',
      // 4,096 MB buys ⌈4096 / 1769⌉ = 3 vCPUs.
      IMAGE_CDN_CONCURRENCY: '3',
      IMAGE_CDN_SOURCE_CACHE_MB: '512',
      IMAGE_CDN_MAX_RESPONSE_BYTES: String(20 * 1024 * 1024),
    });
    expect(only(template, 'AWS::CloudFront::Distribution')[1].Properties['DistributionConfig'].Origins[0].CustomOriginConfig.OriginReadTimeout).toBe(25);
  });

  it('a requestTimeout sets the deadline, and the timeout follows from it', () => {
    const template = lambdaStack(OriginCompute.lambda(), { requestTimeout: Duration.seconds(20) });
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 46 });
    expect(functionEnvironment(template)['IMAGE_CDN_REQUEST_TIMEOUT_MS']).toBe('20000');
  });

  it('decodedSourceLevels on ImageCdn reaches the function', () => {
    expect(functionEnvironment(Template.fromStack(configuredStack))['IMAGE_CDN_SOURCE_LEVELS']).toBe('true');
    expect(functionEnvironment(lambdaStack(OriginCompute.lambda(), { decodedSourceLevels: false }))['IMAGE_CDN_SOURCE_LEVELS']).toBe('false');
  });

  it("reads the signing keys from Secrets Manager with the function's own role, never from its configuration", () => {
    const template = Template.fromStack(configuredStack);
    const environment = functionEnvironment(template);
    expect(environment['IMAGE_CDN_SIGNING_KEYS']).toBeUndefined();
    expect(JSON.stringify(environment['IMAGE_CDN_SIGNING_KEYS_SECRET'])).toContain(':secret:image-cdn/signing-keys');
    expect(environment).toMatchObject({ IMAGE_CDN_SIGNING: 'required', IMAGE_CDN_SIGNING_EXEMPT_VARIANTS: 'true', IMAGE_CDN_S3_PREFIX: 'uploads/' });
    const functionRoleId = only(template, 'AWS::Lambda::Function')[1].Properties['Role']['Fn::GetAtt'][0] as string;
    const statements = resourcesOf(template, 'AWS::IAM::Policy')
      .filter(([, policy]) => policy.Properties['Roles'].some((role: { Ref: string }) => role.Ref === functionRoleId))
      .flatMap(([, policy]) => policy.Properties['PolicyDocument'].Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const secretRead = statements.find((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(JSON.stringify(secretRead?.Resource)).toContain(':secret:image-cdn/signing-keys-??????');
  });
});

describe('props that cannot be used stop synth, naming the value', () => {
  function expectInvalid(props: (stack: Stack) => ImageCdnProps, ...fragments: string[]): void {
    let error: unknown;
    try {
      const stack = new Stack(new App(), 'Invalid');
      new ImageCdn(stack, 'Images', props(stack));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ImageCdnValidationError);
    for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
  }
  const lambda = (props?: Parameters<typeof OriginCompute.lambda>[0]) => OriginCompute.lambda(props);

  it('a Fargate setting under Lambda', () => {
    expectInvalid(() => ({ compute: lambda(), cpu: 2048 }), 'cpu 2048 applies to the Fargate origin only');
    expectInvalid(() => ({ compute: lambda(), minTasks: 3 }), 'minTasks 3');
    expectInvalid(() => ({ compute: lambda(), loadBalancerIdleTimeout: Duration.seconds(90) }), 'loadBalancerIdleTimeout 1 minute 30 seconds');
    expectInvalid((stack) => ({ compute: lambda(), vpc: new ec2.Vpc(stack, 'Network') }), 'vpc (Invalid/Network)');
    expectInvalid(() => ({ compute: lambda(), cloudFrontPrefixListId: 'pl-4fa04526' }), "cloudFrontPrefixListId 'pl-4fa04526'");
  });

  it('a deadline given twice, or a timeout that leaves none', () => {
    expectInvalid(
      () => ({ compute: lambda({ timeout: Duration.seconds(30) }), requestTimeout: Duration.seconds(20) }),
      'requestTimeout 20 seconds and timeout 30 seconds both set',
    );
    expectInvalid(
      () => ({ compute: lambda({ timeout: Duration.seconds(20) }) }),
      'timeout 20 seconds leaves the origin no deadline',
      '26 s after the deadline',
    );
    expectInvalid(() => ({ compute: lambda({ timeout: Duration.minutes(20) }) }), "at most Lambda's 15 minutes");
  });

  it('memory, response size and reserved concurrency out of range', () => {
    expectInvalid(() => ({ compute: lambda({ memorySize: 100 }) }), 'memorySize 100');
    expectInvalid(() => ({ compute: lambda({ maxResponseSize: Size.mebibytes(300) }) }), 'maxResponseSize 314572800 bytes', '200 MB');
    expectInvalid(() => ({ compute: lambda({ reservedConcurrentExecutions: 0 }) }), 'reservedConcurrentExecutions 0');
    expectInvalid(() => ({ compute: lambda(), decodedSourceMemory: Size.mebibytes(1536) }), 'decodedSourceMemory 1536 MiB', 'memorySize 2048');
  });

  it("settings the construct owns in environment, and an environment over Lambda's 4 KB", () => {
    expectInvalid(() => ({ compute: lambda(), environment: { IMAGE_CDN_CONCURRENCY: '8' } }), 'environment sets IMAGE_CDN_CONCURRENCY', 'memorySize');
    expectInvalid(() => ({ compute: lambda(), environment: { IMAGE_CDN_MAX_RESPONSE_BYTES: '1' } }), 'environment sets IMAGE_CDN_MAX_RESPONSE_BYTES');
    expectInvalid(
      () => ({ compute: lambda(), environment: { IMAGE_CDN_SOURCE_LEVELS: 'true' } }),
      'environment sets IMAGE_CDN_SOURCE_LEVELS',
      'decodedSourceLevels',
    );
    expectInvalid(
      () => ({ compute: lambda(), environment: { IMAGE_CDN_SIGNING_KEYS: 'a-secret-key-in-plain-text' } }),
      'IMAGE_CDN_SIGNING_KEYS',
      'signing.secret',
    );
    const variants = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`variant-${i}`, `width=${100 + i},height=${100 + i},fit=cover,format=auto`]));
    expectInvalid(() => ({ compute: lambda(), variants }), "over Lambda's 4 KB", 'IMAGE_CDN_VARIANTS');
  });

  it('a Fargate setting given both on ImageCdn and in OriginCompute.fargate()', () => {
    expectInvalid(
      () => ({ compute: OriginCompute.fargate({ cpu: 512 }), cpu: 1024 }),
      'cpu is given twice, 1024 on ImageCdn and 512 in OriginCompute.fargate()',
    );
  });

  it('takes the Fargate settings in OriginCompute.fargate() as it takes them on ImageCdn', () => {
    const stack = new Stack(new App(), 'Sized');
    const cdn = new ImageCdn(stack, 'Images', { compute: OriginCompute.fargate({ cpu: 2048, memoryLimitMiB: 4096, minTasks: 1 }) });
    expect(cdn.compute).toBe('fargate');
    expect([cdn.originFunction, cdn.lambdaOrigin]).toEqual([undefined, undefined]);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::ECS::TaskDefinition', { Cpu: '2048', Memory: '4096' });
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 1 });
  });
});

describe('what ImageCdn exposes under Lambda', () => {
  it('the compute, the function and its log group; no service, load balancer or VPC origin', () => {
    const cdn = defaultStack.imageCdn;
    expect(cdn.compute).toBe('lambda');
    expect(cdn.originFunction).toBe(cdn.lambdaOrigin?.function);
    expect(cdn.originLogGroup).toBe(cdn.lambdaOrigin?.logGroup);
    expect(cdn.requestTimeout.toSeconds()).toBe(10);
    expect([cdn.originService, cdn.service, cdn.loadBalancer, cdn.vpcOrigin]).toEqual([undefined, undefined, undefined, undefined]);
    expect(defaultStack.templateOptions.description).toBe('image-cdn: CloudFront + sharp origin on AWS Lambda + S3 sources');
  });
});

describe('AwsSolutions (cdk-nag) on the Lambda origin', () => {
  const findings = nagFindings;
  const acknowledgements = nagAcknowledgements;

  it.each([
    ['the default stack', () => defaultStack as Stack],
    ['a stack with domain, Origin Shield, every grammar and signing', () => configuredStack],
  ])('%s: no unacknowledged finding, and each acknowledgement matches a finding and gives its reason', (_name, stack) => {
    expect(findings(stack(), true)).toEqual([]);
    const all = findings(stack(), false);
    const acks = acknowledgements(stack());
    expect(acks.map((ack) => ack.rule)).toEqual(
      expect.arrayContaining(['AwsSolutions-L1', 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]']),
    );
    for (const ack of acks) {
      expect(
        all.filter((finding) => finding.rule === ack.rule && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`))),
        `${ack.rule} at ${ack.path}`,
      ).not.toEqual([]);
      expect(ack.reason.length, `${ack.rule} at ${ack.path}`).toBeGreaterThanOrEqual(40);
    }
  });
});

describe("the CDK app's compute setting", () => {
  const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];

  it('reads -c compute=lambda and IMAGE_CDN_COMPUTE, and leaves the default stack untouched', () => {
    expect(readAppSettings(contextOf({ compute: 'lambda' }), {}).stackProps.imageCdn?.compute?.kind).toBe('lambda');
    expect(readAppSettings(() => undefined, { IMAGE_CDN_COMPUTE: 'fargate' }).stackProps.imageCdn?.compute?.kind).toBe('fargate');
    expect(readAppSettings(() => undefined, {}).stackProps.imageCdn).toEqual({});
  });

  it('refuses another compute, and a Fargate setting with lambda, naming them', () => {
    expect(() => readAppSettings(contextOf({ compute: 'ec2' }), {})).toThrow(
      /compute \(context\) \/ IMAGE_CDN_COMPUTE \(environment\) must be 'fargate' or 'lambda', got 'ec2'/,
    );
    expect(() => readAppSettings(contextOf({ compute: 'lambda', taskCpu: '2048' }), {})).toThrow(/taskCpu \(context\).*Fargate origin.*'lambda'/);
    expect(() => readAppSettings(() => undefined, { IMAGE_CDN_COMPUTE: 'lambda', IMAGE_CDN_VPC_ID: 'vpc-0123' })).toThrow(/IMAGE_CDN_VPC_ID/);
  });
});

describe('npx cdk synth -c compute=lambda', () => {
  let outdir: string;
  let output: string;
  let template: { Resources: Record<string, Resource> };
  let asset: string;

  beforeAll(async () => {
    outdir = await mkdtemp(path.join(tmpdir(), 'image-cdn-lambda-cli-'));
    const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' };
    for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION']) delete env[name];
    const { stdout, stderr } = await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-c', 'compute=lambda', '-c', 'nag=true', '-o', outdir], {
      env,
      cwd: REPOSITORY,
    });
    output = `${stdout}\n${stderr}`;
    template = JSON.parse(await readFile(path.join(outdir, 'ImageCdn.template.json'), 'utf8'));
    // The function's code is the zip of a staged directory; the asset manifest names it.
    const code = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function')!.Properties['Code'];
    const hash = (code.S3Key as string).replace(/\.zip$/, '');
    const manifest = JSON.parse(await readFile(path.join(outdir, 'ImageCdn.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string; packaging: string } }>;
    };
    expect(manifest.files[hash]!.source.packaging).toBe('zip');
    asset = path.join(outdir, manifest.files[hash]!.source.path);
  }, 240_000);

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it('synthesises a stack with no ECS, load balancer or NAT, cdk-nag passing', () => {
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types).toContain('AWS::Lambda::Url');
    expect(types.filter((type) => /^AWS::(ECS|ElasticLoadBalancingV2|EC2)::/.test(type))).toEqual([]);
    expect(output).not.toMatch(/AwsSolutions-/);
  });

  it("stages the bundle and sharp's linux-arm64 packages, every native file an AArch64 ELF", async () => {
    expect((await readdir(asset)).sort()).toEqual([
      'handler.mjs',
      'handler.mjs.LEGAL.txt',
      'handler.mjs.map',
      'node_modules',
      'package-lock.json',
      'package.json',
    ]);
    const bundle = await readFile(path.join(asset, 'handler.mjs'), 'utf8');
    expect(/from\s*"sharp"/.test(bundle), 'sharp is imported from node_modules').toBe(true);
    expect(/from\s*"(pino|prom-client|@aws-sdk\/[a-z-]+)"/.test(bundle), 'nothing else is left external').toBe(false);
    const img = await readdir(path.join(asset, 'node_modules', '@img'));
    expect(img).toEqual(expect.arrayContaining(['sharp-linux-arm64', 'sharp-libvips-linux-arm64']));
    expect(img.filter((name) => /x64|darwin|win32|musl|wasm/.test(name))).toEqual([]);

    const natives = (await readdir(asset, { recursive: true })).filter((file) => /\.node$|\.so(\.\d+)*$/.test(file));
    expect(natives.length).toBeGreaterThanOrEqual(2);
    for (const file of natives) expect(await elfMachine(path.join(asset, file)), file).toBe('ELF64 LE machine 0xb7');
  });

  it("installs the lockfile's production tree for linux, arm64 and glibc, and nothing else", async () => {
    const lock = JSON.parse(await readFile(path.join(asset, 'package-lock.json'), 'utf8')) as Lockfile;
    const installed = await installedPackages(path.join(asset, 'node_modules'));
    expect(installed.sort()).toEqual([...productionTree(lock, { os: 'linux', cpu: 'arm64', libc: 'glibc' })].sort());
    for (const name of installed) expect(lock.packages[`node_modules/${name}`]?.dev, name).toBeUndefined();
  });
});

/** The ELF class, byte order and e_machine of a file, as `file` would report them (0xb7 is AArch64, 0x3e x86-64). */
async function elfMachine(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { buffer } = await handle.read(Buffer.alloc(20), 0, 20, 0);
    if (!buffer.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return 'not ELF';
    const width = buffer[4] === 2 ? 'ELF64' : 'ELF32';
    const order = buffer[5] === 1 ? 'LE' : 'BE';
    const machine = order === 'LE' ? buffer.readUInt16LE(18) : buffer.readUInt16BE(18);
    return `${width} ${order} machine 0x${machine.toString(16)}`;
  } finally {
    await handle.close();
  }
}

interface LockEntry {
  dev?: boolean;
  os?: string[];
  cpu?: string[];
  libc?: string[];
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}
interface Lockfile {
  packages: Record<string, LockEntry>;
}

/** What `npm ci --omit=dev` installs for a platform: the root's dependencies, transitively, less packages for other platforms. */
function productionTree(lock: Lockfile, platform: { os: string; cpu: string; libc: string }): Set<string> {
  const fits = (entry: LockEntry) =>
    (!entry.os || entry.os.includes(platform.os)) && (!entry.cpu || entry.cpu.includes(platform.cpu)) && (!entry.libc || entry.libc.includes(platform.libc));
  const names = new Set<string>();
  const visit = (entry: LockEntry) => {
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      const dependency = lock.packages[`node_modules/${name}`];
      if (!dependency || dependency.dev || names.has(name) || !fits(dependency)) continue;
      names.add(name);
      visit(dependency);
    }
  };
  visit(lock.packages['']!);
  return names;
}

async function installedPackages(nodeModules: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    if (entry.name.startsWith('@')) {
      for (const scoped of await readdir(path.join(nodeModules, entry.name))) names.push(`${entry.name}/${scoped}`);
    } else names.push(entry.name);
  }
  return names;
}
