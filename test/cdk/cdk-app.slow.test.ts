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
const REPOSITORY = path.resolve(import.meta.dirname, '../..');
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
      IMAGE_CDN_SOURCE_LEVELS: 'off',
    });
    expect(settings.stackProps).toEqual({
      signing: { secret: 'image-cdn/signing-keys', mode: 'optional', exemptVariants: true },
      imageCdn: {
        grammars: ['cloudflare', 'imagekit'],
        imagekitEndpoint: '/my_imagekit_id/',
        variants: { thumb: 'width=120,height=120,fit=cover' },
        onlyVariants: true,
        cacheTags: false,
        decodedSourceLevels: false,
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
    expect(() => readAppSettings(contextOf({ sourceLevels: 'sometimes' }), {})).toThrow(/sourceLevels.*IMAGE_CDN_SOURCE_LEVELS.*'sometimes'/);
    expect(() => readAppSettings(contextOf({ variants: '{"thumb": ' }), {})).toThrow(/variants.*not valid JSON/);
    expect(() => readAppSettings(contextOf({ variants: ['thumb'] }), {})).toThrow(/variants.*JSON object/);
    expect(() => readAppSettings(noContext, { IMAGE_CDN_SIGNING: 'required' })).toThrow(/IMAGE_CDN_SIGNING .*needs.*IMAGE_CDN_SIGNING_SECRET/);
    expect(() => readAppSettings(contextOf({ signingSecret: 'keys', signing: 'always' }), {})).toThrow(/signing.*'always'/);
    expect(() => readAppSettings(noContext, {})).not.toThrow();
  });
});

describe('readAppSettings: monitoring, alarm topic and cache hit rate floor', () => {
  const topicArn = 'arn:aws:sns:us-east-1:111122223333:image-cdn-alarms';

  it('reads them from IMAGE_CDN_* environment variables', () => {
    expect(readAppSettings(noContext, { IMAGE_CDN_ALARM_TOPIC_ARN: topicArn, IMAGE_CDN_CACHE_HIT_RATE_FLOOR: '70' }).stackProps).toEqual({
      alarmTopicArn: topicArn,
      imageCdn: { monitoring: { cacheHitRateFloor: 70 } },
    });
    expect(readAppSettings(noContext, { IMAGE_CDN_ALARM_EMAIL: 'ops@example.com' }).stackProps).toEqual({ alarmEmail: 'ops@example.com', imageCdn: {} });
    expect(readAppSettings(noContext, { IMAGE_CDN_MONITORING: 'off' }).stackProps).toEqual({ imageCdn: { monitoring: false } });
  });

  it('takes -c text and cdk.json numbers and booleans; monitoring=true is the default', () => {
    expect(readAppSettings(contextOf({ monitoring: 'false' }), {}).stackProps.imageCdn).toEqual({ monitoring: false });
    expect(readAppSettings(contextOf({ monitoring: false }), {}).stackProps.imageCdn).toEqual({ monitoring: false });
    expect(readAppSettings(contextOf({ monitoring: 'true' }), {}).stackProps).toEqual({ imageCdn: {} });
    expect(readAppSettings(contextOf({ cacheHitRateFloor: 62.5 }), {}).stackProps.imageCdn).toEqual({ monitoring: { cacheHitRateFloor: 62.5 } });
    // Context wins over the environment, as for every setting.
    expect(readAppSettings(contextOf({ monitoring: 'yes', alarmEmail: 'pager@example.com' }), { IMAGE_CDN_MONITORING: 'false' }).stackProps).toEqual({
      alarmEmail: 'pager@example.com',
      imageCdn: {},
    });
  });

  it('rejects values it cannot use, naming the setting, where it comes from and the value', () => {
    expect(() => readAppSettings(contextOf({ monitoring: 'sometimes' }), {})).toThrow(
      /monitoring \(context\) \/ IMAGE_CDN_MONITORING \(environment\).*'sometimes'/,
    );
    expect(() => readAppSettings(contextOf({ alarmTopicArn: 'arn:aws:sqs:us-east-1:111122223333:alarms' }), {})).toThrow(AppSettingsError);
    expect(() => readAppSettings(contextOf({ alarmTopicArn: 'arn:aws:sqs:us-east-1:111122223333:alarms' }), {})).toThrow(
      /alarmTopicArn \(context\) \/ IMAGE_CDN_ALARM_TOPIC_ARN \(environment\) must be an SNS topic ARN.*'arn:aws:sqs:us-east-1:111122223333:alarms'/,
    );
    expect(() => readAppSettings(noContext, { IMAGE_CDN_ALARM_TOPIC_ARN: 'image-cdn-alarms' })).toThrow(/IMAGE_CDN_ALARM_TOPIC_ARN.*'image-cdn-alarms'/);
    expect(() => readAppSettings(noContext, { IMAGE_CDN_ALARM_TOPIC_ARN: 'arn:aws:sns:us-east-1:1111:alarms' })).toThrow(/'arn:aws:sns:us-east-1:1111:alarms'/);
    expect(() => readAppSettings(noContext, { IMAGE_CDN_ALARM_EMAIL: 'ops at example.com' })).toThrow(
      /IMAGE_CDN_ALARM_EMAIL.*email address.*'ops at example.com'/,
    );
    for (const floor of ['0', '100.5', '-5', 'high', '80%']) {
      expect(() => readAppSettings(contextOf({ cacheHitRateFloor: floor }), {})).toThrow(
        new RegExp(`cacheHitRateFloor.*IMAGE_CDN_CACHE_HIT_RATE_FLOOR.*percentage.*'${floor}'`),
      );
    }
    expect(readAppSettings(contextOf({ cacheHitRateFloor: '100' }), {}).stackProps.imageCdn).toEqual({ monitoring: { cacheHitRateFloor: 100 } });
  });

  it('refuses both a topic ARN and an email, naming both', () => {
    expect(() => readAppSettings(contextOf({ alarmTopicArn: topicArn }), { IMAGE_CDN_ALARM_EMAIL: 'ops@example.com' })).toThrow(
      /alarmTopicArn \(context\) \/ IMAGE_CDN_ALARM_TOPIC_ARN \(environment\).*and alarmEmail \(context\) \/ IMAGE_CDN_ALARM_EMAIL \(environment\).*set one of them/,
    );
  });

  it('refuses a topic, an email or a floor with monitoring off', () => {
    expect(() => readAppSettings(contextOf({ monitoring: 'false', alarmEmail: 'ops@example.com' }), {})).toThrow(
      /alarmEmail \(context\) \/ IMAGE_CDN_ALARM_EMAIL \(environment\) is a setting of the dashboard and alarms, but monitoring.*is off/,
    );
    expect(() => readAppSettings(noContext, { IMAGE_CDN_MONITORING: '0', IMAGE_CDN_ALARM_TOPIC_ARN: topicArn })).toThrow(
      /IMAGE_CDN_ALARM_TOPIC_ARN.*IMAGE_CDN_MONITORING/,
    );
    expect(() => readAppSettings(contextOf({ monitoring: 'no', cacheHitRateFloor: '70' }), {})).toThrow(/cacheHitRateFloor.*monitoring/);
  });
});

interface SynthesizedTemplate {
  Resources: Record<string, { Type: string; Properties: Record<string, any>; Condition?: string }>;
  Outputs?: Record<string, { Value: unknown }>;
}

/**
 * Runs bin/app.ts the way the CDK CLI runs it (CDK_OUTDIR, CDK_CONTEXT_JSON), with no credentials
 * and no account, and returns the stack's template. `env` adds environment variables.
 */
async function synthApp(context: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, stackName = 'ImageCdn'): Promise<SynthesizedTemplate> {
  const outdir = await mkdtemp(path.join(tmpdir(), 'image-cdn-app-'));
  try {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) };
    // No credentials and no account: the app must synthesise without either.
    for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION']) delete childEnv[name];
    await run(process.execPath, ['--import', 'tsx', 'bin/app.ts'], { env: childEnv, cwd: REPOSITORY });
    return JSON.parse(await readFile(path.join(outdir, `${stackName}.template.json`), 'utf8')) as SynthesizedTemplate;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

const resourcesOf = (template: SynthesizedTemplate, type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe('bin/app.ts', () => {
  const topicArn = 'arn:aws:sns:us-east-1:111122223333:image-cdn-alarms';
  let template: SynthesizedTemplate;

  beforeAll(async () => {
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
      alarmTopicArn: topicArn,
      cacheHitRateFloor: '70',
    };
    template = await synthApp(context, {}, 'ImagesFromContext');
  }, 120_000);

  const ofType = (type: string) => resourcesOf(template, type).map(([, r]) => r);

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

  it("points every alarm's ALARM and OK actions at the alarmTopicArn topic, and sets the cache hit rate floor", () => {
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(5);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([topicArn]);
      expect(alarm.Properties.OKActions, id).toEqual([topicArn]);
    }
    // An existing topic is imported, not created.
    expect(ofType('AWS::SNS::Topic')).toEqual([]);
    const [, cacheHitRate] = alarms.find(([id]) => id.includes('CacheHitRate'))!;
    expect(cacheHitRate.Properties.Threshold).toBe(70);
    expect(ofType('AWS::CloudWatch::Dashboard')).toHaveLength(1);
  });
});

describe('bin/app.ts: alarm email, monitoring off, bad values', () => {
  let emailed: SynthesizedTemplate;
  let unmonitored: SynthesizedTemplate;

  beforeAll(async () => {
    [emailed, unmonitored] = await Promise.all([
      synthApp({}, { IMAGE_CDN_ALARM_EMAIL: 'ops@example.com' }),
      // What `-c monitoring=false` puts in the context: the text 'false'.
      synthApp({ monitoring: 'false' }),
    ]);
  }, 180_000);

  it('alarmEmail creates a TLS-only topic with the email subscribed, and every alarm notifies it', () => {
    const topics = resourcesOf(emailed, 'AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const [topicId] = topics[0]!;
    expect(resourcesOf(emailed, 'AWS::SNS::Subscription').map(([, r]) => r.Properties)).toEqual([
      { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } },
    ]);
    const alarms = resourcesOf(emailed, 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(5);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId }]);
      expect(alarm.Properties.OKActions, id).toEqual([{ Ref: topicId }]);
    }
    expect(Object.values(emailed.Outputs ?? {}).map((output) => output.Value)).toContainEqual({ Ref: topicId });
  });

  it("the email topic's policy refuses publishing without TLS and lets this account's alarms publish", () => {
    const [topicId] = resourcesOf(emailed, 'AWS::SNS::Topic')[0]!;
    const policies = resourcesOf(emailed, 'AWS::SNS::TopicPolicy').map(([, r]) => r.Properties);
    expect(policies).toHaveLength(1);
    expect(policies[0]!.Topics).toEqual([{ Ref: topicId }]);
    const statements = policies[0]!.PolicyDocument.Statement as Array<Record<string, any>>;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const allow = statements.find((statement) => statement.Effect === 'Allow')!;
    expect(allow).toMatchObject({ Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' }, Resource: { Ref: topicId } });
    expect(JSON.stringify(allow.Condition.ArnLike['aws:SourceArn'])).toContain(':alarm:*');
    expect(allow.Condition.StringEquals).toEqual({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } });
  });

  it('monitoring=false leaves out the dashboard, the alarms, the metrics subscription and the saved queries', () => {
    expect(Object.keys(unmonitored.Resources).length).toBeGreaterThan(20);
    for (const type of [
      'AWS::CloudWatch::Dashboard',
      'AWS::CloudWatch::Alarm',
      'AWS::CloudFront::MonitoringSubscription',
      'AWS::Logs::QueryDefinition',
      'AWS::SNS::Topic',
    ]) {
      expect(resourcesOf(unmonitored, type), type).toEqual([]);
    }
  });

  it('stops with the bad value and where it came from', async () => {
    const failure = (context: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
      synthApp(context, env).then(
        () => '',
        (error: { stderr?: string }) => error.stderr ?? '',
      );
    const [badArn, both, badFloor] = await Promise.all([
      failure({}, { IMAGE_CDN_ALARM_TOPIC_ARN: 'arn:aws:sqs:us-east-1:111122223333:alarms' }),
      failure({ alarmTopicArn: 'arn:aws:sns:us-east-1:111122223333:alarms', alarmEmail: 'ops@example.com' }),
      failure({ cacheHitRateFloor: '120' }),
    ]);
    expect(badArn).toMatch(
      /AppSettingsError: alarmTopicArn \(context\) \/ IMAGE_CDN_ALARM_TOPIC_ARN \(environment\) must be an SNS topic ARN.*'arn:aws:sqs:us-east-1:111122223333:alarms'/,
    );
    expect(both).toMatch(/alarmTopicArn \(context\).*'arn:aws:sns:us-east-1:111122223333:alarms'.*alarmEmail \(context\).*'ops@example.com'/);
    expect(badFloor).toMatch(/cacheHitRateFloor \(context\) \/ IMAGE_CDN_CACHE_HIT_RATE_FLOOR \(environment\) must be a percentage.*'120'/);
  }, 180_000);
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
