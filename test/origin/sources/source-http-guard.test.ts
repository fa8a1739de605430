import { describe, expect, it } from 'vitest';
import { defaultAddressGuard } from '../../../origin/src/sources/address-guard.js';
import { createHostAllowList, invalidHostEntry } from '../../../origin/src/sources/host-allow-list.js';

const refusedClass = (address: string): string | undefined => {
  const verdict = defaultAddressGuard(address);
  return verdict.allowed ? undefined : verdict.addressClass;
};

describe('address guard', () => {
  it.each([
    // IPv4
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.10.10', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.254', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['203.0.113.7', 'reserved'],
    // IPv6
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'discard'],
    // IPv4 embedded in IPv6
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback'],
    ['::ffff:10.1.2.3', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped link-local'],
    ['::ffff:100.64.1.1', 'IPv4-mapped carrier-grade NAT'],
    ['::ffff:0.0.0.0', 'IPv4-mapped unspecified'],
    ['::127.0.0.1', 'IPv4-compatible'],
    ['::7f00:1', 'IPv4-compatible'],
    ['::8.8.8.8', 'IPv4-compatible'],
    ['::ffff:0:7f00:1', 'IPv4-translated'],
    ['64:ff9b::7f00:1', 'NAT64'],
    ['2002:7f00:1::1', '6to4'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo'],
    // Not addresses at all
    ['localhost', 'not an IP address'],
    ['', 'not an IP address'],
  ])('refuses %s (%s)', (address, expectedClass) => {
    const found = refusedClass(address);
    expect(found).toBeDefined();
    expect(found).toContain(expectedClass);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8'])(
    'allows public %s',
    (address) => {
      expect(defaultAddressGuard(address)).toEqual({ allowed: true });
    },
  );
});

describe('host allow-list', () => {
  const allowed = createHostAllowList(['images.example.com', '.cdn.example.org', 'Upper.Example.NET', '.bücher.example']);

  it('matches exact hosts, case-insensitively, with or without the trailing dot', () => {
    expect(allowed('images.example.com')).toBe(true);
    expect(allowed('IMAGES.example.com')).toBe(true);
    expect(allowed('images.example.com.')).toBe(true);
    expect(allowed('upper.example.net')).toBe(true);
  });

  it('an exact entry does not admit subdomains or look-alikes', () => {
    expect(allowed('a.images.example.com')).toBe(false);
    expect(allowed('example.com')).toBe(false);
    expect(allowed('images.example.com.evil.test')).toBe(false);
    expect(allowed('imagesXexample.com')).toBe(false);
  });

  it('a dot-prefixed entry admits the domain and its subdomains, on label boundaries only', () => {
    expect(allowed('cdn.example.org')).toBe(true);
    expect(allowed('a.cdn.example.org')).toBe(true);
    expect(allowed('a.b.cdn.example.org')).toBe(true);
    expect(allowed('evilcdn.example.org')).toBe(false);
    expect(allowed('cdn.example.org.evil.test')).toBe(false);
    expect(allowed('example.org')).toBe(false);
  });

  it('compares internationalised names in their punycode form, as URLs carry them', () => {
    expect(allowed(new URL('https://img.bücher.example/a.jpg').hostname)).toBe(true);
    expect(allowed('xn--bcher-kva.example')).toBe(true);
  });

  it('an empty list allows nothing', () => {
    expect(createHostAllowList([])('images.example.com')).toBe(false);
  });

  it.each(['', 'https://example.com', 'example.com/path', 'example.com:8080', '*.example.com', '.', '..example.com', 'a b.com'])(
    'rejects the entry %j',
    (entry) => {
      expect(invalidHostEntry(entry)).toBeDefined();
      expect(() => createHostAllowList([entry])).toThrow(/invalid allow-list entry/);
    },
  );
});
