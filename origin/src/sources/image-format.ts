/**
 * What a source's bytes are, decided from its first bytes alone. libvips picks its loader from
 * the bytes (and sometimes a file's suffix), never from a stored content type or a key's
 * extension, so the origin decides from the same evidence before any byte reaches libvips.
 */

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'heic' | 'tiff' | 'svg';

/** How many leading bytes sniffing looks at: room for an XML prolog with a licence comment. */
export const SNIFF_BYTES = 4096;

export const IMAGE_CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
  tiff: 'image/tiff',
  svg: 'image/svg+xml',
};

/** The name sharp's metadata gives each format (AVIF and HEIC both load through libheif). */
export const SHARP_FORMAT_NAMES: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'jpeg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  avif: 'heif',
  heic: 'heif',
  tiff: 'tiff',
  svg: 'svg',
};

/** An image format, or a short description of what the bytes are instead (for the 415 message). */
export type Sniffed = { readonly format: ImageFormat } | { readonly format?: undefined; readonly found: string };

export function sniffImageFormat(head: Uint8Array): Sniffed {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length === 0) return { found: 'an empty file' };
  const binary = sniffBinary(bytes);
  if (binary) return binary;
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) return { found: 'UTF-16 text' };
  return sniffMarkup(bytes);
}

const ascii = (bytes: Buffer, start: number, end: number) => bytes.toString('latin1', start, end);
const startsWith = (bytes: Buffer, prefix: readonly number[], at = 0) => prefix.every((byte, i) => bytes[at + i] === byte);

function sniffBinary(bytes: Buffer): Sniffed | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { format: 'jpeg' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { format: 'png' };
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return { format: 'gif' };
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return { format: 'webp' };
  // Little- and big-endian TIFF, and BigTIFF.
  if (['II*\0', 'MM\0*', 'II+\0', 'MM\0+'].includes(ascii(bytes, 0, 4))) return { format: 'tiff' };
  if (ascii(bytes, 4, 8) === 'ftyp') return sniffIsoMedia(bytes);
  if (startsWith(bytes, [0x1f, 0x8b])) return { found: 'gzip-compressed data (SVGZ and other compressed sources are not accepted)' };
  if (ascii(bytes, 0, 5) === '%PDF-') return { found: 'a PDF document' };
  if (ascii(bytes, 0, 4) === 'PK\x03\x04') return { found: 'a ZIP archive' };
  if (startsWith(bytes, [0x08, 0xf2, 0xa6, 0xb6]) || startsWith(bytes, [0xb6, 0xa6, 0xf2, 0x08])) return { found: 'a libvips image file' };
  if (startsWith(bytes, [0xff, 0x0a]) || ascii(bytes, 4, 8) === 'JXL ') return { found: 'a JPEG XL image (not supported)' };
  if (ascii(bytes, 0, 2) === 'BM') return { found: 'a BMP image (not supported)' };
  if (ascii(bytes, 0, 4) === '8BPS') return { found: 'a Photoshop document (not supported)' };
  if (/^P[1-7]\s/.test(ascii(bytes, 0, 3))) return { found: 'a PNM/PPM image (not supported)' };
  return undefined;
}

/** HEIF-family files (`ftyp` box first): AVIF and HEIC by their brands; MP4 and others refused. */
function sniffIsoMedia(bytes: Buffer): Sniffed {
  const boxSize = Math.min(bytes.readUInt32BE(0), bytes.length);
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(ascii(bytes, at, at + 4));
  if (brands.some((brand) => brand === 'avif' || brand === 'avis')) return { format: 'avif' };
  if (brands.some((brand) => HEIC_BRANDS.has(brand))) return { format: 'heic' };
  return { found: `ISO media that is not AVIF or HEIF (brand "${brands[0]}")` };
}

const HEIC_BRANDS: ReadonlySet<string> = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs', 'mif1', 'msf1']);

/**
 * SVG is XML whose root element is `svg`: after an optional UTF-8 BOM, whitespace, the XML
 * declaration, comments, processing instructions and a DOCTYPE. Anything else that starts with
 * `<` is named (HTML, other XML) so the refusal says what the source really is.
 */
function sniffMarkup(bytes: Buffer): Sniffed {
  const text = bytes.toString('utf8');
  let at = text.startsWith('\uFEFF') ? 1 : 0;
  for (;;) {
    while (at < text.length && /\s/.test(text[at]!)) at++;
    if (at >= text.length) return { found: describeText(bytes) };
    if (text[at] !== '<') return { found: describeText(bytes) };
    const rest = text.slice(at, at + 16);
    let end: number;
    if (rest.startsWith('<?')) end = endOf(text, '?>', at);
    else if (rest.startsWith('<!--')) end = endOf(text, '-->', at);
    else if (/^<!doctype/i.test(rest)) {
      if (/^<!doctype\s+html/i.test(text.slice(at, at + 32))) return { found: 'an HTML document' };
      end = endOfDoctype(text, at);
    } else {
      const name = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(at, at + 256))?.[1];
      if (name === undefined) return { found: describeText(bytes) };
      if (name === 'svg' || name.endsWith(':svg')) return { format: 'svg' };
      if (name.toLowerCase() === 'html') return { found: 'an HTML document' };
      return { found: `XML whose root element is <${name}>, not <svg>` };
    }
    if (end < 0) return { found: `XML or text without a root element in its first ${SNIFF_BYTES} bytes` };
    at = end;
  }
}

const endOf = (text: string, terminator: string, from: number) => {
  const found = text.indexOf(terminator, from);
  return found < 0 ? -1 : found + terminator.length;
};

/** A DOCTYPE ends at the `>` outside its internal subset (`[ ... ]`). */
function endOfDoctype(text: string, from: number): number {
  let inSubset = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '[') inSubset = true;
    else if (c === ']') inSubset = false;
    else if (c === '>' && !inSubset) return i + 1;
  }
  return -1;
}

function describeText(bytes: Buffer): string {
  const printable = [...bytes.subarray(0, 64)].every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127));
  if (printable) return 'text, not an image';
  return `unrecognised bytes (starting ${bytes
    .subarray(0, 8)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ')})`;
}
