/**
 * One typed configuration object for the origin. CLI flags, environment variables and the
 * JSON config file are three ways to fill it; `resolveConfig` merges them over the defaults.
 * Each setting is declared once, in the registry (settings/registry.ts); its shape is in
 * config-types.ts, which the layers below import instead of this module.
 */
export type * from './config-types.js';
export * from './settings/constants.js';
export { settingsFromEnv } from './settings/from-env.js';
export { InvalidSettingError } from './settings/errors.js';
export type { Settings } from './settings/registry.js';
export { dropUndefined, resolveConfig } from './settings/resolve.js';
