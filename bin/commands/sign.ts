import { type Command, InvalidArgumentError, Option } from 'commander';
import { checkSigningKeys } from '../../origin/src/signing/keys.js';
import { signPath } from '../../origin/src/signing/native.js';
import { UsageError } from '../cli-errors.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const seconds = (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`--expires takes a whole number of seconds, got "${value}"`);
  return Number(value);
};

export function registerSignCommand(program: Command): void {
  program
    .command('sign')
    .description(
      'Print a signed URL for an origin that requires signatures (--signing required|optional on serve): ' +
        'appends expires=<unix> (with --expires) and sig=<HMAC-SHA256>. Give a path (/cdn-cgi/image/width=600/a.jpg) ' +
        'or a full URL (its host is kept and not signed).',
    )
    .argument('<path>', 'request path with its query, or an absolute URL')
    .addOption(new Option('--signing-key <key>', "signing key; repeatable like serve's, the first one signs").argParser(collect).env('IMAGE_CDN_SIGNING_KEY'))
    .option('--expires <seconds>', 'make the URL stop working this many seconds from now', seconds)
    .action((target: string, flags: { signingKey?: string[] | string; expires?: number }) => {
      const keys = typeof flags.signingKey === 'string' ? [flags.signingKey] : (flags.signingKey ?? []);
      const checked = checkSigningKeys(keys);
      if (!checked.ok) throw new UsageError(checked.error.message);
      const { prefix, path } = splitTarget(target);
      const expiresAt = flags.expires === undefined ? undefined : Math.floor(Date.now() / 1000) + flags.expires;
      const signed = signPath(path, { key: checked.value[0] ?? '', ...(expiresAt !== undefined && { expiresAt }) });
      if (!signed.ok) throw new UsageError(signed.error.message);
      process.stdout.write(`${prefix}${signed.value}\n`);
    });
}

/** `https://cdn.example.com/a?b` → prefix `https://cdn.example.com`, path `/a?b`; a bare path has no prefix. */
function splitTarget(target: string): { prefix: string; path: string } {
  const absolute = /^(https?:\/\/[^/?#]+)(.*)$/i.exec(target);
  if (!absolute) return { prefix: '', path: target };
  const rest = absolute[2] ?? '';
  return { prefix: absolute[1] ?? '', path: rest.startsWith('/') ? rest : `/${rest}` };
}
