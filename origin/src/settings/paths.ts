/** Dotted paths (`limits.maxPixels`) into the config file's JSON and OriginConfig, which share a shape. */

export function getPath(object: unknown, path: string): unknown {
  let value = object;
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Sets a value, creating the objects on the way. */
export function setPath(object: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let target = object;
  for (const key of keys) {
    const next = target[key];
    target = target[key] = typeof next === 'object' && next !== null ? { ...next } : {};
  }
  target[last] = value;
}

/** `limits` for `limits.maxPixels`; undefined for a top-level key. */
export const groupOf = (path: string): string | undefined => (path.includes('.') ? path.slice(0, path.indexOf('.')) : undefined);
