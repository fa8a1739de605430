/**
 * What `npm pack` ships: compiled JavaScript and declarations for every entry point, the container
 * asset, the licence and docs, and nothing of the repository's own tooling. Read from the tarball
 * the global setup packed, not from the source tree.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARBALL } from '../support/package-tarball.js';

const run = promisify(execFile);
const ENTRY_POINTS = ['.', './client', './upload', './invalidate', './origin'] as const;

let unpacked: string;
let files: string[];
let manifest: {
  private?: boolean;
  exports: Record<string, { types: string; default: string } | string>;
  typesVersions: Record<string, Record<string, string[]>>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional: boolean }>;
  scripts: Record<string, string>;
};

beforeAll(async () => {
  unpacked = await mkdtemp(path.join(tmpdir(), 'image-cdn-tarball-'));
  await run('tar', ['xzf', TARBALL, '-C', unpacked]);
  files = (await run('tar', ['tzf', TARBALL])).stdout
    .trim()
    .split('\n')
    .map((file) => file.replace(/^package\//, ''));
  manifest = JSON.parse(await readFile(path.join(unpacked, 'package', 'package.json'), 'utf8'));
});

afterAll(async () => {
  await rm(unpacked, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('is publishable: not private, with a LICENSE', async () => {
    expect(manifest.private).toBeUndefined();
    expect(files).toContain('LICENSE');
    expect(await readFile(path.join(unpacked, 'package/LICENSE'), 'utf8')).toMatch(/Apache License\s+Version 2\.0/);
  });

  it('ships no tests, benchmarks, samples, CI scripts or TypeScript sources', () => {
    const unwanted = files.filter((file) => /^(test|bench|samples|tools|\.ci|lib|bin)\//.test(file) || (/\.ts$/.test(file) && !/\.d\.ts$/.test(file)));
    expect(unwanted).toEqual([]);
  });

  it('has JavaScript and declarations behind every entry point, for require and import alike', () => {
    for (const entry of ENTRY_POINTS) {
      const target = manifest.exports[entry];
      expect(target, entry).toMatchObject({ types: expect.stringMatching(/\.d\.ts$/), default: expect.stringMatching(/\.js$/) });
      const { types, default: code } = target as { types: string; default: string };
      expect(files, entry).toContain(code.replace(/^\.\//, ''));
      expect(files, entry).toContain(types.replace(/^\.\//, ''));
      // Classic `moduleResolution: node` ignores exports; typesVersions maps the subpaths for it.
      if (entry !== '.') expect(manifest.typesVersions['*']![entry.slice(2)]).toEqual([types.replace(/^\.\//, '')]);
    }
  });

  it('marks everything under dist/ as CommonJS, the format CDK apps require()', async () => {
    expect(JSON.parse(await readFile(path.join(unpacked, 'package/dist/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  it('runs the compiled CLI with node, not tsx', async () => {
    const bin = manifest.bin['image-cdn']!;
    expect(bin).toBe('dist/bin/image-cdn.js');
    const source = await readFile(path.join(unpacked, 'package', bin), 'utf8');
    expect(source.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(source).not.toMatch(/tsx/);
    expect(Object.keys(manifest.dependencies)).not.toContain('tsx');
  });

  it('declares aws-cdk-lib, constructs, sharp and the AWS SDK as optional peers, and builds on pack', () => {
    for (const peer of [
      'aws-cdk-lib',
      'constructs',
      'sharp',
      '@aws-sdk/client-s3',
      '@aws-sdk/lib-storage',
      '@aws-sdk/client-cloudfront',
      '@aws-sdk/client-cloudformation',
    ]) {
      expect(manifest.peerDependencies[peer], peer).toBeDefined();
      expect(manifest.peerDependenciesMeta[peer], peer).toEqual({ optional: true });
      expect(manifest.dependencies[peer], peer).toBeUndefined();
    }
    expect(manifest.scripts['prepack']).toBe('npm run build');
    // A registry or tarball install runs no script of ours.
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) expect(manifest.scripts[hook], hook).toBeUndefined();
  });

  it('carries the container asset: Dockerfile, lockfile and the built bundle, no node_modules', () => {
    for (const file of ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'bundle/main.js', 'bundle/package.json']) {
      expect(files).toContain(`origin/container/${file}`);
    }
    expect(files.filter((file) => file.includes('node_modules'))).toEqual([]);
  });

  it("carries the Lambda origin's bundle, which its asset completes with sharp from the container's lockfile", () => {
    expect(files.filter((file) => file.startsWith('origin/lambda/')).sort()).toEqual([
      'origin/lambda/bundle/handler.mjs',
      'origin/lambda/bundle/handler.mjs.LEGAL.txt',
      'origin/lambda/bundle/handler.mjs.map',
    ]);
    // Bundled only: the handler needs the Lambda runtime's globals, so dist/ has no copy of it.
    expect(files.filter((file) => file.startsWith('dist/origin/src/lambda/'))).toEqual([]);
  });
});
