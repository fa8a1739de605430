/**
 * Errors are values: a machine-readable tag, an HTTP status and a one-line message.
 * Only the HTTP layer turns them into responses (`x-image-cdn-error: <tag>`).
 */
export type ErrorTag =
  | 'malformed_url'
  | 'unknown_option'
  | 'invalid_option'
  | 'variant_not_found'
  | 'invalid_signature'
  | 'signature_expired'
  | 'method_not_allowed'
  | 'not_found'
  | 'source_not_found'
  | 'source_forbidden'
  | 'unsupported_source_format'
  | 'source_too_large'
  | 'output_too_large'
  | 'response_too_large'
  | 'request_timeout'
  | 'source_fetch_error'
  | 'source_integrity_error'
  | 'overloaded'
  | 'uri_too_long'
  | 'operation_too_costly'
  | 'internal_error'
  | 'svg_refused';

export class ImageCdnError extends Error {
  override readonly name = 'ImageCdnError';

  constructor(
    readonly tag: ErrorTag,
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. Retry-After on 503. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    // One line only: the message becomes a response body and a log field.
    super(message.replace(/[\r\n]+/g, ' '));
  }
}

export const isImageCdnError = (value: unknown): value is ImageCdnError => value instanceof ImageCdnError;

/** A parse or validation outcome that never throws. */
export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ImageCdnError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(error: ImageCdnError): Result<T> => ({ ok: false, error });

export const errors = {
  malformedUrl: (message: string) => new ImageCdnError('malformed_url', 400, message),
  unknownOption: (name: string, accepted: string) => new ImageCdnError('unknown_option', 400, `unknown option "${name}"; accepted options: ${accepted}`),
  invalidOption: (name: string, value: string, accepts: string) =>
    new ImageCdnError('invalid_option', 400, `invalid value "${value}" for option "${name}": expected ${accepts}`),
  sourceNotFound: (path: string) => new ImageCdnError('source_not_found', 404, `source "${path}" not found`),
  sourceForbidden: (path: string, why: string) => new ImageCdnError('source_forbidden', 400, `source "${path}" refused: ${why}`),
  unsupportedSourceFormat: (path: string) => new ImageCdnError('unsupported_source_format', 415, `source "${path}" is not a decodable image`),
  sourceTooLarge: (what: string) => new ImageCdnError('source_too_large', 413, what),
  outputTooLarge: (what: string) => new ImageCdnError('output_too_large', 400, what),
  /** The answer itself (a transform's output, or an original) is over `maxResponseBytes`. */
  responseTooLarge: (bytes: number, max: number) =>
    new ImageCdnError('response_too_large', 413, `the answer is ${bytes} bytes; the limit is ${max} (maxResponseBytes)`),
  operationTooCostly: (what: string) => new ImageCdnError('operation_too_costly', 400, what),
  uriTooLong: (length: number, max: number) => new ImageCdnError('uri_too_long', 414, `the request target is ${length} bytes; the limit is ${max}`),
  timeout: (ms: number) => new ImageCdnError('request_timeout', 504, `request did not complete within ${ms} ms`),
  expiredInQueue: () => new ImageCdnError('request_timeout', 504, 'the request timed out while its transform waited for a slot'),
  fetchFailed: (path: string, why: string) => new ImageCdnError('source_fetch_error', 502, `fetching source "${path}" failed: ${why}`),
  overloaded: (retryAfterSeconds: number, why = 'transform queue is full') =>
    new ImageCdnError('overloaded', 503, `${why}; retry later`, {
      'retry-after': String(retryAfterSeconds),
    }),
  methodNotAllowed: (method: string) =>
    new ImageCdnError('method_not_allowed', 405, `method ${method} not allowed; use GET or HEAD`, {
      allow: 'GET, HEAD',
    }),
  notFound: (path: string) => new ImageCdnError('not_found', 404, `no route for "${path}"`),
  unsupportedOption: (name: string, why: string) => new ImageCdnError('unknown_option', 400, `option "${name}" is not supported: ${why}`),
  variantNotFound: (name: string) => new ImageCdnError('variant_not_found', 404, `variant "${name}" not found`),
  invalidSignature: (why: string) => new ImageCdnError('invalid_signature', 401, `invalid signature: ${why}`),
  /** `expiredAt` in Unix seconds. */
  signatureExpired: (expiredAt: number) => new ImageCdnError('signature_expired', 401, `signature expired at ${expiredAt} (Unix seconds)`),
  /** The bytes are not an image format this origin serves; `found` says what they are instead. */
  notAnImage: (path: string, found: string) =>
    new ImageCdnError('unsupported_source_format', 415, `source "${path}" is not an image this origin serves: it is ${found}`),
  svgDisabled: (path: string) =>
    new ImageCdnError('unsupported_source_format', 415, `source "${path}" is SVG, and SVG sources are disabled on this origin (see the svg setting)`),
  /** An SVG that uses a feature the origin never hands to librsvg (docs/url-grammar.md, "SVG sources"). */
  svgRefused: (path: string, why: string) => new ImageCdnError('svg_refused', 415, `SVG source "${path}" refused: ${why}`),
};
