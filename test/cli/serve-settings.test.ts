/**
 * `image-cdn serve` reads every setting from four layers, flag > environment > config file >
 * default (docs/configuration.md). A flag that is not given must let the lower layers show
 * through, and yes/no settings read the same words in every layer.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigFile } from '../../origin/src/config-file.js';
import { settingsFromEnv } from '../../origin/src/config.js';
import { runCliServeToExit, startCliServe } from '../support/cli-origin.js';
import { SAMPLES, tempDir } from '../support/origin.js';

const env = { PATH: process.env['PATH'] ?? '' };
const dir = tempDir('image-cdn-serve-settings-');
afterAll(() => dir.remove());

const configFile = (name: string, contents: unknown): string => {
  const file = path.join(dir.dir, name);
  writeFileSync(file, JSON.stringify(contents));
  return file;
};

/** Serves one request and stops; what the origin wrote on stdout (its access log) and where it listened. */
async function serveOnce(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ url: string; accessLog: string }> {
  const origin = await startCliServe(['--root', SAMPLES, ...args], { ...env, ...extraEnv });
  try {
    expect((await fetch(`${origin.url}/fossa.jpg`)).status).toBe(200);
  } finally {
    await origin.stop();
  }
  return { url: origin.url, accessLog: origin.stdout() };
}

// 127.0.0.2 is a loopback address on Linux that is not the serve default (127.0.0.1).
describe('serve: a flag that is not given does not hide the lower layers', () => {
  it('HOST from the environment', async () => {
    const { url } = await serveOnce(['--port', '0'], { HOST: '127.0.0.2' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
  });

  it("a config file's host", async () => {
    const { url } = await serveOnce(['--port', '0', '--config', configFile('host.json', { host: '127.0.0.2' })]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
  });

  it('the access log is on by default', async () => {
    expect((await serveOnce(['--port', '0'])).accessLog).toContain('"path":"/fossa.jpg"');
  });

  it('IMAGE_CDN_ACCESS_LOG=false turns the access log off', async () => {
    expect((await serveOnce(['--port', '0'], { IMAGE_CDN_ACCESS_LOG: 'false' })).accessLog).toBe('');
  });

  it("a config file's accessLog: false turns the access log off", async () => {
    expect((await serveOnce(['--port', '0', '--config', configFile('quiet.json', { accessLog: false })])).accessLog).toBe('');
  });

  it('a flag still wins over the environment and the file', async () => {
    const file = configFile('loud.json', { host: '127.0.0.2', accessLog: true });
    const { url, accessLog } = await serveOnce(['--port', '0', '--host', '127.0.0.1', '--no-access-log', '--config', file], { HOST: '127.0.0.2' });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(accessLog).toBe('');
  });
});

describe('yes/no settings read the same words in every layer', () => {
  const words: Array<[string, boolean]> = [
    ['true', true],
    ['false', false],
    ['1', true],
    ['0', false],
    ['yes', true],
    ['no', false],
    ['on', true],
    ['off', false],
    ['YES', true],
    ['Off', false],
  ];

  it.each(words)('%s in the environment', (word, expected) => {
    expect(settingsFromEnv({ IMAGE_CDN_ACCESS_LOG: word }).accessLog).toBe(expected);
  });

  it.each(words)('%s in the config file', (word, expected) => {
    expect(parseConfigFile({ accessLog: word }, { file: 'image-cdn.json', baseDir: dir.dir }).accessLog).toBe(expected);
  });

  it('a flag takes a word too: --access-log off', async () => {
    expect((await serveOnce(['--port', '0', '--access-log', 'off'])).accessLog).toBe('');
  });

  it('any other word is an error naming the setting, the layer and the value', () => {
    expect(() => settingsFromEnv({ IMAGE_CDN_ACCESS_LOG: 'nope' })).toThrow(/environment variable IMAGE_CDN_ACCESS_LOG must be .*yes.*no.*, got "nope"/);
    expect(() => parseConfigFile({ accessLog: 'maybe' }, { file: 'image-cdn.json', baseDir: dir.dir })).toThrow(
      /^image-cdn\.json: accessLog must be .*yes.*no.*, got "maybe"$/,
    );
  });

  it('serve: a bad word in the environment is a usage error (exit 2) naming the variable and the value', async () => {
    const { code, stderr } = await runCliServeToExit(['--root', SAMPLES], { ...env, IMAGE_CDN_ACCESS_LOG: 'nope' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^image-cdn serve: environment variable IMAGE_CDN_ACCESS_LOG must be .*, got "nope"\n$/);
  });

  it('serve: a bad value in the config file is a usage error (exit 2) naming the key and the value', async () => {
    const { code, stderr } = await runCliServeToExit(['--root', SAMPLES, '--config', configFile('bad.json', { accessLog: 'maybe' })], env);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^image-cdn serve: .*bad\.json: accessLog must be .*, got "maybe"\n$/);
  });

  it('serve: a bad number in the environment is a usage error (exit 2) naming the variable and the value', async () => {
    const { code, stderr } = await runCliServeToExit(['--root', SAMPLES], { ...env, IMAGE_CDN_MAX_PIXELS: 'lots' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^image-cdn serve: environment variable IMAGE_CDN_MAX_PIXELS must be an integer .*, got "lots"\n$/);
  });
});
