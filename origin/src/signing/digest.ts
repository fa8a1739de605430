import { timingSafeEqual } from 'node:crypto';

/**
 * Constant-time comparison of a signature the client sent with one we computed. Lengths are
 * compared first (a length is not secret), then the bytes without an early exit.
 */
export function sameDigest(expected: Buffer, presented: Buffer): boolean {
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

/** Decodes hex; undefined unless it is exactly `bytes` bytes of hex. */
export function fromHex(text: string, bytes: number): Buffer | undefined {
  return new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(text) ? Buffer.from(text, 'hex') : undefined;
}

/** Decodes unpadded base64url; undefined unless it is canonical base64url of `bytes` bytes. */
export function fromBase64Url(text: string, bytes: number): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const decoded = Buffer.from(text, 'base64url');
  return decoded.length === bytes && decoded.toString('base64url') === text ? decoded : undefined;
}
