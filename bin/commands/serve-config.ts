import { existsSync } from 'node:fs';
import type { ConfigFileContents } from '../../origin/src/config-file.js';
import { resolveConfig, settingsFromEnv, type OriginConfig, type Settings } from '../../origin/src/config.js';
import { defaultConfig } from '../../origin/src/defaults.js';
import { UsageError } from '../cli-errors.js';

export interface ServeLayers {
  readonly flags: Settings;
  readonly env: NodeJS.ProcessEnv;
  readonly file?: ConfigFileContents;
  /** The file root when no layer names a source. */
  readonly samplesDir: string;
}

/** What `serve` runs: flags over the environment over the config file over the defaults. */
export function serveConfig({ flags, env, file, samplesDir }: ServeLayers): OriginConfig {
  const fromEnv = settingsFromEnv(env);
  const hasSource = Boolean(flags.root ?? flags.s3Bucket ?? fromEnv.root ?? fromEnv.s3Bucket ?? file?.mounts?.length);
  // The samples are there in a clone, not in the npm package: without them there is nothing to serve.
  if (!hasSource && !existsSync(samplesDir)) throw new UsageError('no image source: pass --root <dir> or --s3-bucket <name>');
  const config = resolveConfig({ defaults: defaultConfig(), ...(file && { file }) }, hasSource ? {} : { root: samplesDir }, fromEnv, flags);
  return { ...config, playground: config.playground || playgroundByDefault(config, flags.playground ?? fromEnv.playground ?? file?.playground) };
}

/**
 * `serve` is how a person first looks at the origin, so the playground is on unless some layer
 * says otherwise. Not when signatures are required: the page would sign whatever it is asked to
 * with the first key, which only an explicit `--playground` (or its variable or key) may allow.
 */
export function playgroundByDefault(config: OriginConfig, asked: boolean | undefined): boolean {
  return asked === undefined && config.signing?.mode !== 'required';
}
