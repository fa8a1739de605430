import { domainToASCII } from 'node:url';

/**
 * Host allow-list for HTTP sources. An entry is either an exact host (`images.example.com`) or a
 * suffix starting with a dot (`.example.com`: the domain itself and any subdomain). Matching is on
 * whole labels, never on substrings: `.example.com` does not allow `badexample.com`.
 */
export type HostAllowList = (hostname: string) => boolean;

/** Why an entry is unusable, or undefined when it is fine. */
export function invalidHostEntry(entry: string): string | undefined {
  if (entry.length === 0) return 'empty host';
  if (/[\s/:?#@*]/.test(entry.replace(/^\[[0-9a-f:.]+\]$/i, ''))) {
    return 'expected a host name ("images.example.com") or a dot-prefixed suffix (".example.com"), without scheme, port, path or wildcard';
  }
  if (entry === '.' || entry.startsWith('..')) return 'a suffix needs a domain after the dot';
  return undefined;
}

export function createHostAllowList(entries: readonly string[]): HostAllowList {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const raw of entries) {
    const problem = invalidHostEntry(raw);
    if (problem) throw new Error(`invalid allow-list entry "${raw}": ${problem}`);
    const entry = normaliseHost(raw);
    if (entry.startsWith('.')) {
      suffixes.push(entry);
      exact.add(entry.slice(1));
    } else {
      exact.add(entry);
    }
  }
  return (hostname) => {
    const host = normaliseHost(hostname);
    return exact.has(host) || suffixes.some((suffix) => host.endsWith(suffix));
  };
}

/**
 * Lower case, punycode (URL hostnames arrive that way), without the trailing dot of a fully
 * qualified name (`example.com.`).
 */
function normaliseHost(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, '');
  if (lower.startsWith('[')) return lower;
  const suffix = lower.startsWith('.');
  const ascii = domainToASCII(suffix ? lower.slice(1) : lower) || lower;
  return suffix ? `.${ascii}` : ascii;
}
