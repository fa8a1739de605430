// Viewer-request CloudFront Function (runtime cloudfront-js-2.0) for the image CDN.
//
// Rewrites each URL of an enabled grammar into one spelling, so that equal transforms share one
// cache entry, and reduces Accept to what the origin negotiates on:
//  - Components are sorted by name (within each step for Cloudinary and ImageKit: the order of
//    steps has meaning), aliases expanded, escapes of unreserved characters decoded, every number
//    in its shortest spelling, a dpr above the grammar's cap written as the cap and the default dpr
//    dropped. ImageKit's `?tr=` joins the `tr:` path form; Cloudinary's version segment goes. Query
//    parameters no grammar reads go; imgix keeps its transform parameters, without `ixlib`, `utm_*`
//    and cache busters. Extra slashes before a source path go.
//  - `slow-connection-quality` is resolved here from the client hints, because the cache key
//    carries no client hints; the origin then sees a plain `quality`.
//  - Accept is kept, reduced to the image types the origin negotiates between (AVIF, WebP), only
//    for URLs that ask for format=auto in an enabled grammar (Cloudflare `format=auto`, imgix
//    `auto=format`, Cloudinary `f_auto`, ImageKit `f-auto`, or a variant defined with
//    format=auto). Every other URL loses Accept: one cache entry.
//  - With signing on, a signed URL is never rewritten (its signature covers the URL as sent); only
//    its Accept is normalised. With signing off, names like `s` are ignorable parameters.
//  - The work per request is bounded: at most 64 options or parameters and the origin's bounds on
//    chained steps; every loop is linear in the URL.
//  - The origin's operational endpoints (/healthz, /metrics) answer 404 here in any spelling:
//    the load balancer's health check reaches the tasks directly.
//
// Written in ES5 syntax (a subset of cloudfront-js-2.0) with no modules, in the style
// lib/cdk/edge/compact.ts expects. At synth time lib/cdk/viewer-request-function.ts fills CONFIG
// and TABLES (the origin's option tables, from lib/cdk/edge/tables.ts; lists are space-separated),
// keeps the `//#if <grammar>` sections of the enabled grammars, drops comments and compacts.
//
// Components of a URL are { k: name, v: value (null when it has none), o: position as written }.

var CONFIG = { version: /^\/v[0-9]{1,6}\//, imagekitEndpoint: '/', autoVariants: [], signing: false, keep: [] };
var TABLES = {};

// The origin reads the same window of Accept; longer headers are not legitimate browsers.
var MAX_ACCEPT_CHARS = 4096;
// More options or parameters than this is not a real URL; it is left for the origin to judge.
var MAX_OPTIONS = 64;
// One reader per enabled grammar, in the origin's order: reader(url) is null when the URL is not
// in that grammar, otherwise whether it asks for format=auto; it sets url.target and url.qs to the
// canonical path and query when it can write them. The first claim decides.
var GRAMMARS = [];
// Query parameters that carry or bound a signature in the enabled schemes (read with signing on).
var SIGNATURES = ['sig', 'expires'];
var SIGNED_PATH = null;

function has(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}

// Every value of a header or query parameter, in order.
function valuesOf(fields, name) {
  var field = has(fields, name) ? fields[name] : null;
  if (!field) return [];
  if (!field.multiValue || field.multiValue.length === 0) return [field.value];
  var values = [];
  for (var i = 0; i < field.multiValue.length; i++) values.push(field.multiValue[i].value);
  return values;
}

function headerValue(headers, name) {
  var values = valuesOf(headers, name);
  return values.length > 0 ? values.join(',') : undefined;
}

// A field written back with an explicit multiValue, so no duplicate of it survives.
function field(value) {
  return { value: value, multiValue: [{ value: value }] };
}

// Percent-decoded, or null when malformed (the origin refuses those URLs).
function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch (e) {
    return null;
  }
}

// A query name or value as URLSearchParams reads it at the origin.
function formDecode(text) {
  return decode(text.replace(/\+/g, ' '));
}

// RFC 3986 §6.2.2: an escaped unreserved character is that character; other escapes in upper case.
function unescapeUnreserved(text) {
  return text.replace(/%[0-9A-Fa-f]{2}/g, function (escape) {
    var c = String.fromCharCode(parseInt(escape.substring(1), 16));
    return /[\w.~-]/.test(c) ? c : escape.toUpperCase();
  });
}

// Each number in its shortest spelling, the same value to the origin (origin/src/grammar/spelling.ts).
function shortestNumbers(value, spelling) {
  return value.replace(spelling === 'd' ? /\d*\.?\d+/g : spelling === 'p' ? /^\d+/ : /\d+/g, function (digits) {
    var shortest = String(Number(digits));
    return shortest.indexOf('e') < 0 ? shortest : digits;
  });
}

// Whether a space-separated list of TABLES names `name`.
function listed(list, name) {
  return (' ' + list + ' ').indexOf(' ' + name + ' ') >= 0;
}

// Names through the grammar's aliases, numbers in their shortest spelling, a dpr above the cap as the cap.
function respell(items, table) {
  for (var i = 0; i < items.length; i++) {
    var item = items[i];
    if (table.aliases && has(table.aliases, item.k)) item.k = table.aliases[item.k];
    for (var spelling in table.numbers) if (item.v !== null && listed(table.numbers[spelling], item.k)) item.v = shortestNumbers(item.v, spelling);
    if (item.k === 'dpr' && Number(item.v) > table.cap) item.v = String(table.cap);
  }
  return items;
}

// Whether every item is the default dpr: a URL that has nothing else keeps them, as it needs a
// component (ImageKit's `tr:dpr-1:dpr-1` is two steps the origin serves; an empty `tr:` it refuses).
function onlyDefaults(items) {
  for (var i = 0; i < items.length; i++) if (items[i].k !== 'dpr' || items[i].v !== '1') return false;
  return true;
}

// Without the default dpr (unless defaults are all the URL has), sorted by name with the position
// breaking ties, so a repeated name stays for the origin to refuse.
function finish(items, alone) {
  var kept = [];
  for (var i = 0; i < items.length; i++) if (alone || items[i].k !== 'dpr' || items[i].v !== '1') kept.push(items[i]);
  return kept.sort(function (a, b) {
    return a.k < b.k ? -1 : a.k > b.k ? 1 : a.o - b.o;
  });
}

function find(items, name) {
  for (var i = 0; i < items.length; i++) if (items[i].k === name) return items[i];
  return null;
}

function without(items, name) {
  var kept = [];
  for (var i = 0; i < items.length; i++) if (items[i].k !== name) kept.push(items[i]);
  return kept;
}

function isAutoVariant(name) {
  return CONFIG.autoVariants.indexOf(name) >= 0;
}

// Leading slashes of a source path are one to the origin, except before an absolute URL, which it reads apart.
function withoutLeadingSlashes(source) {
  var path = source.replace(/^\/+/, '');
  return /^https?(:|%3A)/i.test(path) ? source : path;
}

function isSigned(url) {
  if (!CONFIG.signing) return false;
  for (var i = 0; i < SIGNATURES.length; i++) if (has(url.query, SIGNATURES[i])) return true;
  return SIGNED_PATH !== null && SIGNED_PATH.test(url.path);
}

//#if cloudflare
var PREFIX = '/cdn-cgi/image/';

// Commas inside parentheses do not split, as at the origin: `background=rgb(1,2,3)` is one option.
function splitOptions(text) {
  var parts = [];
  var depth = 0;
  var start = 0;
  for (var i = 0; i < text.length; i++) {
    var c = text.charAt(i);
    if (c === '(') depth++;
    else if (c === ')') depth = depth > 0 ? depth - 1 : 0;
    else if (c === ',' && depth === 0) {
      if (parts.length === MAX_OPTIONS) return null;
      parts.push(text.substring(start, i));
      start = i + 1;
    }
  }
  parts.push(text.substring(start));
  return parts.length > MAX_OPTIONS ? null : parts;
}

function isQualityValue(value) {
  return listed(TABLES.presets, value) || (/^\d{1,3}$/.test(value) && value >= 1 && value <= 100);
}

// Same triggers as the origin's chooseQuality: Save-Data, ECT, RTT and Downlink client hints.
function isSlowConnection(headers) {
  var slow = TABLES.slow;
  var saveData = headerValue(headers, 'save-data');
  var ect = headerValue(headers, 'ect');
  var rtt = headerValue(headers, 'rtt');
  var downlink = headerValue(headers, 'downlink');
  return (saveData !== undefined && listed(slow.saveData, saveData.trim().toLowerCase()))
    || (ect !== undefined && listed(slow.ect, ect.trim().toLowerCase()))
    || (rtt !== undefined && Number(rtt) > slow.rtt)
    || (downlink !== undefined && Number(downlink) < slow.downlink);
}

function resolveSlowConnectionQuality(options, headers) {
  var name = 'slow-connection-quality';
  var slow = find(options, name);
  if (!slow || !isQualityValue(slow.v)) return options;
  var resolved = without(options, name);
  if (!isSlowConnection(headers)) {
    // A URL needs at least one option; this rare one stays as written.
    return resolved.length > 0 ? resolved : options;
  }
  resolved = without(resolved, 'quality');
  resolved.push({ k: 'quality', v: slow.v, o: slow.o });
  return resolved;
}

GRAMMARS.push(function (url) {
  if (url.path.indexOf(PREFIX) !== 0) return null;
  var rest = url.path.substring(PREFIX.length);
  var slash = rest.indexOf('/');
  var parts = slash > 0 ? splitOptions(unescapeUnreserved(rest.substring(0, slash))) : null;
  // Malformed option lists stay as they are: the origin answers 400 naming the option.
  if (parts === null) return false;
  var options = [];
  for (var i = 0; i < parts.length; i++) {
    var eq = parts[i].indexOf('=');
    if (eq <= 0) return false;
    options.push({ k: parts[i].substring(0, eq), v: parts[i].substring(eq + 1), o: i });
  }
  options = resolveSlowConnectionQuality(respell(options, TABLES.cloudflare), url.hints);
  options = finish(options, onlyDefaults(options));
  for (i = 0; i < options.length; i++) parts[i] = options[i].k + '=' + options[i].v;
  url.target = PREFIX + parts.slice(0, options.length).join(',') + '/' + withoutLeadingSlashes(rest.substring(slash + 1));
  url.qs = {};
  var format = find(options, 'format');
  var variant = find(options, 'variant');
  return format !== null ? format.v === 'auto' : variant !== null && isAutoVariant(variant.v);
});
//#endif

//#if cloudinary imagekit
// Decoded steps as components, respelled; null past the origin's bounds or where `component` (a
// part's { k, v }, or null) finds one the origin refuses.
function readSteps(texts, table, component) {
  var steps = [];
  for (var i = 0; i < texts.length; i++) {
    var parts = texts[i] === null ? [] : texts[i].split(',');
    if (texts[i] === null || i === TABLES.maxSteps || parts.length > TABLES.maxComponents) return null;
    for (var j = 0; j < parts.length; j++) if ((parts[j] = component(parts[j], j)) === null) return null;
    steps.push(respell(parts, table));
  }
  return steps;
}

// Chained steps must agree at the origin, so the first format component decides; without one, a
// named transformation (variant) defined with format=auto does.
function asksForAuto(steps, format, variant) {
  var named = false;
  for (var i = 0; i < steps.length; i++) {
    for (var j = 0; j < steps[i].length; j++) {
      var item = steps[i][j];
      if (item.k === format) return item.v === 'auto';
      if (item.k === variant && isAutoVariant(item.v)) named = true;
    }
  }
  return named;
}

// Steps in canonical form, written as the origin decodes them (`:` kept readable); empty steps go.
function writtenSteps(steps, separator, between) {
  var alone = true;
  for (var i = 0; i < steps.length; i++) alone = alone && onlyDefaults(steps[i]);
  var written = [];
  for (i = 0; i < steps.length; i++) {
    var step = finish(steps[i], alone);
    for (var j = 0; j < step.length; j++) step[j] = encodeURIComponent(step[j].v === null ? step[j].k : step[j].k + separator + step[j].v);
    if (j > 0) written.push(step.join(',').replace(/%3A/g, ':'));
  }
  return written.join(between);
}
//#endif

//#if cloudinary
SIGNED_PATH = /\/s--[^/]*--\//;

// A component as { k, v }, or null when it has no Cloudinary key: a segment made only of keyed
// components (or `$` variables) is a step, as at the origin.
function cloudinaryComponent(part, at) {
  var key = /^([a-z]+)_/.exec(part);
  return key !== null && listed(TABLES.cloudinary.keys, key[1]) ? { k: key[1], v: part.substring(key[1].length + 1), o: at } : null;
}

function isCloudinaryStep(segment) {
  var components = segment.split(',');
  for (var i = 0; i < components.length; i++) {
    if (components[i].charAt(0) !== '$' && cloudinaryComponent(components[i]) === null) return false;
  }
  return true;
}

// `/<cloud>/image/upload/[s--SIG--/]<step>/<step>/[v<version>/]<public id>`; the cloud name is optional.
GRAMMARS.push(function (url) {
  var segments = url.path.split('/');
  var at = segments[1] === 'image' ? 2 : segments[2] === 'image' ? 3 : -1;
  if (at < 0 || (segments[at] !== 'upload' && segments[at] !== 'fetch')) return null;
  var head = segments.slice(0, at + 1).join('/') + '/';
  // Unsigned, the signature segment means nothing to the origin (a signed URL is not rewritten).
  if (/^s--[\w-]+--$/.test(segments[++at])) at++;
  var texts = [];
  for (; at < segments.length - 1 && texts.length <= TABLES.maxSteps && isCloudinaryStep(segments[at]); at++) texts.push(decode(segments[at]));
  // User variables, and escapes that hid a comma, are the origin's to refuse.
  var steps = readSteps(texts, TABLES.cloudinary, cloudinaryComponent);
  if (steps === null) return false;
  // The version (`v1699999999`) only busts Cloudinary's cache; the origin ignores it.
  if (at < segments.length - 1 && /^v\d+$/.test(segments[at])) at++;
  var written = writtenSteps(steps, '_', '/');
  url.target = head + (written === '' ? '' : written + '/') + segments.slice(at).join('/');
  url.qs = {};
  return asksForAuto(steps, 'f', 't');
});
//#endif

//#if imagekit
SIGNATURES.push('ik-s', 'ik-t');

// `w-300` is { k: w, v: 300 }; effects keep their name: `e-sharpen-10` is e-sharpen and 10.
function imagekitComponent(part, at) {
  var match = /^(e-[a-z_]+|[^-]+)(-(.*))?$/.exec(part);
  return match === null ? null : { k: match[1], v: match[2] ? match[3] : null, o: at };
}

// `<endpoint>tr:w-600,f-auto/<source>` or `<endpoint><source>?tr=w-600,f-auto`, steps chained with
// `:`. Written as the path form: the origin reads the path's steps first, then the query's.
GRAMMARS.push(function (url) {
  var endpoint = CONFIG.imagekitEndpoint;
  if (url.path.indexOf(endpoint) !== 0) return null;
  var rest = url.path.substring(endpoint.length);
  var query = valuesOf(url.query, 'tr');
  var slash = rest.indexOf('/');
  var texts = [];
  if (rest.indexOf('tr:') === 0) {
    if (slash < 0) return false;
    texts.push(decode(rest.substring(3, slash)));
    rest = rest.substring(slash + 1);
  }
  // The origin decodes the query's value twice: as a query, then as a transformation.
  for (var i = 0; i < query.length; i++) texts.push(decode(formDecode(query[i]) || '%'));
  if (texts.length === 0) return null;
  var steps = query.length > 1 || texts.indexOf(null) >= 0 ? null : readSteps(texts.join(':').split(':'), TABLES.imagekit, imagekitComponent);
  if (steps === null) return false;
  url.target = endpoint + 'tr:' + writtenSteps(steps, '-', ':') + '/' + withoutLeadingSlashes(rest);
  url.qs = {};
  return asksForAuto(steps, 'f', 'n');
});
//#endif

//#if imgix
SIGNATURES.push('s');

function isIgnorable(name) {
  var prefixes = TABLES.imgix.prefixes.split(' ');
  for (var i = 0; i < prefixes.length; i++) if (name.indexOf(prefixes[i]) === 0) return true;
  return listed(TABLES.imgix.ignored, name);
}

function encodeQuery(text) {
  return encodeURIComponent(text).replace(/%2C/g, ',').replace(/%3A/g, ':');
}

// `/<source>?w=600&auto=format,compress`: parameters decoded as the origin reads them and sorted,
// repeated `auto` parameters combined (auto=format wins over `fm`, as at the origin).
GRAMMARS.push(function (url) {
  var items = [];
  var modes = [];
  var count = 0;
  for (var raw in url.query) {
    var name = formDecode(raw);
    var values = valuesOf(url.query, raw);
    if (name === null || (count += values.length) > MAX_OPTIONS) return false;
    for (var i = 0; i < values.length; i++) {
      var value = formDecode(values[i]);
      if (value === null) return false;
      if (isIgnorable(name)) continue;
      if (name !== 'auto') items.push({ k: name, v: value, o: items.length });
      else for (var j = 0, parts = value.split(','); j < parts.length; j++) modes.push(parts[j]);
    }
  }
  // Only a transform parameter (or one the origin refuses) makes a URL imgix's.
  if (items.length === 0 && modes.length === 0) return null;
  if (modes.length > 0) {
    modes.sort();
    var distinct = [];
    for (i = 0; i < modes.length; i++) if (modes[i] !== '' && modes[i] !== modes[i - 1]) distinct.push(modes[i]);
    items.push({ k: 'auto', v: distinct.join(','), o: items.length });
  }
  // The origin reads `or` only without `orient`.
  if (find(items, 'orient') !== null) items = without(items, 'or');
  items = respell(items, TABLES.imgix);
  items = finish(items, onlyDefaults(items));
  url.qs = {};
  for (i = 0; i < items.length; i++) {
    var key = encodeQuery(items[i].k);
    var written = encodeQuery(items[i].v);
    if (has(url.qs, key)) url.qs[key].multiValue.push({ value: written });
    else url.qs[key] = field(written);
  }
  // The source's extra leading slashes go, unless the path would then read otherwise.
  var path = url.path.replace(/^\/+/, '/');
  if (/^\/https?(:|%3A)/i.test(path)) path = url.path;
  for (i = 0; i < GRAMMARS.length - 1 && path !== url.path; i++) {
    if (GRAMMARS[i]({ path: path, query: url.query, hints: url.hints }) !== null) path = url.path;
  }
  url.target = path;
  var auto = find(items, 'auto');
  var variant = find(items, 'variant');
  if (auto !== null && listed(auto.v.replace(/,/g, ' '), 'format')) return true;
  return variant !== null && without(items, 'variant').length === items.length - 1 && isAutoVariant(variant.v);
});
//#endif

// The origin's /healthz and /metrics are for the load balancer's health check and scrapers inside
// the VPC, never for viewers. Every spelling that could reach them is answered here: any case,
// percent-encoded (even twice), extra or trailing slashes, dot segments, any query (CloudFront
// may forward the path without it).
function isOperational(uri) {
  var path = uri;
  for (var i = 0; i < 3 && path.indexOf('%') >= 0; i++) path = decode(path) || path;
  var parts = path.toLowerCase().split(/[/\\]/);
  var kept = [];
  for (i = 0; i < parts.length; i++) {
    var part = parts[i].trim();
    if (part === '..') kept.pop();
    else if (part !== '' && part !== '.') kept.push(part);
  }
  return kept.length === 1 && (kept[0] === 'healthz' || kept[0] === 'metrics');
}

// The image types a client accepts with q > 0 (wildcards imply neither), as the origin reads them:
// the first `q=` parameter of a range decides.
function negotiatedAccept(accept) {
  var ranges = (accept || '').substring(0, MAX_ACCEPT_CHARS).toLowerCase().split(',');
  var types = [];
  for (var i = 0; i < ranges.length; i++) {
    var range = /^\s*(image\/(avif|webp))\s*(;.*)?$/.exec(ranges[i]);
    var q = range && /;\s*q=([^;]*)/.exec(range[3] || '');
    if (range && (!q || Number(q[1]) > 0) && types.indexOf(range[1]) < 0) types.push(range[1]);
  }
  return types.sort().join(',');
}

function handler(event) {
  var request = event.request;
  if (isOperational(request.uri)) return { statusCode: 404, statusDescription: 'Not Found', headers: { 'x-image-cdn-error': { value: 'not_found' } } };
  var headers = request.headers;
  // The origin ignores a leading version segment (`/v2/`); the grammars see the path after it.
  var version = CONFIG.version ? CONFIG.version.exec(request.uri) : null;
  var prefix = version ? version[0].substring(0, version[0].length - 1) : '';
  var url = { path: request.uri.substring(prefix.length), query: request.querystring || {}, hints: headers, target: null, qs: null };
  var claimed = null;
  for (var i = 0; i < GRAMMARS.length && claimed === null; i++) claimed = GRAMMARS[i](url);
  // A URL no grammar reads is the source itself, whatever its query says.
  if (claimed === null) url.qs = {};
  if (!isSigned(url)) {
    if (url.target !== null) request.uri = prefix + url.target;
    // The canonical query, and the parameters the cache policy names besides, as sent.
    for (i = 0; url.qs !== null && i < CONFIG.keep.length; i++) {
      var name = CONFIG.keep[i];
      if (has(url.query, name)) url.qs[name] = url.query[name];
    }
    if (url.qs !== null) request.querystring = url.qs;
  }
  var accept = claimed ? negotiatedAccept(headerValue(headers, 'accept')) : '';
  if (accept) headers.accept = field(accept);
  else delete headers.accept;
  return request;
}
