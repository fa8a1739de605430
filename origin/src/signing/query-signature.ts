import { errors, fail, ok, type Result } from '../errors.js';
import { sameDigest } from './digest.js';
import { parameterValues, withoutParameters } from './query.js';
import type { ExpiryForm, FoundSignature, SigningScheme } from './scheme.js';

/**
 * Signatures carried in query parameters: this origin's `sig`/`expires`, imgix `s`/`expires`,
 * ImageKit `ik-s`/`ik-t`. Each scheme names its two parameters and the form of its digest and
 * expiry; the rules for reading them are the same.
 */

export interface SignatureParameters {
  readonly signature: string;
  readonly expires: string;
  readonly expiry: ExpiryForm;
  /** The signature's bytes; undefined when it is not of the scheme's form. */
  readonly decode: (text: string) => Buffer | undefined;
  /** The form, as refusals name it: `"s" is not a hex MD5 digest`. */
  readonly form: string;
}

export interface PresentedSignature {
  readonly presented: Buffer;
  /** The expiry as sent and as Unix seconds; undefined when the URL does not expire. */
  readonly expires?: { readonly text: string; readonly at: number };
}

/** The signature and expiry in a query, each at most once; undefined when it carries no signature. */
export function readSignatureParameters(search: string, parameters: SignatureParameters): Result<PresentedSignature> | undefined {
  const { signature, expires } = parameters;
  const signatures = parameterValues(search, signature);
  if (signatures.length === 0) return undefined;
  if (signatures.length > 1) return fail(errors.invalidSignature(`"${signature}" is given more than once`));
  const presented = parameters.decode(signatures[0] ?? '');
  if (!presented) return fail(errors.invalidSignature(`"${signature}" is not ${parameters.form}`));
  const expiries = parameterValues(search, expires);
  if (expiries.length === 0) return ok({ presented });
  if (expiries.length > 1) return fail(errors.invalidSignature(`"${expires}" is given more than once`));
  const text = expiries[0];
  if (text === undefined || !parameters.expiry.pattern.test(text)) {
    return fail(errors.invalidSignature(`"${expires}" is not ${parameters.expiry.form}`));
  }
  return ok({ presented, expires: { text, at: Number(text) } });
}

/**
 * A signature over the request target as sent without the signature parameter, so that the
 * expiry is covered (this origin's own scheme and imgix's). The grammars then see the target
 * without either parameter.
 */
export function findTargetSignature(
  scheme: SigningScheme,
  parameters: SignatureParameters,
  digest: (key: string, message: string) => Buffer,
  pathname: string,
  search: string,
): Result<FoundSignature> | undefined {
  const read = readSignatureParameters(search, parameters);
  if (read === undefined || !read.ok) return read;
  const { presented, expires } = read.value;
  const message = pathname + withoutParameters(search, new Set([parameters.signature]));
  return ok({
    scheme,
    pathname,
    search: withoutParameters(search, new Set([parameters.signature, parameters.expires])),
    ...(expires !== undefined && { expiresAt: expires.at }),
    matches: (key) => sameDigest(digest(key, message), presented),
  });
}
