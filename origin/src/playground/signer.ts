import type { OriginConfig } from '../config.js';
import { errors } from '../errors.js';
import { createImageUrlParser } from '../grammar/index.js';
import { MAX_URL_LENGTH } from '../limits.js';
import { signPath } from '../signing/native.js';
import type { MountTable } from '../sources/mounts.js';

/** How long a URL the playground signed keeps working. */
export const SIGNED_URL_SECONDS = 3_600;

/** Signs one request target for the page; rejects with the origin's error for a URL it would refuse. */
export type Signer = (target: string, signal: AbortSignal) => Promise<string>;

/**
 * The page's signatures, when the origin requires them: made here with the first key, which never
 * leaves the server. Only for URLs the origin would serve (an enabled grammar reads them, or they
 * name an original) of a source under a mount that resolves, exactly as the image request will,
 * and for an hour. Anyone who can reach the page can have such URLs signed: that is what starting
 * the origin with `--playground` and a key means, and why `serve` leaves the playground off then
 * unless asked (bin/commands/serve-config.ts).
 */
export function createSigner(config: OriginConfig, router: MountTable): Signer | undefined {
  const key = config.signing?.mode === 'required' ? config.signing.keys[0] : undefined;
  if (key === undefined) return undefined;
  const read = createImageUrlParser(config.grammars, { imagekitEndpoint: config.imagekitEndpoint });
  return async (target, signal) => {
    if (target.length > MAX_URL_LENGTH) throw errors.uriTooLong(target.length, MAX_URL_LENGTH);
    if (!target.startsWith('/') || target.startsWith('//')) throw errors.malformedUrl('the playground signs paths on this origin, starting with one "/"');
    const queryAt = target.indexOf('?');
    const pathname = queryAt < 0 ? target : target.slice(0, queryAt);
    const parsed = read(pathname, queryAt < 0 ? '' : target.slice(queryAt));
    if (parsed && !parsed.ok) throw parsed.error;
    const source = parsed ? parsed.value.source : decoded(pathname);
    if (/^https?:\/\//i.test(source)) throw errors.sourceForbidden(source, 'the playground signs URLs of mounted sources only');
    const match = router.match(`/${source}`);
    if (!match) throw errors.sourceNotFound(source);
    await match.source.resolve(match.relativePath, signal);
    const signed = signPath(target, { key, expiresAt: Math.floor(Date.now() / 1000) + SIGNED_URL_SECONDS });
    if (!signed.ok) throw signed.error;
    return signed.value;
  };
}

function decoded(pathname: string): string {
  try {
    return decodeURIComponent(pathname.slice(1));
  } catch {
    throw errors.malformedUrl(`invalid percent-encoding in "${pathname.slice(0, 200)}"`);
  }
}
