import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { Construct } from 'constructs';
import { DEFAULT_VERSION_PATTERN, GRAMMAR_NAMES, type GrammarName } from '../../origin/src/config.js';
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
}

const CONFIG_LINE = /^var CONFIG = .*;$/;
const SECTION_START = /^\/\/#if ((?:[a-z]+ ?)+)$/;
const SECTION_END = '//#endif';

/**
 * The function code for one configuration: CONFIG filled in, only the sections of enabled
 * grammars kept, and comments, blank lines and indentation dropped (a Cloudflare-only
 * distribution deploys the smallest function). Throws an Error naming a bad option.
 */
export function viewerRequestFunctionCode(options: ViewerRequestFunctionOptions = {}): string {
  const grammars = new Set(options.grammars ?? DEFAULT_URL_GRAMMARS);
  for (const grammar of grammars) {
    if (!URL_GRAMMARS.includes(grammar)) throw new Error(`grammar '${grammar}' is not one of ${URL_GRAMMARS.join(', ')}`);
  }
  const endpoint = options.imagekitEndpoint ?? '/';
  const pattern = options.versionPattern ?? DEFAULT_VERSION_PATTERN;
  const problem = imagekitEndpointProblem(endpoint) ?? versionPatternProblem(pattern);
  if (problem) throw new Error(problem);
  const variants = options.autoFormatVariants ?? [];
  const bad = variants.find((name) => !/^[a-z0-9_-]{1,64}$/.test(name));
  if (bad !== undefined) throw new Error(`variant name '${bad}' must be 1 to 64 of a-z, 0-9, '_' and '-'`);

  // JSON strings are ES5 string literals here: every value is checked to be plain ASCII above.
  const config = `var CONFIG = { version: ${pattern === '' ? 'null' : new RegExp(pattern).toString()}, `
    + `imagekitEndpoint: ${JSON.stringify(endpoint)}, autoVariants: ${JSON.stringify(variants)} };`;

  const kept: string[] = [];
  let section: boolean | undefined;
  let configLines = 0;
  for (const line of readViewerRequestFunctionCode().split('\n')) {
    const start = SECTION_START.exec(line);
    if (start) {
      if (section !== undefined) throw new Error(`${VIEWER_REQUEST_FUNCTION_PATH}: '${line}' inside another section`);
      const names = start[1]!.trim().split(' ') as UrlGrammar[];
      const unknown = names.find((name) => !URL_GRAMMARS.includes(name));
      if (unknown !== undefined) throw new Error(`${VIEWER_REQUEST_FUNCTION_PATH}: section for unknown grammar '${unknown}'`);
      section = names.some((name) => grammars.has(name));
      continue;
    }
    if (line === SECTION_END) {
      if (section === undefined) throw new Error(`${VIEWER_REQUEST_FUNCTION_PATH}: ${SECTION_END} without #if`);
      section = undefined;
      continue;
    }
    // Indentation and comments cost bytes against the 10 KB limit and mean nothing to the runtime.
    const code = line.trim();
    if (section === false || code === '' || code.startsWith('//')) continue;
    if (CONFIG_LINE.test(code)) {
      configLines++;
      kept.push(config);
    } else {
      kept.push(code);
    }
  }
  if (section !== undefined) throw new Error(`${VIEWER_REQUEST_FUNCTION_PATH}: a section is not closed`);
  if (configLines !== 1) throw new Error(`${VIEWER_REQUEST_FUNCTION_PATH}: expected one 'var CONFIG = …;' line, found ${configLines}`);
  return `${kept.join('\n')}\n`;
}

export interface ImageViewerRequestFunctionProps extends ViewerRequestFunctionOptions {
  /**
   * A name for the function, unique in the account.
   * @default - generated from the construct path
   */
  readonly functionName?: string;
}

/**
 * The viewer-request function that normalises Accept (for URLs asking for format=auto in the
 * enabled grammars) and the Cloudflare option order, so the cache key holds only what changes
 * the response bytes. Signed URLs pass unchanged apart from Accept.
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
      throw new Error(`the viewer-request function for grammars ${[...(props.grammars ?? DEFAULT_URL_GRAMMARS)].join(', ')} is ${bytes} bytes; CloudFront Functions allow ${CLOUDFRONT_FUNCTION_MAX_BYTES}`);
    }
    this.function = new cloudfront.Function(this, 'Resource', {
      code: cloudfront.FunctionCode.fromInline(this.code),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: 'image-cdn: canonical Cloudflare option order and normalised Accept',
      ...(props.functionName !== undefined && { functionName: props.functionName }),
    });
  }
}
