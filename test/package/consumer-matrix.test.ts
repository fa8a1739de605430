/**
 * The installer's view: the packed tarball installed into the kinds of CDK apps people have, each
 * synthesised by the CDK CLI. Every app composes ImageCdn with its own VPC, its own bucket, a
 * domain with a certificate ARN and grantPut on a role. Installs are cached between runs
 * (test/package/support/consumer-apps.ts); a cold run downloads from the npm registry.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
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
    const ownModules = loaded.filter((file) => packageOf(file) === 'image-cdn').map((file) => path.relative(path.join(app.directory, 'node_modules/image-cdn'), file));
    for (const module of ownModules) expect(module).toMatch(/^(dist\/lib\/cdk\/|dist\/origin\/src\/(config|cache-tag|errors|grammar\/|http\/keep-alive|pipeline\/|settings\/|observability\/emf-catalogue|signing\/keys-secret|sources\/content-address|transform\/negotiate)|package\.json$)/);
  });
});

describe('plain ESM JavaScript', () => {
  it('imports named exports from the CommonJS build and synthesises', async () => {
    const app = await esmApp(versions);
    expectComposedStack(await synth(app));
  }, 600_000);
});

describe(`the oldest aws-cdk-lib in the peer range (${versions.oldestAwsCdkLib})`, () => {
  let app: ConsumerApp;
  beforeAll(async () => {
    app = await oldestAwsCdkLibApp(versions);
  }, 600_000);

  it('installs exactly one copy of aws-cdk-lib', async () => {
    expect(await copiesOfAwsCdkLib(app.directory)).toEqual(['node_modules/aws-cdk-lib']);
    const installed = JSON.parse(await readFile(path.join(app.directory, 'node_modules/aws-cdk-lib/package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(versions.oldestAwsCdkLib);
  });

  it('type-checks with full library checking and synthesises', async () => {
    const compiled = await runIn(app.directory, process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.']);
    expect(compiled.code, compiled.stdout).toBe(0);
    expectComposedStack(await synth(app));
  }, 300_000);
});
