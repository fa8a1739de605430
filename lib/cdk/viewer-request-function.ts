import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { DEFAULT_VERSION_PATTERN, GRAMMAR_NAMES, type GrammarName } from '../../origin/src/config.js';
import { VARIANT_NAME } from '../../origin/src/grammar/variant-name.js';
import { compactCode } from './edge/compact.js';
import { enabledLines } from './edge/sections.js';
import { edgeTables, TABLE_PROPERTIES } from './edge/tables.js';
import { ImageCdnValidationError, imagekitEndpointProblem, versionPatternProblem } from './validation.js';

/** The function's source: plain cloudfront-js-2.0 with every grammar section, configured at synth time. */
export const VIEWER_REQUEST_FUNCTION_PATH = fileURLToPath(new URL('./edge/viewer-request.js', import.meta.url));

/** CloudFront rejects function code above 10 KB. */
export const CLOUDFRONT_FUNCTION_MAX_BYTES = 10 * 1024;

/** A URL grammar the origin can parse (`IMAGE_CDN_GRAMMARS`). */
export type UrlGrammar = GrammarName;
export const URL_GRAMMARS: readonly UrlGrammar[] = GRAMMAR_NAMES;
export const DEFAULT_URL_GRAMMARS: readonly UrlGrammar[] = ['cloudflare'];

/** The source file as it is: every grammar enabled, the origin's defaults. */
export function readViewerRequestFunctionCode(): string {
  return readFileSync(VIEWER_REQUEST_FUNCTION_PATH, 'utf8');
}

export interface ViewerRequestFunctionOptions {
  /**
   * The grammars the origin parses; the function recognises format=auto in these and no others.
   * @default ['cloudflare']
   */
  readonly grammars?: readonly UrlGrammar[];
  /**
   * The ImageKit URL endpoint (path prefix), as the origin's `IMAGE_CDN_IMAGEKIT_ENDPOINT`.
   * @default '/'
   */
  readonly imagekitEndpoint?: string;
  /**
   * Names of the variants whose options include `format=auto`, so URLs naming them negotiate.
   * @default - none
   */
  readonly autoFormatVariants?: readonly string[];
  /**
   * The origin's version-segment pattern (`IMAGE_CDN_VERSION_PATTERN`); '' when it has none.
   * @default '^/v[0-9]{1,6}/' (the origin's default)
   */
  readonly versionPattern?: string;
  /**
   * The origin checks signatures: signed URLs are left as they are. Without signing, names such
   * as `s` or `sig` carry nothing and do not stop a URL's canonical form.
   * @default false
   */
  readonly signing?: boolean;
  /**
   * Query parameters the cache policy keys on besides the grammars' (`queryStringAllowList`):
   * the function keeps them as sent.
   * @default - none
   */
  readonly keepQueryStrings?: readonly string[];
}

const CONFIG_LINE = /^var CONFIG = .*;$/;
const TABLES_LINE = /^var TABLES = .*;$/;

/**
 * The function code for one configuration: CONFIG and TABLES filled in, only the sections of
 * enabled grammars kept (a Cloudflare-only distribution deploys the smallest function), comments
 * dropped and the rest compacted (edge/compact.ts; `mangle: false` keeps the names as written, for
 * reading its tables in tests). Throws an Error naming a bad option.
 */
export function viewerRequestFunctionCode(options: ViewerRequestFunctionOptions = {}, { mangle = true } = {}): string {
  const grammars = new Set(options.grammars ?? DEFAULT_URL_GRAMMARS);
  for (const grammar of grammars) {
    if (!URL_GRAMMARS.includes(grammar)) throw new Error(`grammar '${grammar}' is not one of ${URL_GRAMMARS.join(', ')}`);
  }
  const endpoint = options.imagekitEndpoint ?? '/';
  const pattern = options.versionPattern ?? DEFAULT_VERSION_PATTERN;
  const problem = imagekitEndpointProblem(endpoint) ?? versionPatternProblem(pattern);
  if (problem) throw new Error(problem);
  const variants = options.autoFormatVariants ?? [];
  const bad = variants.find((name) => !VARIANT_NAME.test(name));
  if (bad !== undefined) throw new Error(`variant name '${bad}' must be 1 to 64 of a-z, 0-9, '_' and '-'`);
  const keep = options.keepQueryStrings ?? [];
  const badName = keep.find((name) => !/^[A-Za-z0-9._~-]+$/.test(name));
  if (badName !== undefined) throw new Error(`query string '${badName}' is not a plain query parameter name`);

  // JSON strings are ES5 string literals here: every value is checked to be plain ASCII above.
  const config =
    `var CONFIG = { version: ${pattern === '' ? 'null' : new RegExp(pattern).toString()}, ` +
    `imagekitEndpoint: ${JSON.stringify(endpoint)}, autoVariants: ${JSON.stringify(variants)}, ` +
    `signing: ${options.signing === true}, keep: ${JSON.stringify(keep)} };`;
  const tables = edgeTables(grammars);
  const clash = Object.values(tables)
    .flatMap(lookupKeys)
    .find((key) => OWN_PROPERTIES.includes(key));
  if (clash !== undefined) throw new Error(`the option table key '${clash}' is also a property name the function's code shortens`);

  const lines = enabledLines(readViewerRequestFunctionCode(), grammars, VIEWER_REQUEST_FUNCTION_PATH);
  const where = (pattern: RegExp) => lines.flatMap((line, index) => (pattern.test(line) ? [index] : []));
  const [configAt, tablesAt] = [where(CONFIG_LINE), where(TABLES_LINE)];
  if (configAt.length !== 1 || tablesAt.length !== 1 || configAt[0] !== 0 || tablesAt[0] !== 1) {
    throw new Error(`${VIEWER_REQUEST_FUNCTION_PATH}: expected 'var CONFIG = …;' and 'var TABLES = …;' as the first two lines of code`);
  }
  const code = [`var TABLES = ${literal(tables)};`, ...lines.slice(2)].join('\n');
  return `${config}\n${compactCode(code, { mangle, properties: OWN_PROPERTIES })}\n`;
}

/** Properties of the function's own objects: its URL (edge/viewer-request.js) and TABLES. */
const OWN_PROPERTIES: readonly string[] = ['path', 'query', 'hints', 'target', 'qs', ...TABLE_PROPERTIES];

/** The keys of the lookup maps inside a table (aliases), which stay as written. */
function lookupKeys(table: unknown): string[] {
  if (typeof table !== 'object' || table === null) return [];
  return Object.entries(table).flatMap(([key, value]) => (key === 'aliases' ? Object.keys(value as object) : lookupKeys(value)));
}

/** A JavaScript object literal: JSON, without quotes around keys that are plain names. */
function literal(value: unknown): string {
  return JSON.stringify(value).replace(/"([A-Za-z_$][\w$]*)":/g, '$1:');
}

export interface ImageViewerRequestFunctionProps extends ViewerRequestFunctionOptions {
  /**
   * A name for the function, unique in the account.
   * @default - generated from the construct path
   */
  readonly functionName?: string;
}

/**
 * The viewer-request function that writes every URL of the enabled grammars in one canonical
 * spelling and normalises Accept (for URLs asking for format=auto), so the cache key holds only
 * what changes the response bytes. Signed URLs pass unchanged apart from Accept.
 */
export class ImageViewerRequestFunction extends Construct {
  readonly function: cloudfront.Function;
  /** The deployed code. */
  readonly code: string;

  constructor(scope: Construct, id: string, props: ImageViewerRequestFunctionProps = {}) {
    super(scope, id);
    try {
      this.code = viewerRequestFunctionCode(props);
    } catch (error) {
      throw new ImageCdnValidationError(this, (error as Error).message);
    }
    const bytes = Buffer.byteLength(this.code, 'utf8');
    if (bytes > CLOUDFRONT_FUNCTION_MAX_BYTES) {
      throw new Error(
        `the viewer-request function for grammars ${[...(props.grammars ?? DEFAULT_URL_GRAMMARS)].join(', ')} is ${bytes} bytes; CloudFront Functions allow ${CLOUDFRONT_FUNCTION_MAX_BYTES}`,
      );
    }
    this.function = new cloudfront.Function(this, 'Resource', {
      code: cloudfront.FunctionCode.fromInline(this.code),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'image-cdn: canonical URL per grammar and normalised Accept',
      ...(props.functionName !== undefined && { functionName: props.functionName }),
    });
  }
}
