/**
 * `image-cdn/client` is web-safe: bundled for the browser by esbuild from the installed package it
 * pulls in no Node built-in, no AWS SDK and no sharp, and the bundle runs in a bare JavaScript
 * realm (node:vm, no Node globals) to build the same URLs as on the server.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import vm from 'node:vm';
import { build, type Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageSrcset, imageUrl } from '../../lib/client/index.js';
import { bareInstall } from './support/bare-install.js';

let app: string;
let bundle: string;
let metafile: Metafile;

beforeAll(async () => {
  // No peers: the client needs none of them, and none are installed.
  app = await bareInstall('browser');
  await mkdir(path.join(app, 'src'));
  await writeFile(path.join(app, 'src/entry.js'), "export { imageUrl, imageSrcset } from 'image-cdn/client';\n");
  const result = await build({
    absWorkingDir: app,
    entryPoints: ['src/entry.js'],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'imageCdnClient',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  bundle = result.outputFiles[0]!.text;
  metafile = result.metafile;
}, 300_000);

afterAll(async () => {
  await rm(app, { recursive: true, force: true });
});

describe('image-cdn/client in a browser bundle', () => {
  it('bundles with --platform=browser from nothing but the package', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.length).toBeGreaterThan(1);
    expect(inputs.filter((input) => /sharp|@aws-sdk|aws-cdk-lib|^node:/.test(input))).toEqual([]);
    expect(/\brequire\(|from\s*["']node:|["']node:[a-z]/.test(bundle)).toBe(false);
    // Module names as strings (the `sharpen` option is fine; a "sharp" specifier is not).
    expect(/["']sharp["']|["']@aws-sdk\//.test(bundle)).toBe(false);
  });

  it('runs in a realm without Node globals and builds the URLs the server-side client builds', () => {
    const realm = vm.createContext({});
    vm.runInContext(`${bundle}\nglobalThis.client = imageCdnClient;`, realm);
    const client = realm['client'] as { imageUrl: typeof imageUrl; imageSrcset: typeof imageSrcset };
    const options = { width: 600, fit: 'cover', format: 'auto' } as const;
    expect(client.imageUrl('uploads/photo.jpg', options)).toBe(imageUrl('uploads/photo.jpg', options));
    expect(client.imageSrcset('uploads/photo.jpg', [320, 640], { format: 'auto' })).toBe(imageSrcset('uploads/photo.jpg', [320, 640], { format: 'auto' }));
  });
});
