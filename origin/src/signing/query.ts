/**
 * Raw query-string handling for signature checks. Signatures cover the URL exactly as sent,
 * so parameters are removed without re-encoding anything else (URLSearchParams would rewrite
 * `,` as `%2C` and break every signature over a query).
 */

export interface RawParameter {
  /** Decoded name (undefined when its percent-encoding is malformed). */
  readonly name: string | undefined;
  /** Decoded value (undefined when malformed or absent). */
  readonly value: string | undefined;
  /** The `name=value` text as sent. */
  readonly raw: string;
}

const decode = (text: string): string | undefined => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
};

/** `?a=1&b=2` or `a=1&b=2` → its parameters in order. */
export function rawParameters(search: string): RawParameter[] {
  const query = search.startsWith('?') ? search.slice(1) : search;
  if (query === '') return [];
  return query.split('&').map((raw) => {
    const equals = raw.indexOf('=');
    return equals < 0 ? { name: decode(raw), value: undefined, raw } : { name: decode(raw.slice(0, equals)), value: decode(raw.slice(equals + 1)), raw };
  });
}

/** The query (with `?`, or '' when nothing is left) without the named parameters. */
export function withoutParameters(search: string, names: ReadonlySet<string>): string {
  const kept = rawParameters(search).filter((p) => p.name === undefined || !names.has(p.name));
  return kept.length === 0 ? '' : `?${kept.map((p) => p.raw).join('&')}`;
}

/** Values of one parameter, in order. */
export function parameterValues(search: string, name: string): (string | undefined)[] {
  return rawParameters(search)
    .filter((p) => p.name === name)
    .map((p) => p.value);
}
