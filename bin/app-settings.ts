import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Environment } from 'aws-cdk-lib';
import type { ImageCdnStackProps } from '../lib/cdk/image-cdn-stack.js';
import type { ImageCdnMonitoringOptions } from '../lib/cdk/monitoring/options.js';
import { OriginCompute, type OriginComputeKind } from '../lib/cdk/origin-compute.js';
import { isEmailAddress, isSnsTopicArn } from '../lib/cdk/validation.js';
import { URL_GRAMMARS, type UrlGrammar } from '../lib/cdk/viewer-request-function.js';
import { envVar } from '../origin/src/settings/registry.js';
import { readYesNo } from '../origin/src/settings/yes-no.js';

/**
 * Settings of the `cdk deploy` app. Each can come from CDK context (`-c key=value` or
 * `cdk.json`) or an environment variable; context wins. Those the app passes on to the origin
 * use the origin's variable names, from its settings registry.
 */
export const APP_SETTINGS = {
  stackName: { context: 'stackName', env: 'IMAGE_CDN_STACK_NAME' },
  bucketName: { context: 'bucketName', env: 'IMAGE_CDN_BUCKET_NAME' },
  sourcePrefix: { context: 'sourcePrefix', env: 'IMAGE_CDN_SOURCE_PREFIX' },
  domainName: { context: 'domainName', env: 'IMAGE_CDN_DOMAIN_NAME' },
  certificateArn: { context: 'certificateArn', env: 'IMAGE_CDN_CERTIFICATE_ARN' },
  originShieldRegion: { context: 'originShieldRegion', env: 'IMAGE_CDN_ORIGIN_SHIELD_REGION' },
  compute: { context: 'compute', env: 'IMAGE_CDN_COMPUTE' },
  cpu: { context: 'taskCpu', env: 'IMAGE_CDN_TASK_CPU' },
  memoryLimitMiB: { context: 'taskMemory', env: 'IMAGE_CDN_TASK_MEMORY' },
  minTasks: { context: 'minTasks', env: 'IMAGE_CDN_MIN_TASKS' },
  maxTasks: { context: 'maxTasks', env: 'IMAGE_CDN_MAX_TASKS' },
  vpcId: { context: 'vpcId', env: 'IMAGE_CDN_VPC_ID' },
  grammars: { context: 'grammars', env: envVar('grammars') },
  imagekitEndpoint: { context: 'imagekitEndpoint', env: envVar('imagekitEndpoint') },
  variants: { context: 'variants', env: envVar('variants') },
  onlyVariants: { context: 'onlyVariants', env: envVar('onlyVariants') },
  signingSecret: { context: 'signingSecret', env: 'IMAGE_CDN_SIGNING_SECRET' },
  signingMode: { context: 'signing', env: envVar('signingMode') },
  signingExemptVariants: { context: 'signingExemptVariants', env: envVar('signingExemptVariants') },
  cacheTags: { context: 'cacheTags', env: 'IMAGE_CDN_CACHE_TAGS' },
  sourceLevels: { context: 'sourceLevels', env: envVar('sourceLevels') },
  monitoring: { context: 'monitoring', env: 'IMAGE_CDN_MONITORING' },
  alarmTopicArn: { context: 'alarmTopicArn', env: 'IMAGE_CDN_ALARM_TOPIC_ARN' },
  alarmEmail: { context: 'alarmEmail', env: 'IMAGE_CDN_ALARM_EMAIL' },
  cacheHitRateFloor: { context: 'cacheHitRateFloor', env: 'IMAGE_CDN_CACHE_HIT_RATE_FLOOR' },
  account: { context: 'account', env: 'IMAGE_CDN_ACCOUNT' },
  region: { context: 'region', env: 'IMAGE_CDN_REGION' },
} as const;

type SettingName = keyof typeof APP_SETTINGS;
const NUMERIC: ReadonlySet<SettingName> = new Set(['cpu', 'memoryLimitMiB', 'minTasks', 'maxTasks']);
const COMPUTES: readonly OriginComputeKind[] = ['fargate', 'lambda'];
/** The settings of the Fargate origin's network and tasks, which a Lambda origin does not have. */
const FARGATE_SETTINGS: readonly SettingName[] = ['cpu', 'memoryLimitMiB', 'minTasks', 'maxTasks', 'vpcId'];
/** The settings of the dashboard and alarms, which `monitoring=false` leaves nothing to apply to. */
const MONITORING_SETTINGS: readonly SettingName[] = ['alarmTopicArn', 'alarmEmail', 'cacheHitRateFloor'];

export interface AppSettings {
  readonly stackName: string;
  readonly stackProps: ImageCdnStackProps;
}

export type ContextReader = (key: string) => unknown;

export class AppSettingsError extends Error {
  override readonly name = 'AppSettingsError';
}

/**
 * Reads the app's settings; a value that cannot be used fails with a message naming it and where
 * it came from. A `variants` setting that is not JSON is a file path, read relative to `cwd`.
 */
export function readAppSettings(context: ContextReader, env: NodeJS.ProcessEnv, cwd: string = process.cwd()): AppSettings {
  const where = (name: SettingName) => `${APP_SETTINGS[name].context} (context) / ${APP_SETTINGS[name].env} (environment)`;
  // cdk.json may hold lists and objects; `-c` and the environment give text.
  const raw = (name: SettingName): unknown => {
    const { context: key, env: variable } = APP_SETTINGS[name];
    const fromContext = context(key);
    if (fromContext !== undefined && fromContext !== null && fromContext !== '') return typeof fromContext === 'string' ? fromContext.trim() : fromContext;
    const fromEnv = env[variable];
    return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : undefined;
  };
  const text = (name: SettingName): string | undefined => {
    const value = raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new AppSettingsError(`context '${APP_SETTINGS[name].context}' must be a string or number, got ${JSON.stringify(value)}`);
    }
    return String(value).trim();
  };
  const flag = (name: SettingName): boolean | undefined => {
    const value = raw(name);
    if (value === undefined) return undefined;
    const read = readYesNo(value);
    if (read === undefined)
      throw new AppSettingsError(
        `${where(name)} must be true or false (or yes/no, on/off, 1/0), got '${typeof value === 'string' ? value : JSON.stringify(value)}'`,
      );
    return read;
  };
  const grammarList = (): UrlGrammar[] | undefined => {
    const value = raw('grammars');
    if (value === undefined) return undefined;
    const names = Array.isArray(value)
      ? value.map(String)
      : (typeof value === 'string' ? value : JSON.stringify(value))
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean);
    const unknown = names.find((name) => !URL_GRAMMARS.includes(name as UrlGrammar));
    if (unknown !== undefined) throw new AppSettingsError(`${where('grammars')}: '${unknown}' is not a URL grammar; use ${URL_GRAMMARS.join(', ')}`);
    return names as UrlGrammar[];
  };
  const variantTable = (): Record<string, string> | undefined => {
    const value = raw('variants');
    if (value === undefined) return undefined;
    let table: unknown = value;
    if (typeof value === 'string') {
      const json = value.startsWith('{') ? value : readVariantsFile(path.resolve(cwd, value), where('variants'));
      try {
        table = JSON.parse(json);
      } catch (error) {
        throw new AppSettingsError(`${where('variants')}: not valid JSON (${(error as Error).message})`);
      }
    }
    if (typeof table !== 'object' || table === null || Array.isArray(table)) {
      throw new AppSettingsError(`${where('variants')} must be a JSON object mapping each variant name to a Cloudflare option string`);
    }
    return table as Record<string, string>;
  };
  const integer = (name: SettingName): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) {
      const { context: key, env: variable } = APP_SETTINGS[name];
      throw new AppSettingsError(`${key} (context) / ${variable} (environment) must be a whole number, got '${value}'`);
    }
    return Number(value);
  };
  for (const name of NUMERIC) integer(name);
  const percent = (name: SettingName): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    const number = /^\d+(?:\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
    if (!(number > 0 && number <= 100)) throw new AppSettingsError(`${where(name)} must be a percentage above 0 and at most 100, got '${value}'`);
    return number;
  };

  const compute = text('compute');
  if (compute !== undefined && !COMPUTES.includes(compute as OriginComputeKind)) {
    throw new AppSettingsError(`${where('compute')} must be 'fargate' or 'lambda', got '${compute}'`);
  }
  if (compute === 'lambda') {
    const fargateOnly = FARGATE_SETTINGS.find((name) => raw(name) !== undefined);
    if (fargateOnly !== undefined) {
      throw new AppSettingsError(`${where(fargateOnly)} is a setting of the Fargate origin, but ${where('compute')} is 'lambda'; leave it out`);
    }
  }

  const vpcId = text('vpcId');
  // A VPC lookup needs a concrete environment; otherwise stay environment-agnostic so synth needs no credentials.
  const account = text('account') ?? (vpcId !== undefined ? env.CDK_DEFAULT_ACCOUNT : undefined);
  const region = text('region') ?? (vpcId !== undefined ? env.CDK_DEFAULT_REGION : undefined);
  const environment: Environment | undefined =
    account !== undefined || region !== undefined ? { ...(account !== undefined && { account }), ...(region !== undefined && { region }) } : undefined;

  const signingSecret = text('signingSecret');
  const signingMode = text('signingMode');
  const signingExemptVariants = flag('signingExemptVariants');
  if (signingSecret === undefined && (signingMode !== undefined || signingExemptVariants !== undefined)) {
    throw new AppSettingsError(
      `${signingMode !== undefined ? where('signingMode') : where('signingExemptVariants')} needs ${where('signingSecret')}: the Secrets Manager secret holding the signing keys`,
    );
  }
  if (signingMode !== undefined && !isSigningMode(signingMode)) {
    throw new AppSettingsError(`${where('signingMode')} must be 'required' or 'optional', got '${signingMode}'`);
  }

  const monitoringOn = flag('monitoring');
  const alarmTopicArn = text('alarmTopicArn');
  const alarmEmail = text('alarmEmail');
  const cacheHitRateFloor = percent('cacheHitRateFloor');
  if (alarmTopicArn !== undefined && alarmEmail !== undefined) {
    throw new AppSettingsError(
      `${where('alarmTopicArn')} ('${alarmTopicArn}') and ${where('alarmEmail')} ('${alarmEmail}') both say where the alarms go; set one of them`,
    );
  }
  if (alarmTopicArn !== undefined && !isSnsTopicArn(alarmTopicArn)) {
    throw new AppSettingsError(`${where('alarmTopicArn')} must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic name>), got '${alarmTopicArn}'`);
  }
  if (alarmEmail !== undefined && !isEmailAddress(alarmEmail)) {
    throw new AppSettingsError(`${where('alarmEmail')} must be an email address, got '${alarmEmail}'`);
  }
  if (monitoringOn === false) {
    const monitoringOnly = MONITORING_SETTINGS.find((name) => raw(name) !== undefined);
    if (monitoringOnly !== undefined) {
      throw new AppSettingsError(`${where(monitoringOnly)} is a setting of the dashboard and alarms, but ${where('monitoring')} is off; leave it out`);
    }
  }
  const monitoring: ImageCdnMonitoringOptions | false | undefined =
    monitoringOn === false ? false : cacheHitRateFloor !== undefined ? { cacheHitRateFloor } : undefined;

  const imageCdn = {
    ...optional('compute', compute === undefined ? undefined : compute === 'lambda' ? OriginCompute.lambda() : OriginCompute.fargate()),
    ...optional('grammars', grammarList()),
    ...optional('imagekitEndpoint', text('imagekitEndpoint')),
    ...optional('variants', variantTable()),
    ...optional('onlyVariants', flag('onlyVariants')),
    ...optional('cacheTags', flag('cacheTags')),
    ...optional('decodedSourceLevels', flag('sourceLevels')),
    ...optional('sourcePrefix', text('sourcePrefix')),
    ...optional('domainName', text('domainName')),
    ...optional('originShieldRegion', text('originShieldRegion')),
    ...optional('cpu', integer('cpu')),
    ...optional('memoryLimitMiB', integer('memoryLimitMiB')),
    ...optional('minTasks', integer('minTasks')),
    ...optional('maxTasks', integer('maxTasks')),
    ...optional('monitoring', monitoring),
  };
  return {
    stackName: text('stackName') ?? 'ImageCdn',
    stackProps: {
      ...(environment && { env: environment }),
      ...optional('bucketName', text('bucketName')),
      ...optional('certificateArn', text('certificateArn')),
      ...optional('vpcId', vpcId),
      ...optional('alarmTopicArn', alarmTopicArn),
      ...optional('alarmEmail', alarmEmail),
      ...(signingSecret !== undefined && {
        signing: {
          secret: signingSecret,
          ...optional('mode', signingMode),
          ...optional('exemptVariants', signingExemptVariants),
        },
      }),
      imageCdn,
    },
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function readVariantsFile(file: string, setting: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new AppSettingsError(`${setting}: cannot read variants file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

const isSigningMode = (mode: string): mode is 'required' | 'optional' => mode === 'required' || mode === 'optional';
