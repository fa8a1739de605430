/**
 * The viewer-request CloudFront Function, run in a bare V8 context (ECMAScript built-ins only,
 * none of Node's globals) against CloudFront-shaped viewer-request events.
 */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import fc from 'fast-check';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CLOUDFRONT_FUNCTION_MAX_BYTES, VIEWER_REQUEST_FUNCTION_PATH } from '../lib/viewer-request-function.js';
import { CLOUDFLARE_ALIASES, formatCloudflareOptions, parseCloudflareOptions } from '../origin/src/grammar/cloudflare.js';
import { acceptedImageTypes } from '../origin/src/transform/negotiate.js';

interface HeaderValue { value: string; multiValue?: Array<{ value: string }> }
interface ViewerRequest {
  method: string;
  uri: string;
  querystring: Record<string, HeaderValue>;
  headers: Record<string, HeaderValue>;
  cookies: Record<string, HeaderValue>;
}

const source = readFileSync(VIEWER_REQUEST_FUNCTION_PATH, 'utf8');
const context = vm.createContext({});
vm.runInContext(source, context, { filename: 'viewer-request.js' });
const handler = context.handler as (event: unknown) => ViewerRequest;

const ACCEPT = {
  chrome: 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  firefox: 'image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  safari17: 'image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5',
  safari15: 'image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5',
  curl: '*/*',
} as const;

/** A CloudFront viewer-request event; header names arrive lower-cased, repeated headers in multiValue. */
function event(uri: string, headers: Record<string, string | string[]> = {}) {
  const converted: Record<string, HeaderValue> = {};
  for (const [name, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value];
    converted[name.toLowerCase()] = values.length > 1
      ? { value: values[0]!, multiValue: values.map((v) => ({ value: v })) }
      : { value: values[0]! };
  }
  return {
    version: '1.0',
    context: { distributionDomainName: 'd111111abcdef8.cloudfront.net', distributionId: 'EDFDVBD6EXAMPLE', eventType: 'viewer-request', requestId: 'req' },
    viewer: { ip: '198.51.100.7' },
    request: { method: 'GET', uri, querystring: {}, headers: converted, cookies: {} },
  };
}

/** Runs the function and returns a plain copy of the request it forwards. */
function run(uri: string, headers: Record<string, string | string[]> = {}): ViewerRequest {
  return JSON.parse(JSON.stringify(handler(event(uri, headers)))) as ViewerRequest;
}

const acceptOf = (request: ViewerRequest) => request.headers.accept?.value;

describe('Accept normalisation for format=auto', () => {
  it.each([
    ['Chrome', ACCEPT.chrome, 'image/avif,image/webp'],
    ['Firefox', ACCEPT.firefox, 'image/avif,image/webp'],
    ['Safari 17', ACCEPT.safari17, 'image/avif,image/webp'],
    ['Safari 15 (no AVIF)', ACCEPT.safari15, 'image/webp'],
  ])('%s gets one normalised Accept value', (_browser, accept, expected) => {
    const request = run('/cdn-cgi/image/width=600,format=auto/photos/a.jpg', { Accept: accept });
    expect(acceptOf(request)).toBe(expected);
    expect(request.headers.accept?.multiValue).toBeUndefined();
  });

  it('curl (*/*) and clients without Accept lose the header: wildcards imply neither AVIF nor WebP', () => {
    expect(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: ACCEPT.curl }).headers).not.toHaveProperty('accept');
    expect(run('/cdn-cgi/image/format=auto/a.jpg').headers).not.toHaveProperty('accept');
    expect(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/*' }).headers).not.toHaveProperty('accept');
  });

  it('the f=auto alias negotiates too', () => {
    expect(acceptOf(run('/cdn-cgi/image/f=auto,w=300/a.jpg', { Accept: ACCEPT.chrome }))).toBe('image/avif,image/webp');
  });

  it('q=0 refuses a type, in any spelling of the parameter', () => {
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/avif;q=0,image/webp' }))).toBe('image/webp');
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/avif; Q=0.000, image/webp;q=0.5' }))).toBe('image/webp');
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/avif;q=0.001' }))).toBe('image/avif');
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/avif;q=abc,image/webp;q=0' }))).toBeUndefined();
  });

  it('media types are case-insensitive; near-misses do not count', () => {
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'IMAGE/AVIF, Image/WebP' }))).toBe('image/avif,image/webp');
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: 'image/avifx,image/webp2,xxx/image/avif' }))).toBeUndefined();
  });

  it('repeated Accept headers are read together', () => {
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: ['image/webp', 'image/avif'] }))).toBe('image/avif,image/webp');
  });

  it('only the first 4096 characters of a huge Accept count, as at the origin', () => {
    const padding = `${'x/y;q=0.5,'.repeat(12_000)}`;
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: `image/webp,${padding}image/avif` }))).toBe('image/webp');
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: `${padding}image/avif,image/webp` }))).toBeUndefined();
    expect(acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: ','.repeat(100_000) }))).toBeUndefined();
  });

  it('agrees with the origin: the normalised value selects exactly the AVIF/WebP the raw header accepted', () => {
    const range = fc.record({
      type: fc.constantFrom('image/avif', 'image/webp', 'image/png', 'image/*', '*/*', 'video/*', 'image/jxl'),
      upper: fc.boolean(),
      q: fc.option(fc.constantFrom('0', '0.0', '1', '0.8', '0.001', 'x', ''), { nil: undefined }),
      space: fc.boolean(),
    });
    fc.assert(fc.property(fc.array(range, { maxLength: 8 }), (ranges) => {
      const raw = ranges
        .map((r) => `${r.upper ? r.type.toUpperCase() : r.type}${r.q === undefined ? '' : `${r.space ? '; ' : ';'}q=${r.q}`}`)
        .join(ranges[0]?.space ? ', ' : ',');
      const origin = acceptedImageTypes(raw);
      const expected = ['image/avif', 'image/webp'].filter((type) => origin.has(type));
      const normalised = acceptOf(run('/cdn-cgi/image/format=auto/a.jpg', { Accept: raw }));
      expect(normalised === undefined ? [] : normalised.split(',')).toEqual(expected);
      // The origin reads the normalised value the same way.
      const reread = acceptedImageTypes(normalised);
      expect(['image/avif', 'image/webp'].filter((type) => reread.has(type))).toEqual(expected);
    }), { numRuns: 300 });
  });
});

describe('one cache entry for URLs that do not negotiate', () => {
  it('explicit formats drop Accept, so every browser sends the same request', () => {
    const forwarded = Object.values(ACCEPT).map((accept) => run('/cdn-cgi/image/width=600,format=webp/a.jpg', { Accept: accept }));
    for (const request of forwarded) {
      expect(request.headers).not.toHaveProperty('accept');
      expect(request).toEqual(forwarded[0]);
    }
  });

  it('no format option, and URLs outside the Cloudflare grammar, also drop Accept', () => {
    expect(run('/cdn-cgi/image/width=600/a.jpg', { Accept: ACCEPT.chrome }).headers).not.toHaveProperty('accept');
    const raw = run('/photos/a.jpg', { Accept: ACCEPT.chrome });
    expect(raw.headers).not.toHaveProperty('accept');
    expect(raw.uri).toBe('/photos/a.jpg');
  });

  it('keeps other headers as they are', () => {
    const request = run('/cdn-cgi/image/format=auto/a.jpg', { Accept: ACCEPT.chrome, 'User-Agent': 'x', 'If-None-Match': '"abc"' });
    expect(request.headers['user-agent']).toEqual({ value: 'x' });
    expect(request.headers['if-none-match']).toEqual({ value: '"abc"' });
  });
});

describe('canonical option order', () => {
  it('orders options by name so equivalent URLs share a cache key', () => {
    const expected = '/cdn-cgi/image/fit=cover,width=600/photos/2024/a.jpg';
    expect(run('/cdn-cgi/image/width=600,fit=cover/photos/2024/a.jpg').uri).toBe(expected);
    expect(run('/cdn-cgi/image/fit=cover,width=600/photos/2024/a.jpg').uri).toBe(expected);
    expect(run('/cdn-cgi/image/fit=cover,w=600/photos/2024/a.jpg').uri).toBe(expected);
  });

  it('expands exactly the origin\'s aliases', () => {
    expect({ ...(context.ALIASES as Record<string, string>) }).toEqual({ ...CLOUDFLARE_ALIASES });
    for (const [alias, name] of Object.entries(CLOUDFLARE_ALIASES)) {
      expect(run(`/cdn-cgi/image/${alias}=7/a.jpg`).uri).toBe(`/cdn-cgi/image/${name}=7/a.jpg`);
    }
  });

  it('keeps values byte for byte, including encoded characters and commas inside parentheses', () => {
    expect(run('/cdn-cgi/image/width=10,background=rgb(1,2,3)/a.jpg').uri).toBe('/cdn-cgi/image/background=rgb(1,2,3),width=10/a.jpg');
    expect(run('/cdn-cgi/image/w=10,background=%23FF0000/a%20b.jpg').uri).toBe('/cdn-cgi/image/background=%23FF0000,width=10/a%20b.jpg');
  });

  it('matches the origin\'s canonical form for any order and spelling of valid options', () => {
    // Values already in their canonical spelling, so the only difference can be order and aliases.
    const pool = ['width=600', 'height=400', 'quality=80', 'format=auto', 'fit=cover', 'gravity=left', 'dpr=2', 'blur=10',
      'sharpen=2', 'rotate=90', 'metadata=none', 'anim=false', 'background=%23ff0000', 'brightness=1.5', 'onerror=redirect',
      'compression=fast', 'contrast=1.2', 'gamma=2'];
    const reverse = new Map(Object.entries(CLOUDFLARE_ALIASES).map(([alias, name]) => [name, alias]));
    fc.assert(fc.property(
      fc.shuffledSubarray(pool, { minLength: 1 }),
      fc.array(fc.boolean(), { minLength: pool.length, maxLength: pool.length }),
      (options, useAlias) => {
        const written = options.map((option, i) => {
          const [name, value] = option.split('=') as [string, string];
          const alias = reverse.get(name);
          return alias && useAlias[i] ? `${alias}=${value}` : option;
        }).join(',');
        const parsed = parseCloudflareOptions(written);
        if (!parsed.ok) throw new Error(`origin rejected ${written}`);
        const uri = run(`/cdn-cgi/image/${written}/a.jpg`).uri;
        expect(uri).toBe(`/cdn-cgi/image/${formatCloudflareOptions(parsed.value)}/a.jpg`);
      },
    ), { numRuns: 300 });
  });

  it('leaves malformed option lists for the origin to reject, and drops Accept', () => {
    for (const uri of ['/cdn-cgi/image/width=600,,fit=cover/a.jpg', '/cdn-cgi/image/width/a.jpg', '/cdn-cgi/image/=5,format=auto/a.jpg',
      '/cdn-cgi/image/format=auto', '/cdn-cgi/image//a.jpg', '/cdn-cgi/image/']) {
      const request = run(uri, { Accept: ACCEPT.chrome });
      expect(request.uri).toBe(uri);
      expect(request.headers).not.toHaveProperty('accept');
    }
  });

  it('leaves absurdly long option lists alone', () => {
    const options = Array.from({ length: 65 }, (_, i) => `x${i}=1`).join(',');
    expect(run(`/cdn-cgi/image/${options}/a.jpg`).uri).toBe(`/cdn-cgi/image/${options}/a.jpg`);
  });

  it('treats Object.prototype names as plain option names', () => {
    expect(run('/cdn-cgi/image/width=5,constructor=1,__proto__=2,toString=3/a.jpg').uri)
      .toBe('/cdn-cgi/image/__proto__=2,constructor=1,toString=3,width=5/a.jpg');
  });

  it('is idempotent: a normalised request passes through unchanged', () => {
    fc.assert(fc.property(
      fc.array(fc.constantFrom('w=1', 'h=2', 'fit=cover', 'f=auto', 'format=webp', 'q=50', 'g=auto', 'dpr=2', 'bad'), { minLength: 1, maxLength: 6 }),
      fc.constantFrom(...Object.values(ACCEPT), ''),
      (options, accept) => {
        const once = run(`/cdn-cgi/image/${options.join(',')}/a.jpg`, accept ? { Accept: accept } : {});
        const headers: Record<string, string> = once.headers.accept ? { accept: once.headers.accept.value } : {};
        expect(run(once.uri, headers)).toEqual(once);
      },
    ), { numRuns: 200 });
  });
});

describe('slow-connection-quality is resolved at the edge', () => {
  it('uses it as the quality when a client hint says the connection is slow', () => {
    for (const hints of [{ 'Save-Data': 'on' }, { ECT: '3g' }, { RTT: '300' }, { Downlink: '1.5' }] as Array<Record<string, string>>) {
      expect(run('/cdn-cgi/image/width=600,quality=85,scq=40/a.jpg', hints).uri).toBe('/cdn-cgi/image/quality=40,width=600/a.jpg');
    }
  });

  it('drops it on a fast connection or without hints', () => {
    expect(run('/cdn-cgi/image/width=600,quality=85,slow-connection-quality=40/a.jpg').uri).toBe('/cdn-cgi/image/quality=85,width=600/a.jpg');
    expect(run('/cdn-cgi/image/width=600,scq=low/a.jpg', { ECT: '4g', RTT: '50', Downlink: '10', 'Save-Data': 'off' }).uri)
      .toBe('/cdn-cgi/image/width=600/a.jpg');
  });

  it('leaves an invalid value for the origin to reject', () => {
    expect(run('/cdn-cgi/image/width=600,scq=0/a.jpg', { 'Save-Data': 'on' }).uri).toBe('/cdn-cgi/image/slow-connection-quality=0,width=600/a.jpg');
    expect(run('/cdn-cgi/image/width=600,scq=fast/a.jpg').uri).toBe('/cdn-cgi/image/slow-connection-quality=fast,width=600/a.jpg');
  });
});

describe('fits CloudFront Functions (cloudfront-js-2.0)', () => {
  it('is under the 10 KB code size limit', () => {
    expect(Buffer.byteLength(source, 'utf8')).toBeLessThan(CLOUDFRONT_FUNCTION_MAX_BYTES);
  });

  it('defines the handler as a top-level function declaration', () => {
    expect(source).toMatch(/^function handler\(event\) \{$/m);
  });

  it('uses ES5 syntax only and no Node.js or browser globals', () => {
    const file = ts.createSourceFile('viewer-request.js', source, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
    const forbiddenSyntax = new Set([
      ts.SyntaxKind.ArrowFunction, ts.SyntaxKind.ClassDeclaration, ts.SyntaxKind.ClassExpression,
      ts.SyntaxKind.TemplateExpression, ts.SyntaxKind.NoSubstitutionTemplateLiteral, ts.SyntaxKind.TaggedTemplateExpression,
      ts.SyntaxKind.SpreadElement, ts.SyntaxKind.SpreadAssignment, ts.SyntaxKind.ObjectBindingPattern, ts.SyntaxKind.ArrayBindingPattern,
      ts.SyntaxKind.ForOfStatement, ts.SyntaxKind.YieldExpression, ts.SyntaxKind.AwaitExpression, ts.SyntaxKind.AsyncKeyword,
      ts.SyntaxKind.ImportDeclaration, ts.SyntaxKind.ImportEqualsDeclaration, ts.SyntaxKind.ExportDeclaration, ts.SyntaxKind.ExportAssignment,
      ts.SyntaxKind.ExportKeyword, ts.SyntaxKind.ComputedPropertyName, ts.SyntaxKind.ShorthandPropertyAssignment, ts.SyntaxKind.MetaProperty,
      ts.SyntaxKind.BigIntLiteral, ts.SyntaxKind.WithStatement, ts.SyntaxKind.DebuggerStatement, ts.SyntaxKind.QuestionDotToken,
      ts.SyntaxKind.QuestionQuestionToken, ts.SyntaxKind.QuestionQuestionEqualsToken, ts.SyntaxKind.AsteriskAsteriskToken,
    ]);
    const forbiddenNames = new Set(['require', 'module', 'exports', 'process', 'globalThis', 'window', 'Buffer', 'setTimeout',
      'setInterval', 'setImmediate', 'eval', 'Function', 'fetch', 'Proxy', 'Reflect', 'Symbol', 'WeakMap', 'Promise']);
    const problems: string[] = [];
    const where = (node: ts.Node) => `line ${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
    const visit = (node: ts.Node): void => {
      if (forbiddenSyntax.has(node.kind)) problems.push(`${ts.SyntaxKind[node.kind]} at ${where(node)}`);
      if (ts.isVariableDeclarationList(node) && (node.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) problems.push(`let/const at ${where(node)}`);
      if (ts.isIdentifier(node) && forbiddenNames.has(node.text)) problems.push(`${node.text} at ${where(node)}`);
      if (ts.isRegularExpressionLiteral(node) && !/\/[gim]*$/.test(node.text)) problems.push(`regex flags ${node.text} at ${where(node)}`);
      ts.forEachChild(node, visit);
    };
    visit(file);
    expect(problems).toEqual([]);
  });
});
