import type { Limits } from '../config-types.js';
import { errors } from '../errors.js';

/** A source whose metadata already shows it over `maxSourceBytes` is a 413 before a byte of it is read. */
export function checkSourceSize({ size, limits }: { readonly size: number | undefined; readonly limits: Pick<Limits, 'maxSourceBytes'> }): void {
  const max = limits.maxSourceBytes;
  if (size !== undefined && size > max) throw errors.sourceTooLarge(`source is ${size} bytes; the limit is ${max}`);
}

/** An answer over `maxResponseBytes` (when set) is a 413, decided before any of it is sent. */
export function checkResponseSize({ bytes, limits }: { readonly bytes: number | undefined; readonly limits: Pick<Limits, 'maxResponseBytes'> }): void {
  const max = limits.maxResponseBytes;
  if (max !== undefined && bytes !== undefined && bytes > max) throw errors.responseTooLarge(bytes, max);
}
