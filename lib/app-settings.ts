import type { Environment } from 'aws-cdk-lib';
import type { ImageCdnStackProps } from './image-cdn-stack.js';

/**
 * Settings of the `cdk deploy` app. Each can come from CDK context (`-c key=value` or
 * `cdk.json`) or an environment variable; context wins.
 */
export const APP_SETTINGS = {
  stackName: { context: 'stackName', env: 'IMAGE_CDN_STACK_NAME' },
  bucketName: { context: 'bucketName', env: 'IMAGE_CDN_BUCKET_NAME' },
  sourcePrefix: { context: 'sourcePrefix', env: 'IMAGE_CDN_SOURCE_PREFIX' },
  domainName: { context: 'domainName', env: 'IMAGE_CDN_DOMAIN_NAME' },
  certificateArn: { context: 'certificateArn', env: 'IMAGE_CDN_CERTIFICATE_ARN' },
  originShieldRegion: { context: 'originShieldRegion', env: 'IMAGE_CDN_ORIGIN_SHIELD_REGION' },
  cpu: { context: 'taskCpu', env: 'IMAGE_CDN_TASK_CPU' },
  memoryLimitMiB: { context: 'taskMemory', env: 'IMAGE_CDN_TASK_MEMORY' },
  minTasks: { context: 'minTasks', env: 'IMAGE_CDN_MIN_TASKS' },
  maxTasks: { context: 'maxTasks', env: 'IMAGE_CDN_MAX_TASKS' },
  vpcId: { context: 'vpcId', env: 'IMAGE_CDN_VPC_ID' },
  account: { context: 'account', env: 'IMAGE_CDN_ACCOUNT' },
  region: { context: 'region', env: 'IMAGE_CDN_REGION' },
} as const;

type SettingName = keyof typeof APP_SETTINGS;
const NUMERIC: ReadonlySet<SettingName> = new Set(['cpu', 'memoryLimitMiB', 'minTasks', 'maxTasks']);

export interface AppSettings {
  readonly stackName: string;
  readonly stackProps: ImageCdnStackProps;
}

export type ContextReader = (key: string) => unknown;

export class AppSettingsError extends Error {
  override readonly name = 'AppSettingsError';
}

/** Reads the app's settings; a value that cannot be used fails with a message naming it and where it came from. */
export function readAppSettings(context: ContextReader, env: NodeJS.ProcessEnv): AppSettings {
  const text = (name: SettingName): string | undefined => {
    const { context: key, env: variable } = APP_SETTINGS[name];
    const fromContext = context(key);
    if (fromContext !== undefined && fromContext !== null && fromContext !== '') {
      if (typeof fromContext !== 'string' && typeof fromContext !== 'number') {
        throw new AppSettingsError(`context '${key}' must be a string or number, got ${JSON.stringify(fromContext)}`);
      }
      return String(fromContext).trim();
    }
    const fromEnv = env[variable];
    return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv.trim() : undefined;
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

  const vpcId = text('vpcId');
  // A VPC lookup needs a concrete environment; otherwise stay environment-agnostic so synth needs no credentials.
  const account = text('account') ?? (vpcId !== undefined ? env.CDK_DEFAULT_ACCOUNT : undefined);
  const region = text('region') ?? (vpcId !== undefined ? env.CDK_DEFAULT_REGION : undefined);
  const environment: Environment | undefined = account !== undefined || region !== undefined
    ? { ...(account !== undefined && { account }), ...(region !== undefined && { region }) }
    : undefined;

  const imageCdn = {
    ...optional('sourcePrefix', text('sourcePrefix')),
    ...optional('domainName', text('domainName')),
    ...optional('originShieldRegion', text('originShieldRegion')),
    ...optional('cpu', integer('cpu')),
    ...optional('memoryLimitMiB', integer('memoryLimitMiB')),
    ...optional('minTasks', integer('minTasks')),
    ...optional('maxTasks', integer('maxTasks')),
  };
  return {
    stackName: text('stackName') ?? 'ImageCdn',
    stackProps: {
      ...(environment && { env: environment }),
      ...optional('bucketName', text('bucketName')),
      ...optional('certificateArn', text('certificateArn')),
      ...optional('vpcId', vpcId),
      imageCdn,
    },
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
