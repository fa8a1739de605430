import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which network addresses an HTTP source may connect to. Default policy: public unicast only.
 * Everything an attacker could use to reach the origin's own network is refused: loopback,
 * RFC 1918 private, link-local (the 169.254.169.254 metadata service), CGNAT, unspecified,
 * multicast, broadcast, reserved/documentation ranges, IPv6 unique-local, link-local and
 * site-local, and IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo).
 */
export type AddressVerdict = { readonly allowed: true } | { readonly allowed: false; readonly addressClass: string };

/** Decides whether a connection to `address` (an IP literal, as DNS returned it) may be made. */
export type AddressGuard = (address: string) => AddressVerdict;

const ALLOWED: AddressVerdict = { allowed: true };
const refused = (addressClass: string): AddressVerdict => ({ allowed: false, addressClass });

/** Human names for ipaddr.js range labels, for the log line of a refusal (the client is not told). */
const CLASS_NAMES: Readonly<Record<string, string>> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT (100.64.0.0/10)',
  private: 'private (RFC 1918)',
  reserved: 'reserved',
  as112: 'reserved (AS112)',
  amt: 'reserved (AMT)',
  uniqueLocal: 'unique-local (fc00::/7)',
  deprecatedSiteLocal: 'site-local (fec0::/10)',
  discard: 'discard-only (100::/64)',
  rfc6145: 'IPv4-translated (RFC 6145)',
  rfc6052: 'NAT64 (64:ff9b::/96)',
  '6to4': '6to4 (2002::/16)',
  teredo: 'Teredo (2001::/32)',
  benchmarking: 'benchmarking',
  as112v6: 'reserved (AS112)',
  deprecatedOrchid: 'ORCHID',
  orchid2: 'ORCHIDv2',
  droneRemoteIdProtocolEntityTags: 'reserved (DRIP)',
  segmentRouting: 'segment routing (5f00::/16)',
};

/** Global unicast (2000::/3): the only IPv6 space reachable on the public internet. */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');
/** The metadata service deserves its own name in refusals: it is the classic SSRF target. */
const METADATA_SERVICE = ['169.254.169.254', 'fd00:ec2::254'];

const className = (range: string): string => CLASS_NAMES[range] ?? range;

export const defaultAddressGuard: AddressGuard = (address) => {
  if (isIP(address) === 4) return checkIPv4(ipaddr.IPv4.parse(address));
  const canonical = canonicalIPv6(address);
  if (canonical === undefined) return refused('not an IP address');
  return checkIPv6(ipaddr.IPv6.parse(canonical));
};

/**
 * ipaddr.js reads `::a.b.c.d` as IPv4-mapped (it is IPv4-compatible, a different address), so
 * IPv6 text is first serialised the WHATWG way, which never uses dotted quads. The zone id
 * (`fe80::1%eth0`) is dropped: it does not change which range the address is in.
 */
function canonicalIPv6(address: string): string | undefined {
  const withoutZone = address.replace(/%.*$/, '');
  if (isIP(withoutZone) !== 6) return undefined;
  return new URL(`http://[${withoutZone}]/`).hostname.slice(1, -1);
}

function checkIPv4(ip: ipaddr.IPv4): AddressVerdict {
  if (METADATA_SERVICE.includes(ip.toString())) return refused('link-local (cloud metadata service)');
  const range = ip.range();
  return range === 'unicast' ? ALLOWED : refused(className(range));
}

function checkIPv6(ip: ipaddr.IPv6): AddressVerdict {
  if (METADATA_SERVICE.includes(ip.toString())) return refused('unique-local (cloud metadata service)');
  const range = ip.range();
  if (range === 'ipv4Mapped') {
    const inner = checkIPv4(ip.toIPv4Address());
    return inner.allowed ? inner : refused(`IPv4-mapped ${inner.addressClass}`);
  }
  // ::a.b.c.d (IPv4-compatible, deprecated) is labelled unicast by ipaddr.js; it is not.
  if (range === 'unicast' && isIPv4Compatible(ip)) {
    return refused('IPv4-compatible IPv6 (::/96)');
  }
  if (range !== 'unicast') return refused(className(range));
  if (!ip.match(IPV6_GLOBAL_UNICAST)) return refused('IPv6 outside global unicast (2000::/3)');
  return ALLOWED;
}

/** The first 96 bits are zero (and it is not :: or ::1, which have their own ranges). */
const isIPv4Compatible = (ip: ipaddr.IPv6): boolean => ip.parts.slice(0, 6).every((part) => part === 0);

/** For tests and local development: every address allowed. Never the default. */
export const allowAllAddresses: AddressGuard = () => ALLOWED;
