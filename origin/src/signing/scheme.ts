import type { Result } from '../errors.js';

/** The signature formats the origin verifies. */
export type SigningScheme = 'native' | 'imgix' | 'cloudinary' | 'imagekit';

export const SIGNING_SCHEMES: readonly SigningScheme[] = ['native', 'imgix', 'cloudinary', 'imagekit'];

/** A signature found in a request, ready to be checked against each key. */
export interface FoundSignature {
  readonly scheme: SigningScheme;
  /** The request path without the signature, for the grammars to parse. */
  readonly pathname: string;
  /** The query (with `?`, or '') without the signature parameters. */
  readonly search: string;
  /** Unix seconds from which the URL is refused; undefined when it does not expire. */
  readonly expiresAt?: number;
  /** True when `key` produced this signature (constant-time in the signature bytes). */
  matches(key: string): boolean;
}

/** undefined: the request carries no signature of this scheme. */
export type SignatureFinder = (pathname: string, search: string) => Result<FoundSignature> | undefined;

/** How a scheme writes its expiry parameter; anything else is refused, naming `form`. */
export interface ExpiryForm {
  readonly pattern: RegExp;
  readonly form: string;
}

/** Unix seconds as plain digits: this origin's `expires` and imgix's, each a parameter of its own. */
export const UNIX_SECONDS: ExpiryForm = { pattern: /^\d{1,15}$/, form: 'Unix seconds' };
