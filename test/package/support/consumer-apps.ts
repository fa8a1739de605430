/**
 * Apps that install the packed tarball the way users do, one per kind of CDK project. Each lives
 * in <tmp>/image-cdn-package-<clone hash>/apps/<name> and keeps its node_modules between runs:
 * only image-cdn is re-resolved (from the fresh tarball), so a warm run installs in seconds.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_CACHE, REPOSITORY, TARBALL } from '../../support/package-tarball.js';

const execFileAsync = promisify(execFile);

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion and reports its exit code instead of throwing, so a failure shows its output. */
export async function runIn(directory: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], {
      cwd: directory,
      env: { ...process.env, ...env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

/** The CDK CLI a consumer would have on its PATH (the repository's own copy; same CLI as `npx cdk`). */
export const CDK_CLI = path.join(REPOSITORY, 'node_modules/aws-cdk/bin/cdk');

export const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555';
export const DOMAIN_NAME = 'images.example.com';

export interface ConsumerApp {
  readonly name: string;
  /** The stack the app synthesises, as named in cdk.out. */
  readonly stackName: string;
  readonly directory: string;
  /** A second entry of the same app: the composition under `OriginCompute.lambda()`, for `cdk synth --app`. */
  readonly lambda?: LambdaEntry;
}

/** The Lambda entry of an app: the command `cdk synth --app` runs, and the stack it synthesises. */
export interface LambdaEntry {
  readonly command: string;
  readonly stackName: string;
}

/** The stack every Lambda entry synthesises. */
export const LAMBDA_STACK = 'ConsumerLambda';

const appDirectory = (name: string) => path.join(PACKAGE_CACHE, 'apps', name);

async function writeFiles(directory: string, files: Record<string, string>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(directory, file)), { recursive: true });
    await writeFile(path.join(directory, file), content);
  }
}

/** Forgets the previous tarball: its lockfile entry pins the old integrity, everything else stays locked. */
async function forgetImageCdn(directory: string): Promise<void> {
  await rm(path.join(directory, 'node_modules/image-cdn'), { recursive: true, force: true });
  const lockfile = path.join(directory, 'package-lock.json');
  const lock = JSON.parse(await readFile(lockfile, 'utf8').catch(() => 'null')) as { packages?: Record<string, unknown> } | null;
  if (!lock?.packages) return;
  delete lock.packages['node_modules/image-cdn'];
  await writeFile(lockfile, JSON.stringify(lock, null, 2));
}

async function install(directory: string): Promise<void> {
  await forgetImageCdn(directory);
  const result = await runIn(directory, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
  if (result.code !== 0) throw new Error(`npm install in ${directory} failed:\n${result.stderr}`);
}

const withTarball = (manifest: Record<string, any>) => ({
  ...manifest,
  dependencies: { ...manifest['dependencies'], 'image-cdn': `file:${TARBALL}` },
});

/** The stack every hand-written app builds: its own VPC and bucket, a domain with a certificate, grantPut on a role. */
function composition(moduleSystem: 'typescript' | 'commonjs' | 'esm'): string {
  const imports = {
    typescript: [
      "import { App, CfnOutput, Stack } from 'aws-cdk-lib';",
      "import * as acm from 'aws-cdk-lib/aws-certificatemanager';",
      "import * as ec2 from 'aws-cdk-lib/aws-ec2';",
      "import * as iam from 'aws-cdk-lib/aws-iam';",
      "import * as s3 from 'aws-cdk-lib/aws-s3';",
      "import { ImageCdn, type ImageCdnProps } from 'image-cdn';",
      "import { imageUrl } from 'image-cdn/client';",
    ],
    commonjs: [
      "const { App, CfnOutput, Stack } = require('aws-cdk-lib');",
      "const acm = require('aws-cdk-lib/aws-certificatemanager');",
      "const ec2 = require('aws-cdk-lib/aws-ec2');",
      "const iam = require('aws-cdk-lib/aws-iam');",
      "const s3 = require('aws-cdk-lib/aws-s3');",
      "const { imageUrl } = require('image-cdn/client');",
    ],
    esm: [
      "import { App, CfnOutput, Stack } from 'aws-cdk-lib';",
      "import * as acm from 'aws-cdk-lib/aws-certificatemanager';",
      "import * as ec2 from 'aws-cdk-lib/aws-ec2';",
      "import * as iam from 'aws-cdk-lib/aws-iam';",
      "import * as s3 from 'aws-cdk-lib/aws-s3';",
      "import { ImageCdn } from 'image-cdn';",
      "import { imageUrl } from 'image-cdn/client';",
    ],
  }[moduleSystem];
  const props = moduleSystem === 'typescript' ? 'const props: ImageCdnProps' : 'const props';
  return `${imports.join('\n')}

const app = new App();
const stack = new Stack(app, 'Consumer');
const vpc = new ec2.Vpc(stack, 'Network', { maxAzs: 2 });
const uploads = new s3.Bucket(stack, 'Uploads', { enforceSSL: true });
${props} = {
  vpc,
  bucket: uploads,
  domainName: '${DOMAIN_NAME}',
  certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', '${CERTIFICATE_ARN}'),
};
const images = new ImageCdn(stack, 'Images', props);
images.grantPut(new iam.Role(stack, 'Uploader', { assumedBy: new iam.AccountRootPrincipal() }));
new CfnOutput(stack, 'ExampleUrl', { value: imageUrl('uploads/photo.jpg', { width: 600, format: 'auto' }) });
app.synth();
`;
}

/**
 * The same composition under `compute: OriginCompute.lambda()`: no VPC (the function has none), its
 * own bucket, a domain with a certificate, grantPut on a role.
 */
function lambdaComposition(moduleSystem: 'typescript' | 'esm'): string {
  const typed = moduleSystem === 'typescript';
  return `import { App, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ImageCdn, ${typed ? 'type ImageCdnProps, ' : ''}OriginCompute } from 'image-cdn';

const app = new App();
const stack = new Stack(app, '${LAMBDA_STACK}');
const uploads = new s3.Bucket(stack, 'Uploads', { enforceSSL: true });
const props${typed ? ': ImageCdnProps' : ''} = {
  compute: OriginCompute.lambda(),
  bucket: uploads,
  domainName: '${DOMAIN_NAME}',
  certificate: acm.Certificate.fromCertificateArn(stack, 'Certificate', '${CERTIFICATE_ARN}'),
};
const images = new ImageCdn(stack, 'Images', props);
images.grantPut(new iam.Role(stack, 'Uploader', { assumedBy: new iam.AccountRootPrincipal() }));
app.synth();
`;
}

/** Which of image-cdn's modules and which packages `require('image-cdn')` loads, recorded before anything else is required. */
const LOAD_RECORDER = `const before = new Set(Object.keys(require.cache));
const { ImageCdn } = require('image-cdn');
require('node:fs').writeFileSync('loaded-by-image-cdn.json', JSON.stringify(Object.keys(require.cache).filter((file) => !before.has(file))));
`;

export interface AppVersions {
  /** The aws-cdk-lib the up-to-date apps install (the repository's own). */
  readonly awsCdkLib: string;
  readonly constructs: string;
  /** The oldest aws-cdk-lib in the package's peer range, and a constructs it accepts. */
  readonly oldestAwsCdkLib: string;
  readonly oldestConstructs: string;
}

/** 1 and 5: `cdk init app --language typescript` as the CLI generates it today, README's snippet as its stack, a Jest test with Template.fromStack. */
export async function cdkInitTypeScriptApp(stackSource: string): Promise<ConsumerApp> {
  const directory = appDirectory('my-app');
  const generated = path.join(await mkdtemp(path.join(tmpdir(), 'image-cdn-init-')), 'my-app');
  await mkdir(generated);
  const init = await runIn(generated, process.execPath, [CDK_CLI, 'init', 'app', '--language', 'typescript', '--generate-only']);
  if (init.code !== 0) throw new Error(`cdk init failed:\n${init.stderr}`);
  await mkdir(directory, { recursive: true });
  await cp(generated, directory, { recursive: true });
  await rm(path.dirname(generated), { recursive: true, force: true });
  const manifest = JSON.parse(await readFile(path.join(directory, 'package.json'), 'utf8')) as Record<string, any>;
  await writeFiles(directory, {
    'package.json': JSON.stringify(withTarball(manifest), null, 2),
    'lib/my-app-stack.ts': stackSource,
    'test/my-app.test.ts': `import * as cdk from 'aws-cdk-lib/core';
import { Template } from 'aws-cdk-lib/assertions';
import { MyAppStack } from '../lib/my-app-stack';

test('the image CDN is in the stack', () => {
  const app = new cdk.App();
  const template = Template.fromStack(new MyAppStack(app, 'MyTestStack'));
  template.resourceCountIs('AWS::CloudFront::Distribution', 1);
  template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE' });
});
`,
  });
  await install(directory);
  return { name: 'cdk init (TypeScript, tsx, Jest with @swc/jest)', stackName: 'MyAppStack', directory };
}

/** An app written here rather than generated: its manifest (image-cdn added), its files, installed. */
async function handWrittenApp(
  directoryName: string,
  name: string,
  manifest: Record<string, unknown>,
  files: Record<string, string>,
  lambda?: LambdaEntry,
): Promise<ConsumerApp> {
  const directory = appDirectory(directoryName);
  await mkdir(directory, { recursive: true });
  await writeFiles(directory, { 'package.json': JSON.stringify(withTarball({ private: true, ...manifest }), null, 2), ...files });
  await install(directory);
  return { name, stackName: 'Consumer', directory, ...(lambda && { lambda }) };
}

const cdkDependencies = (awsCdkLib: string, constructs: string) => ({ 'aws-cdk-lib': awsCdkLib, constructs });

/** 2: TypeScript compiled as CommonJS by ts-node, with classic `moduleResolution: node` (subpaths through typesVersions). */
export const tsNodeCommonJsApp = (versions: AppVersions) =>
  handWrittenApp(
    'ts-node-commonjs',
    'TypeScript, CommonJS, ts-node',
    {
      dependencies: cdkDependencies(versions.awsCdkLib, versions.constructs),
      devDependencies: { 'ts-node': '^10.9.2', typescript: '~5.9.0', '@types/node': '^20.0.0' },
    },
    {
      'tsconfig.json': JSON.stringify({
        compilerOptions: { target: 'ES2020', module: 'commonjs', lib: ['es2020'], strict: true, declaration: true, skipLibCheck: false, types: ['node'] },
        exclude: ['node_modules', 'cdk.out'],
      }),
      'cdk.json': JSON.stringify({ app: 'npx ts-node --prefer-ts-exts bin/app.ts' }),
      'bin/app.ts': composition('typescript'),
    },
  );

/** 3: plain CommonJS JavaScript; also records what `require('image-cdn')` loads. */
export const commonJsApp = (versions: AppVersions) =>
  handWrittenApp(
    'javascript-commonjs',
    'JavaScript, CommonJS',
    { dependencies: cdkDependencies(versions.awsCdkLib, versions.constructs) },
    { 'cdk.json': JSON.stringify({ app: 'node bin/app.js' }), 'bin/app.js': `${LOAD_RECORDER}${composition('commonjs')}` },
  );

/** 4: plain ESM JavaScript ("type": "module"); bin/lambda.js is its Lambda entry. */
export const esmApp = (versions: AppVersions) =>
  handWrittenApp(
    'javascript-esm',
    'JavaScript, ESM',
    { type: 'module', dependencies: cdkDependencies(versions.awsCdkLib, versions.constructs) },
    { 'cdk.json': JSON.stringify({ app: 'node bin/app.js' }), 'bin/app.js': composition('esm'), 'bin/lambda.js': lambdaComposition('esm') },
    { command: 'node bin/lambda.js', stackName: LAMBDA_STACK },
  );

/**
 * 6: TypeScript (NodeNext, full lib check) pinned to the oldest aws-cdk-lib the peer range allows;
 * bin/lambda.ts, compiled with bin/app.ts, is its Lambda entry.
 */
export const oldestAwsCdkLibApp = (versions: AppVersions) =>
  handWrittenApp(
    'oldest-aws-cdk-lib',
    `TypeScript on aws-cdk-lib ${versions.oldestAwsCdkLib}`,
    {
      dependencies: cdkDependencies(versions.oldestAwsCdkLib, versions.oldestConstructs),
      devDependencies: { typescript: '~5.9.0', '@types/node': '^20.0.0' },
    },
    {
      'tsconfig.json': JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: false,
          rootDir: '.',
          outDir: 'build',
          types: ['node'],
        },
        include: ['bin/**/*.ts'],
      }),
      'cdk.json': JSON.stringify({ app: 'node build/bin/app.js' }),
      'bin/app.ts': composition('typescript'),
      'bin/lambda.ts': lambdaComposition('typescript'),
    },
    { command: 'node build/bin/lambda.js', stackName: LAMBDA_STACK },
  );
