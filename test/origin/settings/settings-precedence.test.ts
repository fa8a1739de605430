/**
 * Every setting in the registry resolves from its highest layer: flag > environment variable >
 * config file > default. For each setting, fast-check picks a subset of the layers the setting
 * has and a valid value for each, writes them as each layer spells them (argv for `serve`'s
 * generated options, variables as the CDK constructs write them, JSON in a config file), runs
 * serve's resolution and reads the setting back from the resulting OriginConfig.
 */
import { Command } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serveConfig } from '../../../bin/commands/serve-config.js';
import { addSettingOptions } from '../../../bin/commands/setting-options.js';
import { parseConfigFile } from '../../../origin/src/config-file.js';
import type { OriginConfig } from '../../../origin/src/config.js';
import { settingsFromEnv } from '../../../origin/src/settings/from-env.js';
import type { Kind } from '../../../origin/src/settings/kinds.js';
import { getPath, setPath } from '../../../origin/src/settings/paths.js';
import { defaultOf, type EnvSettingName, SETTING_NAMES, settingOf, type SettingName } from '../../../origin/src/settings/registry.js';
import { environmentFor } from '../../../origin/src/settings/to-env.js';
import { SAMPLES } from '../../support/origin.js';

type Layer = 'flag' | 'env' | 'file';

const token = fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,16}[a-z0-9]$/);

/** Valid values of a kind (text: a token that is also a valid bucket and header name). */
function valueOf(kind: Kind<unknown>, name: SettingName): fc.Arbitrary<unknown> {
  switch (kind.type) {
    case 'integer':
      return fc.integer({ min: kind.min, max: Math.min(kind.max, 2 ** 31) });
    case 'yes-no':
      return fc.boolean();
    case 'one-of':
      return fc.constantFrom(...kind.values);
    case 'list':
      return fc.uniqueArray(valueOf(kind.item, name), { minLength: 1, maxLength: 3 });
    case 'text':
      // '' turns version segments off: a value, not "unset".
      return name === 'versionPattern' ? fc.oneof(token, fc.constant('')) : token;
    case 'variants':
      return fc.oneof(
        token.map((file) => `/etc/image-cdn/${file}.json`),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.constantFrom('width=120', 'height=80,fit=cover'), { minKeys: 1, maxKeys: 3 }),
      );
  }
}

/** How a person may spell yes or no, in any layer that takes text. */
const yesNoWord = (value: boolean) => fc.constantFrom(...(value ? ['true', 'yes', 'on', '1', 'YES', 'On'] : ['false', 'no', 'off', '0', 'NO', 'Off']));

function flagArgs(name: SettingName, value: unknown): fc.Arbitrary<string[]> {
  const { flag, kind } = settingOf(name);
  const option = flag!.split(' ')[0]!;
  if (kind.type === 'yes-no') {
    const bare = value ? option : `--no-${option.slice(2)}`;
    return fc.oneof(
      fc.constant<string[]>([bare]),
      yesNoWord(value as boolean).map((word) => [option, word]),
      yesNoWord(value as boolean).map((word) => [`${option}=${word}`]),
    );
  }
  if (kind.type === 'list') {
    const values = value as unknown[];
    // Comma-separated, or the flag repeated.
    return fc.constantFrom(
      [option, kind.toText(values)],
      values.flatMap((entry) => [option, kind.item.toText(entry)]),
    );
  }
  return fc.constant([option, kind.toText(value)]);
}

function envText(name: SettingName, value: unknown): fc.Arbitrary<string> {
  // As the constructs write it (environmentFor), or a yes/no as a person might.
  const written = environmentFor({ [name]: value })[settingOf(name).env!]!;
  return settingOf(name).kind.type === 'yes-no' ? fc.oneof(fc.constant(written), yesNoWord(value as boolean)) : fc.constant(written);
}

const fileJson = (name: SettingName, value: unknown): fc.Arbitrary<unknown> =>
  settingOf(name).kind.type === 'yes-no' ? fc.oneof(fc.constant(value), yesNoWord(value as boolean)) : fc.constant(value);

interface Case {
  readonly values: Partial<Record<Layer, unknown>>;
  readonly argv: string[];
  readonly env: Record<string, string>;
  readonly json: Record<string, unknown>;
}

/** Values for a random subset of the layers `name` has, each spelled as its layer spells it. */
function caseFor(name: SettingName): fc.Arbitrary<Case> {
  const setting = settingOf(name);
  const layers = (['flag', 'env', 'file'] as const).filter((layer) => setting[layer] !== undefined);
  const value = valueOf(setting.kind, name);
  return fc.subarray([...layers]).chain((chosen) =>
    fc
      .record({
        flag: chosen.includes('flag') ? value.chain((v) => flagArgs(name, v).map((argv) => ({ v, argv }))) : fc.constant(undefined),
        env: chosen.includes('env') ? value.chain((v) => envText(name, v).map((text) => ({ v, text }))) : fc.constant(undefined),
        file: chosen.includes('file') ? value.chain((v) => fileJson(name, v).map((json) => ({ v, json }))) : fc.constant(undefined),
      })
      .map(({ flag, env, file }): Case => {
        const json: Record<string, unknown> = {};
        if (file) setPath(json, setting.file!, file.json);
        return {
          values: { ...(flag && { flag: flag.v }), ...(env && { env: env.v }), ...(file && { file: file.v }) },
          argv: flag?.argv ?? [],
          env: env ? { [setting.env!]: env.text } : {},
          json,
        };
      }),
  );
}

/** What the setting needs from the others to show in OriginConfig at all. */
function context(name: SettingName, json: Record<string, unknown>): { env: Record<string, string>; json: Record<string, unknown> } {
  const needsBucket = name === 's3Prefix' || name === 's3ForcePathStyle' || name === 's3VerifyDigest';
  const signing = settingOf(name).file?.startsWith('signing.') && name !== 'signingKeys';
  const http = settingOf(name).file?.startsWith('httpSource.');
  return {
    env: needsBucket ? { IMAGE_CDN_S3_BUCKET: 'context-bucket' } : {},
    json: {
      ...json,
      ...(signing && { signing: { keys: ['context-signing-key'], ...(json['signing'] as object) } }),
      ...(http && { httpSource: { allowHosts: [], ...(json['httpSource'] as object) } }),
    },
  };
}

/** Where the source shortcuts land: they become the one mount. */
const SHORTCUT_PATHS: Partial<Record<SettingName, string>> = {
  root: 'mounts.0.source.root',
  s3Bucket: 'mounts.0.source.bucket',
  s3Prefix: 'mounts.0.source.prefix',
  s3ForcePathStyle: 'mounts.0.source.forcePathStyle',
  s3VerifyDigest: 'mounts.0.source.verifyDigest',
};

/** The setting's value in the config; an optional group left out (svg, signing, httpSource) means its defaults. */
const resolvedValue = (config: OriginConfig, name: SettingName): unknown =>
  getPath(config, settingOf(name).file ?? SHORTCUT_PATHS[name]!) ?? (name === 'root' ? undefined : defaultOf(name));

function resolve(name: SettingName, testCase: Case): OriginConfig {
  const command = new Command('serve').exitOverride();
  const settingsFromFlags = addSettingOptions(command);
  command.parse(testCase.argv, { from: 'user' });
  const { env, json } = context(name, testCase.json);
  const file = parseConfigFile(json, { file: 'image-cdn.json', baseDir: '/' });
  return serveConfig({ flags: settingsFromFlags(command.opts()), env: { ...env, ...testCase.env }, file, samplesDir: SAMPLES });
}

describe('precedence: flag > environment > config file > default, for every setting in the registry', () => {
  it.each(SETTING_NAMES)('%s', (name) => {
    // serve's own defaults: the samples as the root, and the playground on (serve-config.ts).
    const byDefault = name === 'root' ? SAMPLES : name === 'playground' ? true : defaultOf(name);
    fc.assert(
      fc.property(caseFor(name), (testCase) => {
        const { flag, env, file } = testCase.values;
        const expected = 'flag' in testCase.values ? flag : 'env' in testCase.values ? env : 'file' in testCase.values ? file : byDefault;
        expect(resolvedValue(resolve(name, testCase), name)).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  it('covers yes/no and list settings, in every layer they have', () => {
    const kinds = new Set(
      SETTING_NAMES.filter((name) => settingOf(name).flag && settingOf(name).env && settingOf(name).file).map((name) => settingOf(name).kind.type),
    );
    expect([...kinds]).toEqual(expect.arrayContaining(['yes-no', 'list', 'integer', 'text', 'one-of', 'variants']));
  });
});

describe('the container environment the constructs write', () => {
  it('reads back as the settings it was written from', () => {
    const names = SETTING_NAMES.filter((name): name is EnvSettingName => settingOf(name).env !== undefined);
    fc.assert(
      fc.property(
        fc.constantFrom(...names).chain((name) => valueOf(settingOf(name).kind, name).map((value) => ({ name, value }))),
        ({ name, value }) => {
          expect(settingsFromEnv(environmentFor({ [name]: value }))).toEqual({ [name]: value });
        },
      ),
      { numRuns: 300 },
    );
  });
});
