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

/** Expiry timestamps: Unix seconds as plain digits. */
export function unixSeconds(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}
