/**
 * The installer's view: the packed tarball installed into the kinds of CDK apps people have, each
 * synthesised by the CDK CLI. Every app composes ImageCdn with its own VPC, its own bucket, a
 * domain with a certificate ARN and grantPut on a role. Two of them have a second entry with the
 * same composition under `OriginCompute.lambda()`, synthesised with `cdk synth --app`, whose function
 * asset is assembled from the installed package. Installs are cached between runs
 * (test/package/support/consumer-apps.ts); a cold run downloads from the npm registry.
 */
import { cp, mkdir, mkdtemp, open, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installContainerAsset, killIfRunning, type RunningContainer, startContainerBundle, stopWithSigterm } from '../support/container.js';
import { REPOSITORY } from '../support/package-tarball.js';
import {
  type AppVersions,
  CDK_CLI,
  CERTIFICATE_ARN,
  cdkInitTypeScriptApp,
  type CommandResult,
  commonJsApp,
  type ConsumerApp,
  DOMAIN_NAME,
  esmApp,
  oldestAwsCdkLibApp,
  runIn,
  tsNodeCommonJsApp,
} from './support/consumer-apps.js';
import { readmeCompositionSnippet } from './support/readme-snippet.js';

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, any> }> };
type AssetManifest = { files: Record<string, { source: { path: string; packaging?: string } }> };

const manifest = JSON.parse(await readFile(path.join(REPOSITORY, 'package.json'), 'utf8')) as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(await readFile(path.join(REPOSITORY, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
const lowerBound = (range: string) => /^(?:>=|\^)\s*(\d+\.\d+\.\d+)/.exec(range)?.[1] ?? range;
const versions: AppVersions = {
  awsCdkLib: lock.packages['node_modules/aws-cdk-lib']!.version,
  constructs: lock.packages['node_modules/constructs']!.version,
  oldestAwsCdkLib: lowerBound(manifest.peerDependencies['aws-cdk-lib']!),
  oldestConstructs: lowerBound(manifest.peerDependencies['constructs']!),
};

async function synth(app: ConsumerApp, cli = CDK_CLI): Promise<Template> {
  await rm(path.join(app.directory, 'cdk.out'), { recursive: true, force: true });
  const result = await runIn(app.directory, process.execPath, [cli, 'synth', '--quiet'], { CDK_DISABLE_VERSION_CHECK: '1', CI: 'true' });
  expect(result.code, `cdk synth in ${app.name}:\n${result.stderr}\n${result.stdout}`).toBe(0);
  return JSON.parse(await readFile(path.join(app.directory, 'cdk.out', `${app.stackName}.template.json`), 'utf8')) as Template;
}

/** Where `synthLambda` puts its cloud assembly, beside the main entry's cdk.out. */
const LAMBDA_CDK_OUT = 'cdk.out.lambda';

/** `cdk synth --app <the app's Lambda entry>`: its template, and its cloud assembly's directory. */
async function synthLambda(app: ConsumerApp): Promise<{ template: Template; cdkOut: string }> {
  const entry = app.lambda!;
  const cdkOut = path.join(app.directory, LAMBDA_CDK_OUT);
  await rm(cdkOut, { recursive: true, force: true });
  const result = await runIn(app.directory, process.execPath, [CDK_CLI, 'synth', '--quiet', '--app', entry.command, '--output', LAMBDA_CDK_OUT], {
    CDK_DISABLE_VERSION_CHECK: '1',
    CI: 'true',
  });
  expect(result.code, `cdk synth --app '${entry.command}' in ${app.name}:\n${result.stderr}\n${result.stdout}`).toBe(0);
  const template = JSON.parse(await readFile(path.join(cdkOut, `${entry.stackName}.template.json`), 'utf8')) as Template;
  return { template, cdkOut };
}

/** What every app composed: the CDN on its domain and certificate, its own VPC and bucket, the upload grant. */
function expectComposedStack(template: Template): void {
  const resources = Object.values(template.Resources);
  const ofType = (type: string) => resources.filter((resource) => resource.Type === type);
  const [distribution] = ofType('AWS::CloudFront::Distribution');
  expect(distribution?.Properties?.['DistributionConfig']).toMatchObject({
    Aliases: [DOMAIN_NAME],
    ViewerCertificate: { AcmCertificateArn: CERTIFICATE_ARN },
  });
  expect(ofType('AWS::EC2::VPC')).toHaveLength(1);
  expect(ofType('AWS::ECS::Service')).toHaveLength(1);
  const sourceBuckets = Object.entries(template.Resources).filter(([id, resource]) => resource.Type === 'AWS::S3::Bucket' && id.startsWith('Uploads'));
  expect(sourceBuckets).toHaveLength(1);
  const statements = ofType('AWS::IAM::Policy').flatMap((policy) => policy.Properties!['PolicyDocument'].Statement as Array<{ Action: string | string[] }>);
  expect(statements.some((statement) => [statement.Action].flat().includes('s3:PutObject'))).toBe(true);
}

/** The one resource of a type, by its logical id. */
function single(template: Template, type: string): [string, Record<string, any>] {
  const found = Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
  expect(
    found.map(([id]) => id),
    type,
  ).toHaveLength(1);
  return [found[0]![0], found[0]![1].Properties ?? {}];
}

/**
 * What the Lambda entry composed: a Node.js 22 arm64 function behind a streaming AWS_IAM function
 * URL, reached by the distribution through an origin access control of origin type lambda, which
 * only that distribution may invoke (InvokeFunctionUrl and InvokeFunction); no cluster, load
 * balancer or network. `permissionsFrom`: who adds `lambda:InvokeFunction`, ImageCdn on the oldest
 * aws-cdk-lib or aws-cdk-lib itself on newer ones, once either way.
 */
function expectLambdaStack(template: Template, permissionsFrom: 'image-cdn' | 'aws-cdk-lib'): void {
  const [functionId, fn] = single(template, 'AWS::Lambda::Function');
  expect(fn).toMatchObject({ Architectures: ['arm64'], Runtime: 'nodejs22.x', Handler: 'handler.handler' });
  const [urlId, url] = single(template, 'AWS::Lambda::Url');
  expect(url).toEqual({ AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM', TargetFunctionArn: { 'Fn::GetAtt': [functionId, 'Arn'] } });

  const [accessControlId, accessControl] = single(template, 'AWS::CloudFront::OriginAccessControl');
  expect(accessControl['OriginAccessControlConfig']).toMatchObject({
    OriginAccessControlOriginType: 'lambda',
    SigningBehavior: 'always',
    SigningProtocol: 'sigv4',
  });
  const [distributionId, distribution] = single(template, 'AWS::CloudFront::Distribution');
  expect(distribution['DistributionConfig']).toMatchObject({ Aliases: [DOMAIN_NAME], ViewerCertificate: { AcmCertificateArn: CERTIFICATE_ARN } });
  const origins = distribution['DistributionConfig'].Origins as Array<Record<string, any>>;
  expect(origins).toHaveLength(1);
  expect(origins[0]).toMatchObject({
    DomainName: { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [urlId, 'FunctionUrl'] }] }] },
    OriginAccessControlId: { 'Fn::GetAtt': [accessControlId, 'Id'] },
  });

  const thisDistribution = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' }, ':distribution/', { Ref: distributionId }]],
  };
  const theFunction = [{ 'Fn::GetAtt': [functionId, 'Arn'] }, { 'Fn::GetAtt': [urlId, 'FunctionArn'] }, { Ref: functionId }];
  const permissions = Object.entries(template.Resources).filter(([, resource]) => resource.Type === 'AWS::Lambda::Permission');
  for (const [id, { Properties: permission }] of permissions) {
    expect(theFunction, id).toContainEqual(permission!['FunctionName']);
    expect(permission, id).toMatchObject({ Principal: 'cloudfront.amazonaws.com', SourceArn: thisDistribution });
  }
  expect(permissions.map(([, { Properties: permission }]) => [permission!['Action'], permission!['InvokedViaFunctionUrl']]).sort()).toEqual([
    ['lambda:InvokeFunction', true],
    ['lambda:InvokeFunctionUrl', undefined],
  ]);
  const ownPermissions = permissions.filter(([id]) => id.startsWith(`${distributionId.slice(0, -8)}InvokeFunctionThroughUrl`));
  expect(ownPermissions, 'lambda:InvokeFunction added by ImageCdn').toHaveLength(permissionsFrom === 'image-cdn' ? 1 : 0);

  const types = Object.values(template.Resources).map((resource) => resource.Type);
  expect(types.filter((type) => /^AWS::(ECS|ElasticLoadBalancingV2|EC2)::/.test(type))).toEqual([]);
  const sourceBuckets = Object.entries(template.Resources).filter(([id, resource]) => resource.Type === 'AWS::S3::Bucket' && id.startsWith('Uploads'));
  expect(sourceBuckets).toHaveLength(1);
  const statements = Object.values(template.Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .flatMap((policy) => policy.Properties!['PolicyDocument'].Statement as Array<{ Action: string | string[] }>);
  expect(statements.some((statement) => [statement.Action].flat().includes('s3:PutObject'))).toBe(true);
}

/** Every file under a directory, relative to it. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)));
}

/** ELF's e_machine of a file (0xB7 AArch64, 0x3E x86-64), or undefined if it is no ELF file. */
async function elfMachine(file: string): Promise<number | undefined> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(20), 0, 20, 0);
    if (bytesRead < 20 || buffer.readUInt32BE(0) !== 0x7f454c46) return undefined;
    return buffer[5] === 2 ? buffer.readUInt16BE(18) : buffer.readUInt16LE(18);
  } finally {
    await handle.close();
  }
}

const AARCH64 = 0xb7;

/**
 * The function's asset as the synth staged it in the cloud assembly (found from the function's
 * Code.S3Key through the asset manifest): the prebuilt handler and sharp's linux-arm64 packages,
 * every native binary in it built for AArch64, none for another platform.
 */
async function expectLambdaAsset(template: Template, cdkOut: string, stackName: string): Promise<void> {
  const [, fn] = single(template, 'AWS::Lambda::Function');
  const objectKey = fn['Code'].S3Key as string;
  expect(objectKey).toMatch(/^[0-9a-f]{64}\.zip$/);
  const assets = JSON.parse(await readFile(path.join(cdkOut, `${stackName}.assets.json`), 'utf8')) as AssetManifest;
  const entry = assets.files[objectKey.replace(/\.zip$/, '')];
  expect(entry?.source.packaging).toBe('zip');
  const asset = path.join(cdkOut, entry!.source.path);

  const files = await filesUnder(asset);
  expect(files).toContain('handler.mjs');
  expect(files).toContain('node_modules/@img/sharp-linux-arm64/package.json');
  const platformPackages = (await readdir(path.join(asset, 'node_modules/@img'))).filter((name) => name.startsWith('sharp-'));
  expect(platformPackages.sort()).toEqual(['sharp-libvips-linux-arm64', 'sharp-linux-arm64']);

  const addons = files.filter((file) => file.endsWith('.node'));
  expect(addons).toHaveLength(1);
  expect(addons[0]).toMatch(/^node_modules\/@img\/sharp-linux-arm64\/lib\/sharp-linux-arm64-[\d.]+\.node$/);
  const machines = new Map<string, number>();
  for (const file of files) {
    const machine = await elfMachine(path.join(asset, file));
    if (machine !== undefined) machines.set(file, machine);
  }
  expect(machines.get(addons[0]!)).toBe(AARCH64);
  expect([...machines.keys()].some((file) => file.startsWith('node_modules/@img/sharp-libvips-linux-arm64/lib/libvips-cpp.so'))).toBe(true);
  expect([...machines].filter(([, machine]) => machine !== AARCH64)).toEqual([]);
  expect(files.filter((file) => /x64|x86|darwin|win32|musl|wasm/.test(file))).toEqual([]);
}

const copiesOfAwsCdkLib = async (directory: string): Promise<string[]> => {
  const found: string[] = [];
  const visit = async (nodeModules: string): Promise<void> => {
    for (const entry of await readdir(nodeModules, { withFileTypes: true }).catch(() => [])) {
      if (!entry.isDirectory()) continue;
      const packageDir = path.join(nodeModules, entry.name);
      if (entry.name === 'aws-cdk-lib') found.push(path.relative(directory, packageDir));
      if (entry.name.startsWith('@')) await visit(packageDir);
      else if (entry.name !== 'aws-cdk-lib') await visit(path.join(packageDir, 'node_modules'));
    }
  };
  await visit(path.join(directory, 'node_modules'));
  return found;
};

describe('a fresh `cdk init app --language typescript` with the README snippet as its stack', () => {
  let app: ConsumerApp;
  beforeAll(async () => {
    app = await cdkInitTypeScriptApp(await readmeCompositionSnippet());
  }, 600_000);

  it('synthesises with the CLI the app itself installed (tsc, then tsx)', async () => {
    const template = await synth(app, path.join(app.directory, 'node_modules/aws-cdk/bin/cdk'));
    expect(Object.values(template.Resources).some((resource) => resource.Type === 'AWS::CloudFront::Distribution')).toBe(true);
  }, 300_000);

  it('runs its Jest test (Template.fromStack), as cdk init set Jest up', async () => {
    const result = await runIn(app.directory, process.execPath, ['node_modules/jest/bin/jest.js', '--ci']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Tests:\s+1 passed, 1 total/);
  }, 300_000);

  describe('the container asset staged in its cdk.out', () => {
    let workdir: string;
    let origin: RunningContainer | undefined;
    afterAll(async () => {
      if (origin) await killIfRunning(origin.child);
      if (workdir) await rm(workdir, { recursive: true, force: true });
    });

    it('builds the way its Dockerfile builds it and serves a real transform', async () => {
      const assets = JSON.parse(await readFile(path.join(app.directory, 'cdk.out', 'MyAppStack.assets.json'), 'utf8')) as {
        dockerImages: Record<string, { source: { directory: string } }>;
      };
      const images = Object.values(assets.dockerImages);
      expect(images).toHaveLength(1);
      workdir = await mkdtemp(path.join(tmpdir(), 'image-cdn-asset-'));
      const asset = path.join(workdir, 'asset');
      await cp(path.join(app.directory, 'cdk.out', images[0]!.source.directory), asset, { recursive: true });
      expect((await readdir(asset)).sort()).toEqual(['.dockerignore', 'Dockerfile', 'bundle', 'package-lock.json', 'package.json']);
      await installContainerAsset(asset);

      const root = path.join(workdir, 'images');
      await mkdir(root);
      await cp(path.join(REPOSITORY, 'samples/fossa.jpg'), path.join(root, 'fossa.jpg'));
      origin = await startContainerBundle(asset, { IMAGE_CDN_FILE_ROOT: root });
      const response = await fetch(`${origin.url}/cdn-cgi/image/width=320,format=webp/fossa.jpg`);
      expect(response.status).toBe(200);
      const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      expect([meta.format, meta.width]).toEqual(['webp', 320]);
      expect(await stopWithSigterm(origin.child)).toEqual({ code: 0, signal: null });
    }, 300_000);
  });
});

describe('TypeScript compiled as CommonJS by ts-node', () => {
  it('type-checks (image-cdn and image-cdn/client through classic resolution) and synthesises', async () => {
    const app = await tsNodeCommonJsApp(versions);
    expectComposedStack(await synth(app));
  }, 600_000);
});

describe('plain CommonJS JavaScript', () => {
  let app: ConsumerApp;
  beforeAll(async () => {
    app = await commonJsApp(versions);
  }, 600_000);

  it('synthesises', async () => {
    expectComposedStack(await synth(app));
  }, 300_000);

  it("loads only aws-cdk-lib, constructs and image-cdn's CDK modules on require('image-cdn')", async () => {
    const loaded = JSON.parse(await readFile(path.join(app.directory, 'loaded-by-image-cdn.json'), 'utf8')) as string[];
    const packageOf = (file: string) => {
      const [scopeOrName, name] = path.relative(path.join(app.directory, 'node_modules'), file).split(path.sep);
      return scopeOrName!.startsWith('@') ? `${scopeOrName}/${name}` : scopeOrName!;
    };
    expect([...new Set(loaded.map(packageOf))].sort()).toEqual(['aws-cdk-lib', 'constructs', 'image-cdn']);
    const ownModules = loaded
      .filter((file) => packageOf(file) === 'image-cdn')
      .map((file) => path.relative(path.join(app.directory, 'node_modules/image-cdn'), file));
    for (const module of ownModules)
      expect(module).toMatch(
        /^(dist\/lib\/cdk\/|dist\/origin\/src\/(config|cache-tag|errors|limits|grammar\/|http\/keep-alive|pipeline\/|settings\/|observability\/emf-catalogue|signing\/keys-secret|sources\/content-address|transform\/negotiate)|package\.json$)/,
      );
  });
});

describe('plain ESM JavaScript', () => {
  let app: ConsumerApp;
  beforeAll(async () => {
    app = await esmApp(versions);
  }, 600_000);

  it('imports named exports from the CommonJS build and synthesises', async () => {
    expectComposedStack(await synth(app));
  }, 300_000);

  it(`synthesises its Lambda entry on aws-cdk-lib ${versions.awsCdkLib}, which itself allows lambda:InvokeFunction, once`, async () => {
    const { template, cdkOut } = await synthLambda(app);
    expectLambdaStack(template, 'aws-cdk-lib');
    await expectLambdaAsset(template, cdkOut, app.lambda!.stackName);
  }, 300_000);
});

describe(`the oldest aws-cdk-lib in the peer range (${versions.oldestAwsCdkLib})`, () => {
  let app: ConsumerApp;
  /** tsc over both entries, bin/app.ts and bin/lambda.ts, into build/. */
  let compiled: CommandResult;
  beforeAll(async () => {
    app = await oldestAwsCdkLibApp(versions);
    compiled = await runIn(app.directory, process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.']);
  }, 600_000);

  it('installs exactly one copy of aws-cdk-lib', async () => {
    expect(await copiesOfAwsCdkLib(app.directory)).toEqual(['node_modules/aws-cdk-lib']);
    const installed = JSON.parse(await readFile(path.join(app.directory, 'node_modules/aws-cdk-lib/package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(versions.oldestAwsCdkLib);
  });

  it('type-checks with full library checking and synthesises', async () => {
    expect(compiled.code, compiled.stdout).toBe(0);
    expectComposedStack(await synth(app));
  }, 300_000);

  it('synthesises its Lambda entry: the function asset assembled from the installed package, for arm64, with no Docker', async () => {
    expect(compiled.code, compiled.stdout).toBe(0);
    const { template, cdkOut } = await synthLambda(app);
    expectLambdaStack(template, 'image-cdn');
    await expectLambdaAsset(template, cdkOut, app.lambda!.stackName);
  }, 300_000);
});
