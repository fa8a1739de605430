import type { OriginConfig } from '../config-types.js';
import { resolveAutoWidth } from '../pipeline/auto-width.js';
import { fingerprint } from '../pipeline/fingerprint.js';
import { normalise } from '../pipeline/normalise.js';
import type { ImageOptions, ImageRequest } from '../pipeline/types.js';
import { resolveVariant, type VariantTable } from '../pipeline/variants.js';
import { outputIdentity } from '../transform/encoder-settings.js';
import { checkOutputLimits } from '../transform/limits.js';
import type { PlanCache, TransformPlan } from './plan-cache.js';

/** What one request asks the engine for, decided before any source byte is read. */
export interface RequestPlan extends TransformPlan {
  /** The URL's options with its variant expanded (`onerror` is read from them). */
  readonly options: ImageOptions;
  /** Request headers the plan was read from (width=auto's client hints), for Vary. */
  readonly vary: readonly string[];
}

export interface RequestPlannerOptions {
  readonly config: Pick<OriginConfig, 'limits' | 'onlyVariants'>;
  /** Named variants, loaded and validated at start. */
  readonly variants: VariantTable;
  /** Keeps each URL's plan, unless it depends on request headers. */
  readonly plans: PlanCache;
}

/**
 * Variant expansion, `width=auto`, normalisation, the URL's output-size cap (400) and the
 * fingerprint: computed once per URL and kept with its parse (plan-cache.ts), except where a
 * plan depends on request headers (width=auto), which is computed per request.
 */
export class RequestPlanner {
  private readonly identity: string;

  constructor(private readonly options: RequestPlannerOptions) {
    this.identity = outputIdentity(options.config.limits);
  }

  plan({ image, header }: { readonly image: ImageRequest; readonly header: (name: string) => string | undefined }): RequestPlan {
    const { config, variants, plans } = this.options;
    const options = plans.options(image, () => {
      const expanded = resolveVariant(image.options, variants, { onlyVariants: config.onlyVariants });
      if (!expanded.ok) throw expanded.error;
      return expanded.value;
    });
    const autoWidth = resolveAutoWidth(options, header, config.limits.maxOutputDimension);
    const buildPlan = (): TransformPlan => {
      const pipeline = normalise(autoWidth.options);
      checkOutputLimits(pipeline, config.limits);
      return { pipeline, fingerprint: fingerprint(pipeline, this.identity) };
    };
    const plan = autoWidth.vary.length ? buildPlan() : plans.plan(image, buildPlan);
    return { ...plan, options, vary: autoWidth.vary };
  }
}
