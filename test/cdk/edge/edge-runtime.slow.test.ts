/**
 * The viewer-request function as deployed, for every set of grammars: taken from the synthesized
 * template, run in strict mode (as CloudFront runs functions), calling only built-ins that
 * cloudfront-js-2.0 supports, and small enough to leave room for variants.
 */
import vm from 'node:vm';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CLOUDFRONT_FUNCTION_MAX_BYTES, URL_GRAMMARS, type UrlGrammar } from '../../../lib/cdk/viewer-request-function.js';
import { es5Problems } from '../../support/es5.js';
import { forward, synthesizedFunctionCode, type EdgeHandler } from '../../support/edge.js';

/**
 * What cloudfront-js-2.0 supports, from AWS's "JavaScript runtime features for CloudFront
 * Functions" (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-javascript-runtime-features.html,
 * the 1.0 list, which 2.0 extends apart from five non-standard String methods none of which is
 * listed here). "All ES 5.1 methods" of Number, Math and RegExp are spelled out from ES 5.1.
 */
const SUPPORTED_METHODS: Readonly<Record<string, readonly string[]>> = {
  Object: [
    'create',
    'defineProperties',
    'defineProperty',
    'freeze',
    'getOwnPropertyDescriptor',
    'getOwnPropertyNames',
    'getPrototypeOf',
    'hasOwnProperty',
    'isExtensible',
    'isFrozen',
    'isPrototypeOf',
    'isSealed',
    'keys',
    'preventExtensions',
    'propertyIsEnumerable',
    'seal',
    'toString',
    'valueOf',
    'assign',
    'is',
    'setPrototypeOf',
    'entries',
    'values',
  ],
  String: [
    'fromCharCode',
    'charAt',
    'concat',
    'indexOf',
    'lastIndexOf',
    'match',
    'replace',
    'search',
    'slice',
    'split',
    'substr',
    'substring',
    'toLowerCase',
    'trim',
    'toUpperCase',
    'fromCodePoint',
    'codePointAt',
    'endsWith',
    'includes',
    'repeat',
    'startsWith',
    'padStart',
    'padEnd',
    'trimStart',
    'trimEnd',
  ],
  Number: ['toExponential', 'toFixed', 'toPrecision', 'toString', 'valueOf', 'isFinite', 'isInteger', 'isNaN', 'isSafeInteger', 'parseFloat', 'parseInt'],
  Function: ['apply', 'bind', 'call'],
  RegExp: ['exec', 'test', 'toString'],
  JSON: ['parse', 'stringify'],
  Array: [
    'isArray',
    'concat',
    'every',
    'filter',
    'forEach',
    'indexOf',
    'join',
    'lastIndexOf',
    'map',
    'pop',
    'push',
    'reduce',
    'reduceRight',
    'reverse',
    'shift',
    'slice',
    'some',
    'sort',
    'splice',
    'unshift',
    'of',
    'copyWithin',
    'fill',
    'find',
    'findIndex',
    'includes',
  ],
  Math: ['abs', 'acos', 'asin', 'atan', 'atan2', 'ceil', 'cos', 'exp', 'floor', 'log', 'max', 'min', 'pow', 'random', 'round', 'sin', 'sqrt', 'tan'],
};
const SUPPORTED_GLOBALS = [
  'decodeURI',
  'decodeURIComponent',
  'encodeURI',
  'encodeURIComponent',
  'isFinite',
  'isNaN',
  'parseFloat',
  'parseInt',
  'NaN',
  'Infinity',
  'undefined',
  'Object',
  'String',
  'Number',
  'Boolean',
  'Array',
  'RegExp',
  'JSON',
  'Math',
  'Date',
  'Error',
  'TypeError',
];
const METHODS = new Set(Object.values(SUPPORTED_METHODS).flat());

/** Every non-empty set of grammars. */
const GRAMMAR_SETS: UrlGrammar[][] = Array.from({ length: 2 ** URL_GRAMMARS.length - 1 }, (_, i) =>
  URL_GRAMMARS.filter((_grammar, bit) => ((i + 1) >> bit) & 1),
);
const VARIANTS = { thumb: 'width=120,height=120,fit=cover,format=auto', hero: 'width=800,format=webp' };

/** URLs of every grammar, well formed and not, and the operational endpoints. */
const CORPUS = [
  '/cdn-cgi/image/w=0600,f=%61uto,dpr=1,scq=40/a.jpg?utm_source=x',
  '/cdn-cgi/image/width=600,,fit=cover/a.jpg',
  '/cdn-cgi/image/variant=thumb/a.jpg',
  '/cdn-cgi/image/background=rgb(1,2,3),w=1//https%3A%2F%2Fexample.com%2Fa.jpg',
  '/v2/cdn-cgi/image/w=1/a.jpg?sig=x&expires=1',
  '/a.jpg?ixlib=js-3.8.0&w=300&auto=format&dpr=2&q=50',
  '/a.jpg?auto=%E0%A4%A',
  '/a.jpg?w=1&w=2&or=6',
  '//a.jpg?variant=thumb&s=abc',
  '/demo/image/upload/s--abcdefgh--/w_0600,c_fill,f_auto/v1/a.jpg?_a=x',
  '/image/upload/$v_1,w_1/a.jpg',
  '/image/fetch/w_1/https://example.com/a.jpg',
  '/tr:w-600,f-auto/a.jpg',
  '/a.jpg?tr=w-600%2Cf-auto:n-thumb&ik-s=abc',
  '/tr:,/a.jpg',
  '/tr:w-1',
  '/metrics',
  '/%68ealthz',
  '/photos/a.jpg?v=1',
  '/',
  '',
];
const HEADERS: Array<Record<string, { value: string; multiValue?: Array<{ value: string }> }>> = [
  {},
  { accept: { value: 'image/avif,image/webp,*/*' }, 'save-data': { value: 'on' } },
  { accept: { value: 'image/webp', multiValue: [{ value: 'image/webp' }, { value: 'image/avif' }] }, rtt: { value: '400' } },
];

/** The method names the code calls (`x.name(…)`) and the globals it reads without declaring them. */
function builtinsUsed(code: string): { methods: Set<string>; globals: Set<string> } {
  const file = ts.createSourceFile('viewer-request.js', code, ts.ScriptTarget.ES5, true, ts.ScriptKind.JS);
  const methods = new Set<string>();
  const declared = new Set<string>(['handler', 'arguments']);
  const referenced = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) methods.add(node.expression.name.text);
    if (
      (ts.isVariableDeclaration(node) || ts.isFunctionDeclaration(node) || ts.isParameter(node) || ts.isFunctionExpression(node)) &&
      node.name &&
      ts.isIdentifier(node.name)
    ) {
      declared.add(node.name.text);
    }
    if (
      ts.isIdentifier(node) &&
      !(ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) &&
      !(ts.isPropertyAssignment(node.parent) && node.parent.name === node)
    ) {
      referenced.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return { methods, globals: new Set([...referenced].filter((name) => !declared.has(name))) };
}

/** Runs the code over the corpus with every built-in method wrapped, and returns the names called. */
function builtinsCalled(code: string): Set<string> {
  const context = vm.createContext({});
  vm.runInContext(
    `'use strict';
    var called = {};
    var apply = Function.prototype.call.bind(Function.prototype.apply);
    [Object, Object.prototype, String, String.prototype, Number, Number.prototype, Array, Array.prototype, RegExp.prototype, Function.prototype, JSON, Math].forEach(function (holder) {
      Object.getOwnPropertyNames(holder).forEach(function (name) {
        var descriptor = Object.getOwnPropertyDescriptor(holder, name);
        if (!descriptor || typeof descriptor.value !== 'function' || name === 'constructor' || !descriptor.writable) return;
        var original = descriptor.value;
        holder[name] = function () { called[name] = true; return apply(original, this, arguments); };
      });
    });`,
    context,
  );
  vm.runInContext(code, context, { filename: 'viewer-request.js' });
  const handler = context.handler as EdgeHandler;
  for (const target of CORPUS) {
    for (const headers of HEADERS) {
      const queryAt = target.indexOf('?');
      handler({
        request: { method: 'GET', uri: queryAt < 0 ? target : target.slice(0, queryAt), querystring: {}, headers: structuredClone(headers), cookies: {} },
      });
    }
  }
  return new Set(Object.keys(context.called as object));
}

describe.each(GRAMMAR_SETS.map((grammars) => [grammars.join(','), grammars] as const))('%s: the function from the synthesized template', (_name, grammars) => {
  const code = synthesizedFunctionCode({ grammars, variants: VARIANTS, signedUrls: grammars.length % 2 === 0, queryStringAllowList: ['ref'] });

  it('runs in strict mode over URLs of every grammar, and forwards a request or answers 404', () => {
    const context = vm.createContext({});
    vm.runInContext(`'use strict';\n${code}`, context);
    const handler = context.handler as EdgeHandler;
    for (const target of CORPUS) {
      for (const headers of [{}, { Accept: 'image/avif,image/webp,*/*', 'Save-Data': 'on' }] as Array<Record<string, string>>) {
        const answer = forward(handler, target || '/', headers);
        if (answer.statusCode !== undefined) expect(answer.statusCode, target).toBe(404);
        else expect(answer.uri, target).toMatch(/^\//);
      }
    }
  });

  it('is ES5 and calls only built-ins that cloudfront-js-2.0 supports', () => {
    expect(es5Problems(code)).toEqual([]);
    const { methods, globals } = builtinsUsed(code);
    expect([...methods].filter((name) => !METHODS.has(name))).toEqual([]);
    expect([...globals].filter((name) => !SUPPORTED_GLOBALS.includes(name) && name !== 'CONFIG' && name !== 'TABLES')).toEqual([]);
    expect([...builtinsCalled(code)].filter((name) => !METHODS.has(name))).toEqual([]);
  });
});

describe('size', () => {
  const everything = (autoVariants: number) =>
    synthesizedFunctionCode({
      grammars: URL_GRAMMARS,
      imagekitEndpoint: '/my_imagekit_id/',
      signedUrls: true,
      queryStringAllowList: ['ref'],
      variants: Object.fromEntries(Array.from({ length: autoVariants }, (_, i) => [`variant-${String(i).padStart(4, '0')}`, 'width=100,format=auto'])),
    });
  const bytes = (code: string) => Buffer.byteLength(code, 'utf8');

  it('the worst case (all four grammars, signing, an allow-list) stays well inside 10 KB, with room for ninety format=auto variants', () => {
    const worst = bytes(everything(0));
    // A variant named like `variant-0000` (12 characters) costs its name and three bytes.
    const perVariant = bytes(everything(2)) - bytes(everything(1));
    expect(perVariant).toBe(15);
    expect(worst).toBeLessThan(8.75 * 1024);
    const fit = Math.floor((CLOUDFRONT_FUNCTION_MAX_BYTES - worst) / perVariant);
    expect(fit).toBeGreaterThanOrEqual(90);
    expect(bytes(everything(90))).toBeLessThan(CLOUDFRONT_FUNCTION_MAX_BYTES);
  });

  it('the construct refuses, naming the size, a configuration whose function would not fit', () => {
    expect(() => everything(400)).toThrow(/is \d+ bytes; CloudFront Functions allow 10240/);
  });
});
