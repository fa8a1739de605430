import type { Rgba } from './image-options.js';

/**
 * CSS colour values (CSS Color 4) → Rgba with 8-bit channels and alpha quantised to 1/255.
 *
 * Accepted: hex (#rgb, #rgba, #rrggbb, #rrggbbaa), rgb()/rgba() and hsl()/hsla() in both the
 * legacy comma syntax and the modern space syntax with an optional `/ alpha`, the 148 named
 * colours and `transparent`. Keywords and function names are ASCII case-insensitive, as in CSS.
 * Out-of-range channels are clamped, as CSS does. Alpha is quantised so that every parsed colour
 * survives a round trip through the #rrggbbaa form used in canonical URLs.
 */

/** What a colour option accepts, for error messages. */
export const CSS_COLOR_ACCEPTS = 'a CSS colour: #rgb, #rgba, #rrggbb, #rrggbbaa (write # as %23), rgb()/rgba(), hsl()/hsla() or a named colour such as red';

// The CSS named colours (CSS Color 4 §6.1), name:rrggbb.
const NAMED_TABLE =
  'aliceblue:f0f8ff antiquewhite:faebd7 aqua:00ffff aquamarine:7fffd4 azure:f0ffff beige:f5f5dc ' +
  'bisque:ffe4c4 black:000000 blanchedalmond:ffebcd blue:0000ff blueviolet:8a2be2 brown:a52a2a ' +
  'burlywood:deb887 cadetblue:5f9ea0 chartreuse:7fff00 chocolate:d2691e coral:ff7f50 ' +
  'cornflowerblue:6495ed cornsilk:fff8dc crimson:dc143c cyan:00ffff darkblue:00008b darkcyan:008b8b ' +
  'darkgoldenrod:b8860b darkgray:a9a9a9 darkgreen:006400 darkgrey:a9a9a9 darkkhaki:bdb76b ' +
  'darkmagenta:8b008b darkolivegreen:556b2f darkorange:ff8c00 darkorchid:9932cc darkred:8b0000 ' +
  'darksalmon:e9967a darkseagreen:8fbc8f darkslateblue:483d8b darkslategray:2f4f4f darkslategrey:2f4f4f ' +
  'darkturquoise:00ced1 darkviolet:9400d3 deeppink:ff1493 deepskyblue:00bfff dimgray:696969 ' +
  'dimgrey:696969 dodgerblue:1e90ff firebrick:b22222 floralwhite:fffaf0 forestgreen:228b22 ' +
  'fuchsia:ff00ff gainsboro:dcdcdc ghostwhite:f8f8ff gold:ffd700 goldenrod:daa520 gray:808080 ' +
  'green:008000 greenyellow:adff2f grey:808080 honeydew:f0fff0 hotpink:ff69b4 indianred:cd5c5c ' +
  'indigo:4b0082 ivory:fffff0 khaki:f0e68c lavender:e6e6fa lavenderblush:fff0f5 lawngreen:7cfc00 ' +
  'lemonchiffon:fffacd lightblue:add8e6 lightcoral:f08080 lightcyan:e0ffff lightgoldenrodyellow:fafad2 ' +
  'lightgray:d3d3d3 lightgreen:90ee90 lightgrey:d3d3d3 lightpink:ffb6c1 lightsalmon:ffa07a ' +
  'lightseagreen:20b2aa lightskyblue:87cefa lightslategray:778899 lightslategrey:778899 ' +
  'lightsteelblue:b0c4de lightyellow:ffffe0 lime:00ff00 limegreen:32cd32 linen:faf0e6 magenta:ff00ff ' +
  'maroon:800000 mediumaquamarine:66cdaa mediumblue:0000cd mediumorchid:ba55d3 mediumpurple:9370db ' +
  'mediumseagreen:3cb371 mediumslateblue:7b68ee mediumspringgreen:00fa9a mediumturquoise:48d1cc ' +
  'mediumvioletred:c71585 midnightblue:191970 mintcream:f5fffa mistyrose:ffe4e1 moccasin:ffe4b5 ' +
  'navajowhite:ffdead navy:000080 oldlace:fdf5e6 olive:808000 olivedrab:6b8e23 orange:ffa500 ' +
  'orangered:ff4500 orchid:da70d6 palegoldenrod:eee8aa palegreen:98fb98 paleturquoise:afeeee ' +
  'palevioletred:db7093 papayawhip:ffefd5 peachpuff:ffdab9 peru:cd853f pink:ffc0cb plum:dda0dd ' +
  'powderblue:b0e0e6 purple:800080 rebeccapurple:663399 red:ff0000 rosybrown:bc8f8f royalblue:4169e1 ' +
  'saddlebrown:8b4513 salmon:fa8072 sandybrown:f4a460 seagreen:2e8b57 seashell:fff5ee sienna:a0522d ' +
  'silver:c0c0c0 skyblue:87ceeb slateblue:6a5acd slategray:708090 slategrey:708090 snow:fffafa ' +
  'springgreen:00ff7f steelblue:4682b4 tan:d2b48c teal:008080 thistle:d8bfd8 tomato:ff6347 ' +
  'turquoise:40e0d0 violet:ee82ee wheat:f5deb3 white:ffffff whitesmoke:f5f5f5 yellow:ffff00 ' +
  'yellowgreen:9acd32';

const NAMED: ReadonlyMap<string, string> = new Map(NAMED_TABLE.split(' ').map((entry) => entry.split(':') as [string, string]));

export function parseCssColor(input: string): Rgba | undefined {
  // ASCII-only: Unicode case mapping would turn e.g. the Kelvin sign into "k".
  const text = input.replace(/[A-Z]/g, (c) => c.toLowerCase());
  if (text.startsWith('#')) return parseHex(text.slice(1));
  if (text === 'transparent') return { r: 0, g: 0, b: 0, alpha: 0 };
  const named = NAMED.get(text);
  if (named !== undefined) return parseHex(named);
  const call = /^(rgba?|hsla?)\((.*)\)$/s.exec(text);
  if (!call) return undefined;
  const args = splitArguments(call[2] ?? '');
  if (!args) return undefined;
  return call[1]?.startsWith('rgb') ? rgbFromArguments(args) : hslFromArguments(args);
}

/** Lowercase #rrggbb, or #rrggbbaa when not opaque. */
export function formatHexColor(color: Rgba): string {
  const hex = (v: number) => Math.round(v).toString(16).padStart(2, '0');
  const rgb = `#${hex(color.r)}${hex(color.g)}${hex(color.b)}`;
  return color.alpha === 1 ? rgb : rgb + hex(color.alpha * 255);
}

function parseHex(digits: string): Rgba | undefined {
  if (!/^[0-9a-f]+$/.test(digits)) return undefined;
  const pairs =
    digits.length === 3 || digits.length === 4
      ? [...digits].map((d) => d + d)
      : digits.length === 6 || digits.length === 8
        ? (digits.match(/../g) ?? [])
        : undefined;
  if (!pairs) return undefined;
  const [r = 0, g = 0, b = 0, a = 255] = pairs.map((p) => Number.parseInt(p, 16));
  return { r, g, b, alpha: a / 255 };
}

interface Arguments {
  readonly channels: readonly string[];
  readonly alpha?: string;
  /** Legacy comma syntax: all three channels must share a type. */
  readonly legacy: boolean;
}

const WHITESPACE = /[\t\n\f\r ]+/;

function splitArguments(body: string): Arguments | undefined {
  if (body.includes(',')) {
    const parts = body.split(',').map((p) => p.trim());
    if (parts.length < 3 || parts.length > 4 || parts.some((p) => p === '' || WHITESPACE.test(p))) return undefined;
    const [c1 = '', c2 = '', c3 = '', alpha] = parts;
    return { channels: [c1, c2, c3], ...(alpha !== undefined && { alpha }), legacy: true };
  }
  const [main = '', alphaPart, ...extra] = body.split('/');
  if (extra.length > 0) return undefined;
  const channels = main.trim().split(WHITESPACE);
  if (channels.length !== 3 || channels.some((c) => c === '')) return undefined;
  if (alphaPart === undefined) return { channels, legacy: false };
  const alpha = alphaPart.trim();
  if (alpha === '' || WHITESPACE.test(alpha)) return undefined;
  return { channels, alpha, legacy: false };
}

const NUMBER = /^[+-]?(?:\d*\.\d+|\d+)(?:e[+-]?\d+)?$/;

type Component = { readonly kind: 'number' | 'percentage'; readonly value: number };

function component(token: string): Component | undefined {
  const percentage = token.endsWith('%');
  const digits = percentage ? token.slice(0, -1) : token;
  if (!NUMBER.test(digits)) return undefined;
  const value = Number(digits);
  if (!Number.isFinite(value)) return undefined;
  return { kind: percentage ? 'percentage' : 'number', value };
}

const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));

/** Alpha in 0..1, quantised to 1/255 so it survives the #rrggbbaa form. */
function alphaValue(token: string | undefined): number | undefined {
  if (token === undefined) return 1;
  const c = component(token);
  if (!c) return undefined;
  const alpha = clamp(c.kind === 'percentage' ? c.value / 100 : c.value, 0, 1);
  return Math.round(alpha * 255) / 255;
}

function rgbFromArguments(args: Arguments): Rgba | undefined {
  const parts = args.channels.map(component);
  if (parts.some((p) => p === undefined)) return undefined;
  const channels = parts as Component[];
  if (args.legacy && new Set(channels.map((c) => c.kind)).size > 1) return undefined;
  const [r = 0, g = 0, b = 0] = channels.map((c) => Math.round(clamp(c.kind === 'percentage' ? (c.value * 255) / 100 : c.value, 0, 255)));
  const alpha = alphaValue(args.alpha);
  return alpha === undefined ? undefined : { r, g, b, alpha };
}

const ANGLE_UNITS: Readonly<Record<string, number>> = { deg: 1, grad: 0.9, rad: 180 / Math.PI, turn: 360 };

function hueDegrees(token: string): number | undefined {
  const unit = /(deg|grad|rad|turn)$/.exec(token)?.[1];
  const digits = unit ? token.slice(0, -unit.length) : token;
  if (!NUMBER.test(digits)) return undefined;
  const value = Number(digits) * (unit ? (ANGLE_UNITS[unit] ?? 1) : 1);
  return Number.isFinite(value) ? value : undefined;
}

function hslFromArguments(args: Arguments): Rgba | undefined {
  const [hueToken = '', satToken = '', lightToken = ''] = args.channels;
  const hue = hueDegrees(hueToken);
  const sat = component(satToken);
  const light = component(lightToken);
  if (hue === undefined || !sat || !light) return undefined;
  // Legacy hsl() needs percentages; the modern syntax also takes bare numbers on the same 0..100 scale.
  if (args.legacy && (sat.kind !== 'percentage' || light.kind !== 'percentage')) return undefined;
  const alpha = alphaValue(args.alpha);
  if (alpha === undefined) return undefined;
  const [r = 0, g = 0, b = 0] = hslToRgb(hue, clamp(sat.value / 100, 0, 1), clamp(light.value / 100, 0, 1));
  return { r, g, b, alpha };
}

/** The CSS Color 4 reference conversion (§7.1), rounded to 8-bit channels. */
function hslToRgb(hue: number, sat: number, light: number): number[] {
  const h = ((hue % 360) + 360) % 360;
  const a = sat * Math.min(light, 1 - light);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return light - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [f(0), f(8), f(4)].map((v) => Math.round(clamp(v * 255, 0, 255)));
}
