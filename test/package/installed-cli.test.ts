/**
 * `npx image-cdn` where the package is installed (`npm install image-cdn`): the compiled CLI runs
 * without any optional peer, a command that needs one says which to install, and with sharp added
 * `serve` works on a directory (and, with no sample images in the package, asks for one).
 */
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY } from '../support/package-tarball.js';
import { runCliServeToExit, startCliOrigin } from '../support/cli-origin.js';
import { bareInstall } from './support/bare-install.js';
import { runIn } from './support/consumer-apps.js';

let app: string;
let cli: string;
/** The environment of a shell without image-cdn or AWS settings. */
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(IMAGE_CDN_|AWS_)/.test(name)));
const run = (...args: string[]) => runIn(app, process.execPath, [cli, ...args], { ...env, AWS_REGION: 'us-east-1' });

beforeAll(async () => {
  app = await bareInstall('cli');
  cli = path.join(app, 'node_modules/image-cdn/dist/bin/image-cdn.js');
}, 300_000);

afterAll(async () => {
  if (app) await rm(app, { recursive: true, force: true });
});

describe('the installed CLI without optional peers', () => {
  it('has none of them on disk', async () => {
    for (const peer of ['sharp', '@aws-sdk/client-s3', '@aws-sdk/client-cloudfront', 'aws-cdk-lib']) {
      await expect(readFile(path.join(app, 'node_modules', peer, 'package.json')), peer).rejects.toThrow(/ENOENT/);
    }
  });

  it('prints its help', async () => {
    const result = await run('--help');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Usage: image-cdn/);
    for (const command of ['serve', 'put', 'invalidate', 'sign']) expect(result.stdout).toContain(command);
  });

  it('signs a URL (no peer needed)', async () => {
    const result = await run('sign', '/cdn-cgi/image/width=100/a.jpg', '--signing-key', '0123456789abcdef0123');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\/cdn-cgi\/image\/width=100\/a\.jpg\?sig=/);
  });

  it.each([
    ['serve', ['serve', '--root', '.'], 'sharp'],
    ['put', ['put', 'photo.jpg', '--bucket', 'images'], '@aws-sdk/client-s3'],
    ['invalidate', ['invalidate', '--prefix', '/v2/', '--distribution-id', 'E2QWRUHAPOMQZL'], '@aws-sdk/client-cloudfront'],
  ])('%s names the peer to install, in one line, exit 2', async (command, args, peer) => {
    const result = await run(...args);
    expect(result.code).toBe(2);
    expect(result.stderr.split('\n')[0]).toBe(
      `image-cdn ${command}: ${command === 'invalidate' ? 'usage error: ' : ''}needs ${peer}, an optional peer dependency of image-cdn that is not installed: npm install ${peer}`,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the installed CLI with sharp added', () => {
  beforeAll(async () => {
    const lock = JSON.parse(await readFile(path.join(REPOSITORY, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    const added = await runIn(app, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', `sharp@${lock.packages['node_modules/sharp']!.version}`]);
    expect(added.code, added.stderr).toBe(0);
  }, 300_000);

  it('asks for a source: the package ships no sample images', async () => {
    const { code, stderr } = await runCliServeToExit([], env, cli);
    expect(stderr).toBe('image-cdn serve: no image source: pass --root <dir> or --s3-bucket <name>\n');
    expect(code).toBe(2);
  });

  it('serves a directory', async () => {
    const root = path.join(app, 'images');
    await mkdir(root);
    await cp(path.join(REPOSITORY, 'samples/fossa.jpg'), path.join(root, 'fossa.jpg'));
    const origin = await startCliOrigin(['--root', root], env, cli);
    try {
      const response = await fetch(`${origin.url}/cdn-cgi/image/width=200,format=webp/fossa.jpg`);
      expect(response.status).toBe(200);
      const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      expect([meta.format, meta.width]).toEqual(['webp', 200]);
    } finally {
      expect(await origin.stop()).toBe(0);
    }
  });

  it('serves the playground from the package: its page, the model the build bundled, the gallery', async () => {
    const origin = await startCliOrigin(['--root', path.join(app, 'images')], env, cli);
    try {
      expect((await fetch(`${origin.url}/`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await (await fetch(`${origin.url}/.playground/model.js`)).text()).toMatch(/^\/\/ The image-cdn playground's model/);
      const sources = (await (await fetch(`${origin.url}/.playground/api/sources`)).json()) as { entries: Array<{ path: string }> };
      expect(sources.entries.map((entry) => entry.path)).toEqual(['fossa.jpg']);
    } finally {
      expect(await origin.stop()).toBe(0);
    }
  });
});
