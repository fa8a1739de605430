import type { ImageOptions, Rgba } from '../../pipeline/types.js';

/**
 * The options that change the output, as the origin's normaliser (pipeline/normalise.ts) sees
 * them: a value equal to its default, or one that only matters with another option absent here,
 * is dropped. The other grammars need not spell what makes no difference.
 */
export function effectiveOptions(options: ImageOptions): ImageOptions {
  const draft: Record<string, unknown> = { ...options };
  const drop = (key: keyof ImageOptions, when: boolean) => {
    if (when) delete draft[key];
  };
  const sized = typeof options.width === 'number' || options.width === 'auto' || options.height !== undefined;
  const fit = options.fit ?? 'scale-down';
  const crops = (fit === 'cover' || fit === 'crop') && options.width !== undefined && options.height !== undefined;
  const centre = options.gravity?.mode === 'point' && options.gravity.x === 0.5 && options.gravity.y === 0.5;
  drop('fit', !sized);
  drop('gravity', !crops || centre);
  drop('dpr', options.dpr === 1);
  for (const factor of ['brightness', 'contrast', 'gamma'] as const) drop(factor, options[factor] === 0 || options[factor] === 1);
  drop('saturation', options.saturation === 1);
  drop('sharpen', options.sharpen === 0);
  drop('rotate', options.rotate === 0);
  drop('metadata', options.metadata === 'copyright');
  drop('anim', options.anim === true);
  drop('background', options.background !== undefined && isOpaqueWhite(options.background));
  drop('trim', isEmptyTrim(options.trim));
  drop(
    'border',
    options.border !== undefined && ('width' in options.border ? options.border.width === 0 : Object.values(options.border.edges).every((v) => v === 0)),
  );
  return draft;
}

const isOpaqueWhite = (c: Rgba) => c.r === 255 && c.g === 255 && c.b === 255 && c.alpha === 1;

function isEmptyTrim(trim: ImageOptions['trim']): boolean {
  if (trim?.mode === 'edges') return Object.values(trim.edges).every((v) => v === 0);
  if (trim?.mode === 'rect') return trim.left === 0 && trim.top === 0 && trim.width === undefined && trim.height === undefined;
  return false;
}
