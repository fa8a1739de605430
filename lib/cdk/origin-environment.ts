import { Names, type Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { EMF_DEFAULT_NAMESPACE } from '../../origin/src/observability/emf-catalogue.js';
import { envVar, type EnvSettingName, type Settings } from '../../origin/src/settings/registry.js';
import { environmentFor } from '../../origin/src/settings/to-env.js';
import { type ResolvedUrlOptions, urlOptionsEnvironment } from './url-options.js';
import { ImageCdnValidationError, validateDecodedSourceMemory } from './validation.js';

/** What both origin constructs (the Fargate service and the Lambda function) take alike and check alike. */
export interface OriginSettingsToCheck {
  readonly environment?: Readonly<Record<string, string>>;
  readonly cacheTagHeader?: string;
  readonly sourcePrefix: string;
}

/** How a construct describes, in its errors, where the settings it owns come from. */
export interface ManagedSettings {
  /** The variables `environment` may not set, because the construct sets them. */
  readonly names: readonly string[];
  /** The props (and other sources) that set them, for the message. */
  readonly setFrom: string;
  /** How the signing keys reach the origin instead of `environment`. */
  readonly keysFrom: string;
}

/**
 * `environment` may not set what the construct sets from its props (a value there would be
 * overwritten without a word), least of all the signing keys (they would be in the template); the
 * cache tag header must be a header name; S3 keys have no leading slash. Each error names the value.
 */
export function validateOriginSettings(scope: IConstruct, props: OriginSettingsToCheck, managed: ManagedSettings): void {
  const name = Object.keys(props.environment ?? {}).find((variable) => managed.names.includes(variable));
  if (name === envVar('signingKeys')) {
    throw new ImageCdnValidationError(scope, `environment must not carry ${name}, which would put the keys in the template; ${managed.keysFrom}`);
  }
  if (name !== undefined) {
    throw new ImageCdnValidationError(scope, `environment sets ${name}, which this construct sets from its props (${managed.setFrom})`);
  }
  if (props.cacheTagHeader !== undefined && !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(props.cacheTagHeader)) {
    throw new ImageCdnValidationError(scope, `cacheTagHeader '${props.cacheTagHeader}' is not an HTTP header name`);
  }
  if (props.sourcePrefix.startsWith('/')) {
    throw new ImageCdnValidationError(scope, `sourcePrefix '${props.sourcePrefix}' must not start with '/'; S3 keys have no leading slash`);
  }
}

/** Where an origin's EMF metrics go: the namespace, and the `Service` dimension naming this deployment. */
export interface OriginMetricsNames {
  readonly namespace: string;
  readonly service: string;
}

/** The variables `emfSettings` sets, which `environment` may therefore not. */
export const EMF_SETTING_VARIABLES: readonly string[] = (['emf', 'emfNamespace', 'emfService'] as const).map(envVar);

/**
 * The names every origin construct writes its metrics under: the default namespace, and a
 * `Service` unique to the construct (from its path) unless given, so two stacks in one account
 * never mix their numbers.
 */
export function originMetricsNames(scope: IConstruct, service: string | undefined): OriginMetricsNames {
  return { namespace: EMF_DEFAULT_NAMESPACE, service: service ?? Names.uniqueResourceName(scope, { maxLength: 255 }) };
}

/** The settings that switch the origin's EMF lines on under `names` (stdout reaches CloudWatch Logs under either compute). */
export function emfSettings(names: OriginMetricsNames): Pick<Settings, 'emf' | 'emfNamespace' | 'emfService'> {
  return { emf: true, emfNamespace: names.namespace, emfService: names.service };
}

/** How much of its memory a construct gives to decoded sources, and whether downscales start from them. */
export interface DecodedSourceOptions {
  readonly decodedSourceMemory?: Size;
  readonly decodedSourceLevels?: boolean;
}

/**
 * The decoded-source settings of an origin with `memoryMiB` of memory (named `memoryProp` in
 * errors): an eighth of it unless given, at most half; levels as given, else the compute's own
 * default. Both are always written, so the deployed values (and with them every ETag) never follow
 * the origin's defaults.
 */
export function decodedSourceSettings(
  scope: IConstruct,
  props: DecodedSourceOptions,
  { memoryMiB, memoryProp, levelsByDefault }: { readonly memoryMiB: number; readonly memoryProp: string; readonly levelsByDefault: boolean },
): Pick<Settings, 'sourceCacheMiB' | 'sourceLevels'> {
  const sourceCacheMiB = props.decodedSourceMemory?.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) ?? Math.floor(memoryMiB / 8);
  validateDecodedSourceMemory(scope, sourceCacheMiB, memoryMiB, memoryProp);
  return { sourceCacheMiB, sourceLevels: props.decodedSourceLevels ?? levelsByDefault };
}

/**
 * The origin's environment, the same under every compute: `environment` first, then the settings
 * the construct owns (so its values win), the URL options and the cache tag header.
 */
export function originEnvironment(
  environment: Readonly<Record<string, string>> | undefined,
  settings: Pick<Settings, EnvSettingName>,
  urlOptions: ResolvedUrlOptions,
  cacheTagHeader: string | undefined,
): Record<string, string> {
  return {
    ...environment,
    ...environmentFor(settings),
    ...urlOptionsEnvironment(urlOptions),
    ...(cacheTagHeader !== undefined && environmentFor({ cacheTagHeader })),
  };
}
