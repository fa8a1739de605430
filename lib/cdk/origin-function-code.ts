import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { ORIGIN_CONTAINER_DIR, packageRoot } from './package-files.js';
import { ImageCdnValidationError } from './validation.js';

/** The Lambda handler as `npm run build` bundles it (origin/bundle.ts): `handler.mjs` and its map. */
export const ORIGIN_FUNCTION_BUNDLE_DIR = path.join(packageRoot(), 'origin', 'lambda', 'bundle');
/** The function's handler: `handler.mjs` at the asset's root, exporting `handler`. */
export const ORIGIN_FUNCTION_HANDLER = 'handler.handler';

/**
 * sharp for the function's platform, from the container asset's own package.json and lockfile (one
 * pin of sharp and its platform packages for both computes): Lambda's arm64 Amazon Linux (glibc),
 * production dependencies only, no install scripts.
 */
const SHARP_INSTALL = ['ci', '--omit=dev', '--os=linux', '--cpu=arm64', '--libc=glibc', '--ignore-scripts', '--no-audit', '--no-fund', '--no-update-notifier'];
const MANIFESTS = ['package.json', 'package-lock.json'];
/** The native packages the function cannot start without. */
const NATIVE_PACKAGES = ['@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64'];

/**
 * The origin function's code: the prebuilt bundle plus sharp's linux-arm64 binaries, assembled on
 * the synthesising machine (CDK local bundling), with npm and no Docker. The asset hash covers the
 * bundle, the lockfile and the install command, so synth repeats the install only when one changes.
 */
export function originFunctionCode(scope: IConstruct): lambda.Code {
  if (!existsSync(path.join(ORIGIN_FUNCTION_BUNDLE_DIR, 'handler.mjs'))) {
    throw new ImageCdnValidationError(
      scope,
      `the origin's Lambda bundle ${ORIGIN_FUNCTION_BUNDLE_DIR} has no handler.mjs: in a clone of image-cdn, run "npm run build" first (an installed package ships it built)`,
    );
  }
  return lambda.Code.fromAsset(ORIGIN_FUNCTION_BUNDLE_DIR, {
    assetHashType: AssetHashType.CUSTOM,
    assetHash: assetHash(),
    bundling: {
      // Never pulled: the local bundler below either assembles the asset or throws saying why.
      image: DockerImage.fromRegistry('image-cdn-lambda-asset-is-assembled-locally-not-in-docker'),
      local: { tryBundle: (outputDir) => assembleAsset(outputDir) },
    },
  });
}

function assetHash(): string {
  const hash = createHash('sha256').update(SHARP_INSTALL.join(' '));
  for (const name of readdirSync(ORIGIN_FUNCTION_BUNDLE_DIR).sort()) hash.update(name).update(readFileSync(path.join(ORIGIN_FUNCTION_BUNDLE_DIR, name)));
  for (const name of MANIFESTS) hash.update(name).update(readFileSync(path.join(ORIGIN_CONTAINER_DIR, name)));
  return hash.digest('hex');
}

/** The bundle and the manifests copied into the asset directory, then sharp installed beside them. */
function assembleAsset(outputDir: string): true {
  for (const name of readdirSync(ORIGIN_FUNCTION_BUNDLE_DIR)) copyFileSync(path.join(ORIGIN_FUNCTION_BUNDLE_DIR, name), path.join(outputDir, name));
  for (const name of MANIFESTS) copyFileSync(path.join(ORIGIN_CONTAINER_DIR, name), path.join(outputDir, name));
  const npm = spawnSync('npm', SHARP_INSTALL, { cwd: outputDir, encoding: 'utf8', shell: process.platform === 'win32' });
  const command = `npm ${SHARP_INSTALL.join(' ')}`;
  if (npm.error || npm.status !== 0) {
    const output = `${npm.stderr ?? ''}${npm.stdout ?? ''}`.trim().split('\n').slice(-10).join('\n');
    throw new Error(
      `The origin function's asset needs npm (not Docker) to install sharp for linux-arm64; "${command}" in ${outputDir} failed: ${npm.error?.message ?? `exit ${npm.status}`}\n${output}`,
    );
  }
  const missing = NATIVE_PACKAGES.filter((name) => !existsSync(path.join(outputDir, 'node_modules', name, 'package.json')));
  if (missing.length > 0) {
    throw new Error(
      `"${command}" in ${outputDir} installed no ${missing.join(' or ')}; it needs an npm that honours --os, --cpu and --libc for optional dependencies (npm 10.4 or later)`,
    );
  }
  return true;
}
