import { describe, expect, it } from 'vitest';
import { resolveConfig, settingsFromEnv } from '../../../origin/src/config.js';
import { defaultConfig } from '../../../origin/src/start.js';

describe('configuration layers', () => {
  it('reads the container environment', () => {
    const settings = settingsFromEnv({
      PORT: '8080',
      IMAGE_CDN_S3_BUCKET: 'images',
      IMAGE_CDN_S3_PREFIX: 'uploads/',
      IMAGE_CDN_REQUEST_TIMEOUT_MS: '5000',
      IMAGE_CDN_GRAMMARS: 'cloudflare,imgix',
      IMAGE_CDN_VARIANTS: '{"thumb":"width=120"}',
      IMAGE_CDN_SIGNING_KEYS: 'aaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbb',
      IMAGE_CDN_SIGNING: 'optional',
      IMAGE_CDN_CACHE_TAG_HEADER: 'x-image-cdn-cache-tag',
    });
    const config = resolveConfig({ defaults: defaultConfig() }, settings);
    expect(config.port).toBe(8080);
    expect(config.mounts).toEqual([{ prefix: '/', source: { type: 's3', bucket: 'images', prefix: 'uploads/' } }]);
    expect(config.limits.requestTimeoutMs).toBe(5000);
    expect(config.grammars).toEqual(['cloudflare', 'imgix']);
    expect(config.variants).toEqual({ thumb: 'width=120' });
    expect(config.signing).toEqual({ keys: ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb'], mode: 'optional', exemptVariants: false });
    expect(config.cacheTagHeader).toBe('x-image-cdn-cache-tag');
  });

  it('flags win over the environment, which wins over the defaults', () => {
    const config = resolveConfig({ defaults: defaultConfig() }, { port: 1, maxPixels: 10 }, { port: 2 });
    expect(config.port).toBe(2);
    expect(config.limits.maxPixels).toBe(10);
  });

  it('decoded-source memory: 256 MiB by default, 0 keeps none, negative refused', () => {
    expect(defaultConfig().limits.sourceCacheMiB).toBe(256);
    expect(resolveConfig({ defaults: defaultConfig() }, settingsFromEnv({ IMAGE_CDN_SOURCE_CACHE_MB: '0' })).limits.sourceCacheMiB).toBe(0);
    expect(resolveConfig({ defaults: defaultConfig() }, { sourceCacheMiB: 64 }).limits.sourceCacheMiB).toBe(64);
    expect(() => resolveConfig({ defaults: defaultConfig() }, { sourceCacheMiB: -1 })).toThrow(
      /limits.sourceCacheMiB must be an integer of at least 0, got -1/,
    );
  });

  it('connection timeouts: the ALB default idle timeout and 10 s for headers, from the environment or flags', () => {
    expect(defaultConfig()).toMatchObject({ loadBalancerIdleTimeoutMs: 60_000, headersTimeoutMs: 10_000 });
    const fromEnv = resolveConfig(
      { defaults: defaultConfig() },
      settingsFromEnv({ IMAGE_CDN_LB_IDLE_TIMEOUT_MS: '120000', IMAGE_CDN_HEADERS_TIMEOUT_MS: '3000' }),
    );
    expect(fromEnv).toMatchObject({ loadBalancerIdleTimeoutMs: 120_000, headersTimeoutMs: 3_000 });
    expect(() => resolveConfig({ defaults: defaultConfig() }, settingsFromEnv({ IMAGE_CDN_LB_IDLE_TIMEOUT_MS: '60s' }))).toThrow(
      /environment variable IMAGE_CDN_LB_IDLE_TIMEOUT_MS must be an integer from 1 to 4000000, got "60s"/,
    );
    expect(() => resolveConfig({ defaults: defaultConfig() }, { headersTimeoutMs: 0 })).toThrow(/headersTimeoutMs must be an integer from 1 to 300000, got 0/);
  });

  it('names the bad value', () => {
    expect(() => settingsFromEnv({ IMAGE_CDN_GRAMMARS: 'cloudflare,fastly' })).toThrow(/unknown grammar "fastly"/);
    expect(() => settingsFromEnv({ IMAGE_CDN_VARIANTS: '{oops' })).toThrow(/IMAGE_CDN_VARIANTS is not valid JSON/);
    expect(() => resolveConfig({ defaults: defaultConfig() }, { maxPixels: -5 })).toThrow(/limits.maxPixels must be an integer of at least 1, got -5/);
    expect(() => resolveConfig({ defaults: defaultConfig() }, { port: 70000 })).toThrow(/port must be an integer from 0 to 65535, got 70000/);
    expect(() => resolveConfig({ defaults: defaultConfig() }, { signingMode: 'required' })).toThrow(
      /signing.mode needs signing.keys too \(--signing-key <key>, IMAGE_CDN_SIGNING_KEYS or signing.keys in a config file\)/,
    );
  });
});
