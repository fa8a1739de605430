/**
 * The `cdk deploy` app: its settings from context and environment variables, and the app
 * itself run the way the CDK CLI runs it (CDK_OUTDIR, CDK_CONTEXT_JSON), with no AWS account.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppSettingsError, readAppSettings } from '../../bin/app-settings.js';

const run = promisify(execFile);
const noContext = () => undefined;
const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];

describe('readAppSettings', () => {
  it("defaults to an environment-agnostic stack named ImageCdn with ImageCdn's own defaults", () => {
    expect(readAppSettings(noContext, {})).toEqual({ stackName: 'ImageCdn', stackProps: { imageCdn: {} } });
  });

  it('reads every setting from IMAGE_CDN_* environment variables', () => {
    const settings = readAppSettings(noContext, {
      IMAGE_CDN_STACK_NAME: 'Images-Prod',
      IMAGE_CDN_BUCKET_NAME: 'my-images',
      IMAGE_CDN_SOURCE_PREFIX: 'uploads/',
      IMAGE_CDN_DOMAIN_NAME: 'img.example.com',
      IMAGE_CDN_CERTIFICATE_ARN: 'arn:aws:acm:us-east-1:111122223333:certificate/abc',
      IMAGE_CDN_ORIGIN_SHIELD_REGION: 'eu-central-1',
      IMAGE_CDN_TASK_CPU: '2048',
      IMAGE_CDN_TASK_MEMORY: '4096',
      IMAGE_CDN_MIN_TASKS: '3',
      IMAGE_CDN_MAX_TASKS: '12',
    });
    expect(settings).toEqual({
      stackName: 'Images-Prod',
      stackProps: {
        bucketName: 'my-images',
        certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/abc',
        imageCdn: {
          sourcePrefix: 'uploads/',
          domainName: 'img.example.com',
          originShieldRegion: 'eu-central-1',
          cpu: 2048,
          memoryLimitMiB: 4096,
          minTasks: 3,
          maxTasks: 12,
        },
      },
    });
  });

  it('lets context win over the environment, and accepts numbers from cdk.json', () => {
    const settings = readAppSettings(contextOf({ bucketName: 'from-context', taskCpu: 512, taskMemory: '1024' }), {
      IMAGE_CDN_BUCKET_NAME: 'from-env',
      IMAGE_CDN_TASK_CPU: '4096',
    });
    expect(settings.stackProps.bucketName).toBe('from-context');
    expect(settings.stackProps.imageCdn).toEqual({ cpu: 512, memoryLimitMiB: 1024 });
  });

  it('ignores empty values', () => {
    expect(readAppSettings(contextOf({ domainName: '' }), { IMAGE_CDN_BUCKET_NAME: '  ' })).toEqual({ stackName: 'ImageCdn', stackProps: { imageCdn: {} } });
  });

  it('rejects a count or size that is not a whole number, naming the setting and value', () => {
    expect(() => readAppSettings(contextOf({ minTasks: 'two' }), {})).toThrow(AppSettingsError);
    expect(() => readAppSettings(contextOf({ minTasks: 'two' }), {})).toThrow(/minTasks.*'two'/);
    expect(() => readAppSettings(noContext, { IMAGE_CDN_TASK_MEMORY: '2GB' })).toThrow(/IMAGE_CDN_TASK_MEMORY.*'2GB'/);
    expect(() => readAppSettings(contextOf({ bucketName: { name: 'x' } }), {})).toThrow(/bucketName/);
  });

  it('uses a concrete environment only when asked, or when an existing VPC must be looked up', () => {
    expect(readAppSettings(noContext, { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-west-1' }).stackProps.env).toBeUndefined();
    expect(
      readAppSettings(contextOf({ vpcId: 'vpc-0abc1234' }), { CDK_DEFAULT_ACCOUNT: '111122223333', CDK_DEFAULT_REGION: 'eu-west-1' }).stackProps,
    ).toMatchObject({ vpcId: 'vpc-0abc1234', env: { account: '111122223333', region: 'eu-west-1' } });
    expect(readAppSettings(contextOf({ account: '444455556666', region: 'us-west-2' }), {}).stackProps.env).toEqual({
      account: '444455556666',
      region: 'us-west-2',
    });
  });
});

describe('readAppSettings: URL grammars, variants, signing and cache tags', () => {
  it('reads them from IMAGE_CDN_* environment variables', () => {
    const settings = readAppSettings(noContext, {
      IMAGE_CDN_GRAMMARS: 'cloudflare, imagekit',
      IMAGE_CDN_IMAGEKIT_ENDPOINT: '/my_imagekit_id/',
      IMAGE_CDN_VARIANTS: '{"thumb": "width=120,height=120,fit=cover"}',
      IMAGE_CDN_ONLY_VARIANTS: 'true',
      IMAGE_CDN_SIGNING_SECRET: 'image-cdn/signing-keys',
      IMAGE_CDN_SIGNING: 'optional',
      IMAGE_CDN_SIGNING_EXEMPT_VARIANTS: '1',
      IMAGE_CDN_CACHE_TAGS: 'false',
    });
    expect(settings.stackProps).toEqual({
      signing: { secret: 'image-cdn/signing-keys', mode: 'optional', exemptVariants: true },
      imageCdn: {
        grammars: ['cloudflare', 'imagekit'],
        imagekitEndpoint: '/my_imagekit_id/',
        variants: { thumb: 'width=120,height=120,fit=cover' },
        onlyVariants: true,
        cacheTags: false,
      },
    });
  });

  it('takes lists, objects and booleans as cdk.json holds them', () => {
    const settings = readAppSettings(contextOf({ grammars: ['cloudflare', 'imgix'], variants: { hero: 'width=1600' }, onlyVariants: false }), {});
    expect(settings.stackProps.imageCdn).toEqual({ grammars: ['cloudflare', 'imgix'], variants: { hero: 'width=1600' }, onlyVariants: false });
  });

  it('reads variants from a JSON file, relative to the working directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'image-cdn-variants-'));
    try {
      await writeFile(path.join(dir, 'variants.json'), '{"avatar": "width=64,height=64,fit=cover,format=auto"}');
      expect(readAppSettings(contextOf({ variants: 'variants.json' }), {}, dir).stackProps.imageCdn?.variants).toEqual({
        avatar: 'width=64,height=64,fit=cover,format=auto',
      });
      expect(() => readAppSettings(contextOf({ variants: 'missing.json' }), {}, dir)).toThrow(/variants.*missing\.json.*ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects values it cannot use, naming the setting and the value', () => {
    expect(() => readAppSettings(noContext, { IMAGE_CDN_GRAMMARS: 'cloudflare,akamai' })).toThrow(/IMAGE_CDN_GRAMMARS.*'akamai'/);
    expect(() => readAppSettings(contextOf({ onlyVariants: 'maybe' }), {})).toThrow(/onlyVariants.*'maybe'/);
    expect(() => readAppSettings(contextOf({ variants: '{"thumb": ' }), {})).toThrow(/variants.*not valid JSON/);
    expect(() => readAppSettings(contextOf({ variants: ['thumb'] }), {})).toThrow(/variants.*JSON object/);
    expect(() => readAppSettings(noContext, { IMAGE_CDN_SIGNING: 'required' })).toThrow(/IMAGE_CDN_SIGNING .*needs.*IMAGE_CDN_SIGNING_SECRET/);
    expect(() => readAppSettings(contextOf({ signingSecret: 'keys', signing: 'always' }), {})).toThrow(/signing.*'always'/);
    expect(() => readAppSettings(noContext, {})).not.toThrow();
  });
});

describe('bin/app.ts', () => {
  let outdir: string;
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

  beforeAll(async () => {
    outdir = await mkdtemp(path.join(tmpdir(), 'image-cdn-app-'));
    const context = {
      stackName: 'ImagesFromContext',
      bucketName: 'existing-images',
      domainName: 'images.example.com',
      certificateArn: 'arn:aws:acm:us-east-1:111122223333:certificate/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7',
      originShieldRegion: 'us-east-2',
      taskCpu: '512',
      taskMemory: '2048',
      minTasks: '1',
      maxTasks: '4',
      grammars: 'cloudflare,cloudinary',
      variants: '{"thumb":"width=120,height=120,fit=cover,format=auto"}',
      onlyVariants: 'true',
      signingSecret: 'image-cdn/signing-keys',
    };
    const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) };
    // No credentials and no account: the app must synthesise without either.
    for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION']) delete env[name];
    await run(process.execPath, ['--import', 'tsx', 'bin/app.ts'], { env, cwd: path.resolve(import.meta.dirname, '../..') });
    template = JSON.parse(await readFile(path.join(outdir, 'ImagesFromContext.template.json'), 'utf8'));
  }, 120_000);

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  const ofType = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type);

  it('builds the stack from context: existing bucket, custom domain, Origin Shield, task size and counts', () => {
    const distribution = ofType('AWS::CloudFront::Distribution')[0]!.Properties.DistributionConfig;
    expect(distribution.Aliases).toEqual(['images.example.com']);
    expect(distribution.ViewerCertificate.MinimumProtocolVersion).toBe('TLSv1.2_2021');
    expect(distribution.Origins[0].OriginShield).toEqual({ Enabled: true, OriginShieldRegion: 'us-east-2' });
    const task = ofType('AWS::ECS::TaskDefinition')[0]!.Properties;
    expect([task.Cpu, task.Memory]).toEqual(['512', '2048']);
    expect(ofType('AWS::ApplicationAutoScaling::ScalableTarget')[0]!.Properties).toMatchObject({ MinCapacity: 1, MaxCapacity: 4 });
    expect(ofType('AWS::S3::Bucket').length).toBe(1);
    const env = task.ContainerDefinitions[0].Environment.find((e: { Name: string }) => e.Name === 'IMAGE_CDN_S3_BUCKET');
    expect(env.Value).toBe('existing-images');
  });

  it('passes grammars, variants and the signing secret from context through to the origin and the edge', () => {
    const container = ofType('AWS::ECS::TaskDefinition')[0]!.Properties.ContainerDefinitions[0];
    const env = Object.fromEntries(container.Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]));
    expect(env).toMatchObject({ IMAGE_CDN_GRAMMARS: 'cloudflare,cloudinary', IMAGE_CDN_ONLY_VARIANTS: 'true', IMAGE_CDN_SIGNING: 'required' });
    expect(JSON.parse(env.IMAGE_CDN_VARIANTS)).toEqual({ thumb: 'width=120,height=120,fit=cover,format=auto' });
    expect(container.Secrets).toHaveLength(1);
    expect(container.Secrets[0].Name).toBe('IMAGE_CDN_SIGNING_KEYS');
    expect(JSON.stringify(container.Secrets[0].ValueFrom)).toContain(':secret:image-cdn/signing-keys');
    const code = ofType('AWS::CloudFront::Function')[0]!.Properties.FunctionCode as string;
    // The Cloudinary grammar's table of keys, from the origin's module.
    expect(code).toContain('"a ac af ar b bo br c');
    expect(code).toContain('autoVariants: ["thumb"]');
    expect(ofType('AWS::CloudFront::CachePolicy')[0]!.Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig).toEqual({
      QueryStringBehavior: 'whitelist',
      QueryStrings: ['sig', 'expires'],
    });
  });
});

describe('npx cdk synth (the CLI, reading cdk.json)', () => {
  const repository = path.resolve(import.meta.dirname, '../..');
  let outdir: string;
  let output: string;
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

  beforeAll(async () => {
    outdir = await mkdtemp(path.join(tmpdir(), 'image-cdn-cli-'));
    const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' };
    for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION']) delete env[name];
    // -c nag=true: cdk-nag's AwsSolutions pack runs over the stack as the flags shape it, and fails synth on a finding.
    const { stdout, stderr } = await run('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-c', 'nag=true', '-o', outdir], { env, cwd: repository });
    output = `${stdout}\n${stderr}`;
    template = JSON.parse(await readFile(path.join(outdir, 'ImageCdn.template.json'), 'utf8'));
  }, 180_000);

  afterAll(async () => {
    await rm(outdir, { recursive: true, force: true });
  });

  it('sets every feature flag aws-cdk-lib recommends, so the CLI reports none unconfigured', async () => {
    expect(output).not.toMatch(/feature flags? (are|is) not configured/i);
    const { CURRENTLY_RECOMMENDED_FLAGS } = await import('aws-cdk-lib/cx-api');
    const cdkJson = JSON.parse(await readFile(path.join(repository, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    expect(cdkJson.context).toMatchObject(CURRENTLY_RECOMMENDED_FLAGS);
  });

  it('synthesises with the flags applied and cdk-nag passing', () => {
    const types = Object.values(template.Resources).map((r) => r.Type);
    // @aws-cdk/aws-ec2:restrictDefaultSecurityGroup: the new VPC's default security group loses its rules.
    expect(types).toContain('Custom::VpcRestrictDefaultSG');
    // @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy: S3 server access logs by bucket policy, not the log-delivery ACL.
    const logBuckets = Object.values(template.Resources).filter((r) => r.Type === 'AWS::S3::Bucket' && r.Properties.AccessControl !== undefined);
    expect(logBuckets).toEqual([]);
    expect(output).not.toMatch(/AwsSolutions-/);
  });
});
