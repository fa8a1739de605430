// Viewer-request CloudFront Function (runtime cloudfront-js-2.0) for the image CDN.
//
// Keeps the cache key small and stable:
//  - Cloudflare-grammar option lists are rewritten into canonical order (aliases expanded,
//    sorted by key, values untouched), so `width=600,fit=cover` and `fit=cover,w=600` are
//    one cache entry.
//  - `slow-connection-quality` is resolved here from the client hints, because the cache key
//    carries no client hints; the origin then sees a plain `quality`.
//  - Accept is reduced to the image types the origin negotiates between (AVIF, WebP), and
//    only for URLs that ask for format=auto. Every other URL loses Accept: one cache entry.
//
// Written in ES5 syntax (a subset of cloudfront-js-2.0) with no modules, so the same file
// runs unchanged in CloudFront and in the tests.

var PREFIX = '/cdn-cgi/image/';
// The origin reads the same window of Accept; longer headers are not legitimate browsers.
var MAX_ACCEPT_CHARS = 4096;
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

// The option segment of a Cloudflare URL as [{ key, value, index }], or null when the URL is
// not one or its options are malformed (the origin answers those with a 400 naming the option).
function parseOptions(uri) {
  if (uri.indexOf(PREFIX) !== 0) return null;
  var rest = uri.substring(PREFIX.length);
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
  var headers = request.headers;
  var parsed = parseOptions(request.uri);
  var formatAuto = false;
  if (parsed) {
    var options = resolveSlowConnectionQuality(parsed.options, headers);
    var format = findOption(options, 'format');
    formatAuto = format !== null && format.value === 'auto';
    request.uri = PREFIX + canonicalOrder(options) + parsed.source;
  }
  var accept = formatAuto ? negotiatedAccept(headerValue(headers, 'accept')) : '';
  if (accept) headers.accept = { value: accept };
  else delete headers.accept;
  return request;
}
