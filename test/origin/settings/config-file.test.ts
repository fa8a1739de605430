import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigFileError, loadConfigFile, parseConfigFile } from '../../../origin/src/config-file.js';
import { resolveConfig } from '../../../origin/src/config.js';
import { defaultConfig, startOrigin } from '../../../origin/src/start.js';
import { SAMPLES } from '../../support/origin.js';

let dir: string;
const write = (name: string, content: unknown) => {
  const file = path.join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
};
const parse = (json: unknown) => parseConfigFile(json, { file: 'image-cdn.json', baseDir: dir });
const errorOf = (json: unknown): string => {
  try {
    parse(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigFileError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
};

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'image-cdn-config-'));
  mkdirSync(path.join(dir, 'public'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConfigFile', () => {
  it('reads a complete file: mounts with per-mount Cache-Control, S3 and file sources, httpSource, limits, cache defaults', () => {
    const file = write('full.json', {
      $schema: './image-cdn.schema.json',
      host: '0.0.0.0',
      port: 8080,
      accessLog: false,
      mounts: [
        {
          prefix: '/uploads/',
          source: { type: 's3', bucket: 'my-images', prefix: 'uploads/', forcePathStyle: true, verifyDigest: true },
        },
        { prefix: '/static', source: { type: 'file', root: 'public' }, cacheControl: 'public, max-age=600' },
      ],
      httpSource: { allowHosts: ['images.example.com', '.cdn.example.org'], maxRedirects: 2, timeoutMs: 3000 },
      limits: { maxPixels: 40000000, queueSize: 0, sourceCacheMiB: 0 },
      cacheControl: { default: 'public, max-age=120' },
    });
    expect(loadConfigFile(file)).toEqual({
      host: '0.0.0.0',
      port: 8080,
      accessLog: false,
      mounts: [
        {
          prefix: '/uploads/',
          source: { type: 's3', bucket: 'my-images', prefix: 'uploads/', forcePathStyle: true, verifyDigest: true },
        },
        // Relative roots are relative to the config file, and prefixes are normalised.
        { prefix: '/static/', source: { type: 'file', root: path.join(dir, 'public') }, cacheControl: 'public, max-age=600' },
      ],
      httpSource: { allowHosts: ['images.example.com', '.cdn.example.org'], maxRedirects: 2, timeoutMs: 3000 },
      limits: { maxPixels: 40000000, queueSize: 0, sourceCacheMiB: 0 },
      cacheControl: { default: 'public, max-age=120' },
    });
  });

  it('reads the connection timeouts, which the environment and flags override', () => {
    const file = parse({ loadBalancerIdleTimeoutMs: 120_000, headersTimeoutMs: 5_000 });
    expect(file).toEqual({ loadBalancerIdleTimeoutMs: 120_000, headersTimeoutMs: 5_000 });
    const config = resolveConfig({ defaults: defaultConfig(), file }, { headersTimeoutMs: 2_000 });
    expect(config.loadBalancerIdleTimeoutMs).toBe(120_000);
    expect(config.headersTimeoutMs).toBe(2_000);
  });

  it('an empty object is a valid file that sets nothing', () => {
    expect(loadConfigFile(write('empty.json', {}))).toEqual({});
  });

  it('fills httpSource defaults the file leaves out', () => {
    expect(parse({ httpSource: { allowHosts: ['a.example'] } }).httpSource).toEqual({ allowHosts: ['a.example'], maxRedirects: 3, timeoutMs: 5000 });
  });

  it('keeps a custom content-addressed pattern', () => {
    const config = parse({ mounts: [{ prefix: '/', source: { type: 's3', bucket: 'bkt', contentAddressedPattern: '^(?<digest>[0-9a-f]{64})$' } }] });
    expect(config.mounts?.[0]?.source).toEqual({ type: 's3', bucket: 'bkt', contentAddressedPattern: '^(?<digest>[0-9a-f]{64})$' });
  });

  it('names a missing file and invalid JSON', () => {
    expect(() => loadConfigFile(path.join(dir, 'absent.json'))).toThrow(/cannot read config file .*absent\.json: ENOENT/);
    expect(() => loadConfigFile(write('broken.json', '{ "port": 80, }'))).toThrow(/broken\.json is not valid JSON/);
  });
});

describe('validation errors name the key and the bad value', () => {
  it.each([
    [{ prot: 80 }, 'image-cdn.json: prot is not a known key'],
    [{ port: '80' }, 'port must be an integer from 0 to 65535, got "80"'],
    [{ port: 70000 }, 'port must be an integer from 0 to 65535, got 70000'],
    [{ accessLog: 'maybe' }, 'accessLog must be true or false (or yes/no, on/off, 1/0), got "maybe"'],
    [{ loadBalancerIdleTimeoutMs: 0 }, 'loadBalancerIdleTimeoutMs must be an integer from 1 to 4000000, got 0'],
    [{ headersTimeoutMs: '10s' }, 'headersTimeoutMs must be an integer from 1 to 300000, got "10s"'],
    [{ mounts: {} }, 'mounts must be an array'],
    [{ mounts: [{ prefix: 'uploads/', source: { type: 'file', root: 'public' } }] }, 'mounts[0].prefix must start with "/"'],
    [{ mounts: [{ prefix: '/a/../b/', source: { type: 'file', root: 'public' } }] }, 'mounts[0].prefix invalid mount prefix'],
    [
      {
        mounts: [
          { prefix: '/a/', source: { type: 'file', root: 'public' } },
          { prefix: '/a', source: { type: 'file', root: 'public' } },
        ],
      },
      'mounts[1].prefix "/a/" is already used by mounts[0]',
    ],
    [{ mounts: [{ prefix: '/', source: { type: 'ftp' } }] }, 'mounts[0].source.type must be "file" or "s3", got "ftp"'],
    [{ mounts: [{ prefix: '/', source: { type: 'file', root: 'missing-dir' } }] }, 'mounts[0].source.root'],
    [{ mounts: [{ prefix: '/', source: { type: 'file', root: 'public', bucket: 'x' } }] }, 'mounts[0].source.bucket is not a known key'],
    [{ mounts: [{ prefix: '/', source: { type: 's3' } }] }, 'mounts[0].source.bucket must be a string, got nothing'],
    [{ mounts: [{ prefix: '/', source: { type: 's3', bucket: 'My_Bucket' } }] }, 'mounts[0].source.bucket "My_Bucket" is not a valid S3 bucket name'],
    [
      { mounts: [{ prefix: '/', source: { type: 's3', bucket: 'bkt', verifyDigest: 1 } }] },
      'mounts[0].source.verifyDigest must be true or false (or yes/no, on/off, 1/0), got 1',
    ],
    [
      { mounts: [{ prefix: '/', source: { type: 's3', bucket: 'bkt', contentAddressedPattern: '([0-9a-f' } }] },
      'mounts[0].source.contentAddressedPattern content-addressed pattern "([0-9a-f" is not a valid regular expression',
    ],
    [
      { mounts: [{ prefix: '/', source: { type: 'file', root: 'public' }, cacheControl: '' }] },
      'mounts[0].cacheControl must be a non-empty Cache-Control value',
    ],
    [
      { mounts: [{ prefix: '/', source: { type: 'file', root: 'public' }, cacheControl: 'max-age=1\r\nX-Evil: 1' }] },
      'mounts[0].cacheControl must not contain control characters',
    ],
    [{ httpSource: { allowHosts: 'a.example' } }, 'httpSource.allowHosts must be an array'],
    [{ httpSource: { allowHosts: ['https://a.example'] } }, 'httpSource.allowHosts[0] "https://a.example" is invalid'],
    [{ httpSource: { allowHosts: [], maxRedirects: -1 } }, 'httpSource.maxRedirects must be an integer from 0 to 20, got -1'],
    [{ httpSource: { allowHosts: [], timeout: 5 } }, 'httpSource.timeout is not a known key'],
    [{ limits: { maxPixels: 0 } }, 'limits.maxPixels must be an integer of at least 1, got 0'],
    [{ limits: { maxPixels: 1.5 } }, 'limits.maxPixels must be an integer of at least 1, got 1.5'],
    [{ limits: { maxPixel: 5 } }, 'limits.maxPixel is not a known key; expected one of: maxPixels'],
    [{ cacheControl: { default: 5 } }, 'cacheControl.default must be a non-empty Cache-Control value, got 5'],
    [{ cacheControl: { errors: 'no-store' } }, 'cacheControl.errors is not a known key'],
    [[], 'the top level must be an object'],
  ])('%j', (json, expected) => {
    expect(errorOf(json)).toContain(expected);
  });
});

describe('a config file drives a running origin', () => {
  it('mounts and per-mount Cache-Control from the file apply to responses', async () => {
    const file = write('serve.json', {
      mounts: [
        { prefix: '/static/', source: { type: 'file', root: SAMPLES }, cacheControl: 'public, max-age=42' },
        { prefix: '/', source: { type: 'file', root: SAMPLES } },
      ],
      cacheControl: { default: 'public, max-age=7' },
    });
    const config = resolveConfig({ defaults: defaultConfig(), file: loadConfigFile(file) }, { host: '127.0.0.1', port: 0, accessLog: false });
    const origin = await startOrigin(config, { logger: false });
    try {
      const mounted = await fetch(`${origin.url}/cdn-cgi/image/width=20/static/fossa.jpg`);
      expect(mounted.status).toBe(200);
      expect(mounted.headers.get('cache-control')).toBe('public, max-age=42');
      const root = await fetch(`${origin.url}/cdn-cgi/image/width=20/fossa.jpg`);
      expect(root.status).toBe(200);
      expect(root.headers.get('cache-control')).toBe('public, max-age=7');
    } finally {
      await origin.close();
    }
  });
});
