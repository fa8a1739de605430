import type { ImageOptions } from './types.js';

/**
 * `width=auto` takes the client's `Sec-CH-Width` (or legacy `Width`) hint: the layout width in
 * device pixels, so dpr is already in it. Without a hint it means "no width".
 */
export function resolveAutoWidth(
  options: ImageOptions,
  header: (name: string) => string | undefined,
  maxWidth: number,
): { readonly options: ImageOptions; readonly vary: readonly string[] } {
  if (options.width !== 'auto') return { options, vary: [] };
  const { width: _auto, dpr: _dpr, ...rest } = options;
  const hint = Number(header('sec-ch-width') ?? header('width'));
  const vary = ['Sec-CH-Width', 'Width'];
  if (Number.isInteger(hint) && hint >= 1 && hint <= maxWidth) return { options: { ...rest, width: hint }, vary };
  return { options: { ...rest, ...(options.dpr !== undefined && { dpr: options.dpr }) }, vary };
}
