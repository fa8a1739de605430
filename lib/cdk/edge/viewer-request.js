// Viewer-request CloudFront Function (runtime cloudfront-js-2.0) for the image CDN.
//
// Keeps the cache key small and stable:
//  - Cloudflare-grammar option lists are rewritten into canonical order (aliases expanded,
//    sorted by key, values untouched), so `width=600,fit=cover` and `fit=cover,w=600` are
//    one cache entry. An optional version segment (`/v2/cdn-cgi/image/...`) is kept as it is.
//  - `slow-connection-quality` is resolved here from the client hints, because the cache key
//    carries no client hints; the origin then sees a plain `quality`.
//  - Accept is reduced to the image types the origin negotiates between (AVIF, WebP), and
//    only for URLs that ask for format=auto in one of the enabled grammars (Cloudflare
//    `format=auto`, imgix `auto=format`, Cloudinary `f_auto`, ImageKit `f-auto`, or a variant
//    defined with format=auto). Every other URL loses Accept: one cache entry.
//  - A signed URL is never rewritten (its signature covers the URL as sent); only its Accept
//    is normalised.
//  - The origin's operational endpoints (/healthz, /metrics) answer 404 here in any spelling:
//    the load balancer's health check reaches the tasks directly.
//
// Written in ES5 syntax (a subset of cloudfront-js-2.0) with no modules. At synth time
// lib/viewer-request-function.ts sets CONFIG, keeps the `//#if <grammar>` sections of the
// enabled grammars and drops comment lines; this file as it stands (every grammar, the
// origin's defaults) runs unchanged in the tests.

var CONFIG = { version: /^\/v[0-9]{1,6}\//, imagekitEndpoint: '/', autoVariants: [] };

// The origin reads the same window of Accept; longer headers are not legitimate browsers.
var MAX_ACCEPT_CHARS = 4096;
// One reader per enabled grammar, in the origin's order: reader(url) is null when the URL is
// not in that grammar, otherwise whether it asks for format=auto. The first claim decides.
var GRAMMARS = [];
// Query parameters and path segments that carry a signature in the enabled schemes.
var SIGNATURE_PARAMETERS = ['sig'];
var SIGNED_PATH = null;

function has(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function headerValue(headers, name) {
  var header = headers[name];
  if (!header) return undefined;
  if (header.multiValue && header.multiValue.length > 1) {
    var values = [];
    for (var i = 0; i < header.multiValue.length; i++) values.push(header.multiValue[i].value);
    return values.join(',');
  }
  return header.value;
}

// Every value of a query parameter, in order.
function queryValues(query, name) {
  var values = [];
  if (!has(query, name)) return values;
  var parameter = query[name];
  if (parameter.multiValue && parameter.multiValue.length > 0) {
    for (var i = 0; i < parameter.multiValue.length; i++) values.push(parameter.multiValue[i].value);
  } else {
    values.push(parameter.value);
  }
  return values;
}

function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch (e) {
    return text;
  }
}

function isAutoVariant(name) {
  return CONFIG.autoVariants.indexOf(name) >= 0;
}

function isSigned(url) {
  for (var i = 0; i < SIGNATURE_PARAMETERS.length; i++) {
    if (has(url.query, SIGNATURE_PARAMETERS[i])) return true;
  }
  return SIGNED_PATH !== null && SIGNED_PATH.test(url.path);
}

//#if cloudflare
var PREFIX = '/cdn-cgi/image/';
// More options than this is not a real URL; leave it for the origin to reject.
var MAX_OPTIONS = 64;
var ALIASES = {
  w: 'width',
  h: 'height',
  q: 'quality',
  f: 'format',
  g: 'gravity',
  scq: 'slow-connection-quality'
};
var QUALITY_PRESETS = { high: true, 'medium-high': true, 'medium-low': true, low: true };
var SLOW_EFFECTIVE_TYPES = { 'slow-2g': true, '2g': true, '3g': true };

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
      parts.push(text.substring(start, i));
      start = i + 1;
    }
  }
  parts.push(text.substring(start));
  return parts.length > MAX_OPTIONS ? null : parts;
}

// The option segment of a Cloudflare path as [{ key, value, index }], or null when its
// options are malformed (the origin answers those with a 400 naming the option).
function parseOptions(path) {
  var rest = path.substring(PREFIX.length);
  var slash = rest.indexOf('/');
  if (slash <= 0) return null;
  var parts = splitOptions(rest.substring(0, slash));
  if (parts === null) return null;
  var options = [];
  for (var i = 0; i < parts.length; i++) {
    var eq = parts[i].indexOf('=');
    if (eq <= 0) return null;
    var key = parts[i].substring(0, eq);
    options.push({ key: has(ALIASES, key) ? ALIASES[key] : key, value: parts[i].substring(eq + 1), index: i });
  }
  return { options: options, source: rest.substring(slash) };
}

function isQualityValue(value) {
  if (has(QUALITY_PRESETS, value)) return true;
  return /^[0-9]{1,3}$/.test(value) && Number(value) >= 1 && Number(value) <= 100;
}

// Same triggers as the origin's chooseQuality: Save-Data, ECT, RTT and Downlink client hints.
function isSlowConnection(headers) {
  var saveData = headerValue(headers, 'save-data');
  if (saveData && saveData.trim().toLowerCase() === 'on') return true;
  var ect = headerValue(headers, 'ect');
  if (ect && has(SLOW_EFFECTIVE_TYPES, ect.trim().toLowerCase())) return true;
  var rtt = headerValue(headers, 'rtt');
  if (rtt !== undefined && Number(rtt) > 150) return true;
  var downlink = headerValue(headers, 'downlink');
  return downlink !== undefined && Number(downlink) < 5;
}

function withoutKey(options, key) {
  var kept = [];
  for (var i = 0; i < options.length; i++) if (options[i].key !== key) kept.push(options[i]);
  return kept;
}

function findOption(options, key) {
  for (var i = 0; i < options.length; i++) if (options[i].key === key) return options[i];
  return null;
}

function resolveSlowConnectionQuality(options, headers) {
  var slow = findOption(options, 'slow-connection-quality');
  if (!slow || !isQualityValue(slow.value)) return options;
  var resolved = withoutKey(options, 'slow-connection-quality');
  if (!isSlowConnection(headers)) {
    // A URL needs at least one option; this rare one stays as written.
    return resolved.length > 0 ? resolved : options;
  }
  resolved = withoutKey(resolved, 'quality');
  resolved.push({ key: 'quality', value: slow.value, index: slow.index });
  return resolved;
}

// Sorted by key; the original position breaks ties so repeated keys keep their order.
function canonicalOrder(options) {
  var sorted = options.slice();
  sorted.sort(function (a, b) {
    if (a.key < b.key) return -1;
    if (a.key > b.key) return 1;
    return a.index - b.index;
  });
  var parts = [];
  for (var i = 0; i < sorted.length; i++) parts.push(sorted[i].key + '=' + sorted[i].value);
  return parts.join(',');
}

GRAMMARS.push(function (url) {
  if (url.path.indexOf(PREFIX) !== 0) return null;
  var parsed = parseOptions(url.path);
  if (parsed === null) return false;
  var options = parsed.options;
  if (!url.signed) {
    options = resolveSlowConnectionQuality(options, url.headers);
    url.request.uri = url.version + PREFIX + canonicalOrder(options) + parsed.source;
  }
  var format = findOption(options, 'format');
  if (format !== null) return format.value === 'auto';
  var variant = findOption(options, 'variant');
  return variant !== null && isAutoVariant(variant.value);
});
//#endif

//#if cloudinary imagekit
// Chained steps must agree at the origin, so one format component decides; without one, a
// named transformation (variant) defined with format=auto does.
function asksForAuto(components, format, variant) {
  var named = false;
  for (var i = 0; i < components.length; i++) {
    var component = components[i];
    if (component === format + 'auto') return true;
    if (component.indexOf(format) === 0) return false;
    if (component.indexOf(variant) === 0 && isAutoVariant(component.substring(variant.length))) named = true;
  }
  return named;
}
//#endif

//#if cloudinary
// Cloudinary's transformation keys: a path segment made only of these is a step, as at the origin.
var CLOUDINARY_KEYS = ('a ac af ar b bo br c co cs d dl dn dpr du e eo f fl fn fps g h if ki l o p pg q r so sp t u vc vs w x y z').split(' ');
SIGNED_PATH = /\/s--[^\/]*--\//;

function isCloudinaryStep(segment) {
  if (segment === '') return false;
  var components = segment.split(',');
  for (var i = 0; i < components.length; i++) {
    if (components[i].charAt(0) === '$') continue;
    var key = /^([a-z]+)_/.exec(components[i]);
    if (key === null || CLOUDINARY_KEYS.indexOf(key[1]) < 0) return false;
  }
  return true;
}

// `/<cloud>/image/upload/[s--SIG--/]<step>/<step>/<public id>`; the cloud name is optional.
GRAMMARS.push(function (url) {
  var segments = url.path.split('/');
  var start = segments[1] === 'image' ? 2 : segments[2] === 'image' ? 3 : -1;
  if (start < 0 || (segments[start] !== 'upload' && segments[start] !== 'fetch')) return null;
  var rest = segments.slice(start + 1);
  if (/^s--[A-Za-z0-9_-]+--$/.test(rest[0])) rest.shift();
  var components = [];
  for (var i = 0; i < rest.length - 1 && isCloudinaryStep(rest[i]); i++) {
    components = components.concat(decode(rest[i]).split(','));
  }
  return asksForAuto(components, 'f_', 't_');
});
//#endif

//#if imagekit
SIGNATURE_PARAMETERS.push('ik-s');

// `<endpoint>tr:w-600,f-auto/<source>` or `<endpoint><source>?tr=w-600,f-auto`, steps chained with `:`.
GRAMMARS.push(function (url) {
  var endpoint = CONFIG.imagekitEndpoint;
  if (url.path.indexOf(endpoint) !== 0) return null;
  var rest = url.path.substring(endpoint.length);
  var transformations = queryValues(url.query, 'tr');
  if (transformations.length > 1) return false;
  if (rest.indexOf('tr:') === 0) {
    var slash = rest.indexOf('/');
    if (slash < 0) return false;
    transformations.unshift(rest.substring(3, slash));
  }
  if (transformations.length === 0) return null;
  var components = [];
  for (var i = 0; i < transformations.length; i++) components = components.concat(decode(transformations[i]).split(/[,:]/));
  return asksForAuto(components, 'f-', 'n-');
});
//#endif

//#if imgix
SIGNATURE_PARAMETERS.push('s');

// `/<source>?w=600&auto=format,compress`: repeated `auto` parameters combine, and auto=format
// wins over `fm`, as at the origin.
GRAMMARS.push(function (url) {
  var auto = queryValues(url.query, 'auto');
  var variants = queryValues(url.query, 'variant');
  if (auto.length === 0 && variants.length === 0) return null;
  var modes = decode(auto.join(',')).split(',');
  if (modes.indexOf('format') >= 0) return true;
  return variants.length === 1 && isAutoVariant(decode(variants[0]));
});
//#endif

// The origin's /healthz and /metrics are for the load balancer's health check and scrapers inside
// the VPC, never for viewers. Every spelling that could reach them is answered here: any case,
// percent-encoded (even twice), extra or trailing slashes, dot segments, any query (CloudFront
// may forward the path without it).
var OPERATIONAL = { healthz: 1, metrics: 1 };

function isOperational(uri) {
  var path = uri;
  for (var i = 0; i < 3 && path.indexOf('%') >= 0; i++) path = decode(path);
  var parts = path.toLowerCase().split(/[\/\\]/);
  var kept = [];
  for (i = 0; i < parts.length; i++) {
    var part = parts[i].trim();
    if (part === '..') kept.pop();
    else if (part !== '' && part !== '.') kept.push(part);
  }
  return kept.length === 1 && has(OPERATIONAL, kept[0]);
}

// The image types a client accepts with q > 0 (wildcards imply neither), as the origin reads them.
function negotiatedAccept(accept) {
  if (!accept) return '';
  var ranges = accept.substring(0, MAX_ACCEPT_CHARS).split(',');
  var avif = false;
  var webp = false;
  for (var i = 0; i < ranges.length; i++) {
    var params = ranges[i].trim().toLowerCase().split(';');
    var type = params[0].trim();
    if (type !== 'image/avif' && type !== 'image/webp') continue;
    var acceptable = true;
    for (var j = 1; j < params.length; j++) {
      var param = params[j].trim();
      if (param.indexOf('q=') === 0) {
        acceptable = Number(param.substring(2)) > 0;
        break;
      }
    }
    if (!acceptable) continue;
    if (type === 'image/avif') avif = true;
    else webp = true;
  }
  if (avif && webp) return 'image/avif,image/webp';
  if (avif) return 'image/avif';
  if (webp) return 'image/webp';
  return '';
}

function handler(event) {
  var request = event.request;
  if (isOperational(request.uri)) return { statusCode: 404, statusDescription: 'Not Found', headers: { 'x-image-cdn-error': { value: 'not_found' } } };
  var headers = request.headers;
  // The origin ignores a leading version segment (`/v2/`); the grammars see the path after it.
  var version = CONFIG.version ? CONFIG.version.exec(request.uri) : null;
  var prefix = version ? version[0].substring(0, version[0].length - 1) : '';
  var url = { request: request, headers: headers, query: request.querystring || {}, version: prefix, path: request.uri.substring(prefix.length) };
  url.signed = isSigned(url);
  var formatAuto = false;
  for (var i = 0; i < GRAMMARS.length; i++) {
    var claimed = GRAMMARS[i](url);
    if (claimed !== null) {
      formatAuto = claimed;
      break;
    }
  }
  var accept = formatAuto ? negotiatedAccept(headerValue(headers, 'accept')) : '';
  if (accept) headers.accept = { value: accept };
  else delete headers.accept;
  return request;
}
