import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';
import sharp from 'sharp';
import { errors, ImageCdnError } from '../errors.js';
import { sniffImageFormat } from '../sources/image-format.js';
import { allowOnlyImageDecoders } from './decoders.js';

/**
 * What an SVG must be before librsvg sees it (docs/url-grammar.md, "SVG sources"). librsvg's
 * cost is not bounded by the libvips timeout (one render call can run for minutes), so the
 * budget is enforced here, on the parsed document: size, elements with every reference
 * expanded, text, embedded images; and the features that read files or cost without bound
 * (external references, XInclude, DTD entities, stylesheets' imports, filters) are refused.
 * Nothing is rewritten: a document either passes as it is or is refused with the reason.
 */

export interface SvgLimits {
  readonly maxBytes: number;
  readonly maxElements: number;
  /** Embedded raster images together may not exceed this (the origin's pixel limit). */
  readonly maxPixels: number;
}

export interface SvgInspection {
  /** Elements as rendered: every `<use>`, pattern, mask, clip path and marker instance counted. */
  readonly elements: number;
}

/** Text layout in librsvg grows faster than linearly with a text's length. */
export const MAX_SVG_TEXT_CHARACTERS = 5_000;
/** libxml2's own nesting limit; deeper documents would not load anyway. */
const MAX_DEPTH = 256;

const SVG_NS = 'http://www.w3.org/2000/svg';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XINCLUDE_NS = 'http://www.w3.org/2001/XInclude';
/** Elements whose `href` instantiates (or inherits) the referenced element's content. */
const INSTANTIATING_HREF = new Set(['use', 'pattern', 'linearGradient', 'radialGradient', 'textPath', 'mpath', 'tref']);
/** What a stylesheet may reference: a selector can apply it to any number of elements, so only cheap paint. */
const STYLESHEET_TARGETS = new Set(['linearGradient', 'radialGradient']);
const MARKED_SHAPES = new Set(['path', 'line', 'polyline', 'polygon']);

interface Node {
  readonly name: string;
  readonly children: Node[];
  /** Referenced ids, each instantiated `times` times (a marker once per vertex). */
  readonly refs: { readonly id: string; readonly times: number }[];
}

export async function inspectSvg(bytes: Buffer, limits: SvgLimits, sourceName: string): Promise<SvgInspection> {
  const refuse = (why: string) => errors.svgRefused(sourceName, why);
  if (bytes.length > limits.maxBytes) {
    throw errors.sourceTooLarge(`SVG source "${sourceName}" is ${bytes.length} bytes; the SVG limit is ${limits.maxBytes}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw refuse('it is not valid UTF-8');
  }

  const ids = new Map<string, Node>();
  const stack: Node[] = [];
  const stylesheetRefs: string[] = [];
  const dataImages: Buffer[] = [];
  let root: Node | undefined;
  let rawElements = 0;
  let textDepth = 0;
  let textCharacters = 0;
  let stylesheet: string | undefined;

  const parser = new SaxesParser({ xmlns: true, position: false });
  parser.on('xmldecl', (decl) => {
    if (decl.version !== undefined && decl.version !== '1.0') throw refuse(`XML version ${decl.version} (only 1.0)`);
    if (decl.encoding !== undefined && !/^(utf-8|us-ascii)$/i.test(decl.encoding)) throw refuse(`encoding "${decl.encoding}" (only UTF-8)`);
  });
  parser.on('doctype', (doctype) => {
    if (doctype.includes('[')) throw refuse('a DOCTYPE with an internal subset (entity declarations)');
  });
  parser.on('processinginstruction', ({ target }) => {
    throw refuse(`the processing instruction <?${target}?> (stylesheets are not loaded)`);
  });
  parser.on('opentag', (tag) => {
    if (++rawElements > limits.maxElements) throw tooManyElements(sourceName, `more than ${limits.maxElements}`, limits.maxElements);
    if (stack.length >= MAX_DEPTH) throw refuse(`elements nested more than ${MAX_DEPTH} deep`);
    const node = openElement(tag, refuse, { stylesheetRefs, dataImages });
    if (root === undefined) {
      if (tag.local !== 'svg' || tag.uri !== SVG_NS) throw refuse(`the root element is <${tag.name}>, not <svg> in the SVG namespace`);
      root = node;
    }
    const id = attribute(tag, 'id');
    if (id !== undefined && !ids.has(id)) ids.set(id, node);
    stack.at(-1)?.children.push(node);
    stack.push(node);
    if (tag.uri === SVG_NS && tag.local === 'text') textDepth++;
    if (tag.uri === SVG_NS && tag.local === 'style') stylesheet = '';
  });
  const onText = (chunk: string) => {
    if (textDepth > 0) textCharacters += chunk.length;
    if (stylesheet !== undefined) stylesheet += chunk;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    stack.pop();
    if (tag.uri === SVG_NS && tag.local === 'text') textDepth--;
    if (tag.uri === SVG_NS && tag.local === 'style' && stylesheet !== undefined) {
      for (const ref of cssReferences(stylesheet, refuse)) stylesheetRefs.push(ref.id);
      stylesheet = undefined;
    }
  });

  try {
    parser.write(text).close();
  } catch (error) {
    if (error instanceof ImageCdnError) throw error;
    throw refuse(`it is not well-formed XML (${(error as Error).message.split('\n')[0]})`);
  }
  if (!root) throw refuse('it has no root element');
  if (textCharacters > MAX_SVG_TEXT_CHARACTERS) {
    throw errors.sourceTooLarge(`SVG source "${sourceName}" has ${textCharacters} characters of text; the limit is ${MAX_SVG_TEXT_CHARACTERS}`);
  }
  for (const id of stylesheetRefs) {
    const target = ids.get(id);
    if (target && !STYLESHEET_TARGETS.has(target.name)) {
      throw refuse(`a stylesheet references <${target.name} id="${id}">; stylesheets may reference gradients only`);
    }
  }
  await checkDataImages(dataImages, limits.maxPixels, refuse);
  const elements = expandedSize(root, ids, limits.maxElements, refuse);
  if (elements > limits.maxElements) throw tooManyElements(sourceName, `more than ${limits.maxElements}`, limits.maxElements);
  return { elements };
}

const tooManyElements = (sourceName: string, count: string, limit: number) =>
  errors.sourceTooLarge(
    `SVG source "${sourceName}" has ${count} elements once <use>, patterns, masks, clip paths and markers are expanded; the limit is ${limit}`,
  );

function attribute(tag: SaxesTagNS, local: string): string | undefined {
  return Object.values(tag.attributes).find((a) => a.local === local && a.uri === '')?.value;
}

/** Checks one element's name and attributes; returns its node with the references it makes. */
function openElement(tag: SaxesTagNS, refuse: (why: string) => Error, collected: { readonly stylesheetRefs: string[]; readonly dataImages: Buffer[] }): Node {
  if (tag.uri === XINCLUDE_NS) throw refuse(`XInclude (<${tag.name}>) reads other files`);
  const local = tag.local ?? tag.name;
  if (tag.uri === SVG_NS && (local === 'filter' || /^fe[A-Z]/.test(local))) {
    throw refuse(`filters (<${local}>) are not rendered: their cost grows with the image area and no deadline interrupts them`);
  }
  const node: Node = { name: local, children: [], refs: [] };
  const vertices = MARKED_SHAPES.has(local) ? vertexCount(tag) : 0;
  for (const attr of Object.values<SaxesAttributeNS>(tag.attributes)) {
    const name = attr.local;
    if (attr.uri === XML_NS && name === 'base') throw refuse('xml:base (it changes where references resolve)');
    if (name === 'href') {
      const target = checkHref(attr, local, refuse, collected.dataImages);
      if (target !== undefined && INSTANTIATING_HREF.has(local)) node.refs.push({ id: target, times: 1 });
      continue;
    }
    if (name === 'filter' && attr.value.trim() !== 'none') throw refuse('the filter attribute (filters are not rendered)');
    const refs = name === 'style' ? cssReferences(attr.value, refuse) : attributeReferences(name, attr.value, refuse);
    for (const ref of refs) node.refs.push({ id: ref.id, times: ref.property.startsWith('marker') ? Math.max(1, vertices) : 1 });
  }
  return node;
}

/** `#id` (a reference), or an embedded raster `data:` image; anything else would reach outside the document. */
function checkHref(attr: SaxesAttributeNS, element: string, refuse: (why: string) => Error, dataImages: Buffer[]): string | undefined {
  const value = attr.value.trim();
  if (value.startsWith('#')) return value.slice(1);
  if (/^data:/i.test(value) && element === 'image') {
    dataImages.push(decodeDataUri(value, refuse));
    return undefined;
  }
  throw refuse(`${attr.name}="${value.slice(0, 80)}" on <${element}> refers outside the document`);
}

function decodeDataUri(uri: string, refuse: (why: string) => Error): Buffer {
  const match = /^data:([^,]*),(.*)$/is.exec(uri);
  const params =
    match?.[1]
      ?.toLowerCase()
      .split(';')
      .map((part) => part.trim()) ?? [];
  if (!match || !/^image\/(png|jpeg|gif|webp)$/.test(params[0] ?? '')) {
    throw refuse(`an embedded image of type "${params[0] ?? 'unknown'}" (only PNG, JPEG, GIF and WebP may be embedded)`);
  }
  const payload = match[2]!;
  if (params.includes('base64')) return Buffer.from(payload, 'base64');
  try {
    return Buffer.from(decodeURIComponent(payload), 'latin1');
  } catch {
    throw refuse('an embedded image with invalid percent-encoding');
  }
}

/** Embedded images are decoded in full by librsvg: together they must fit the pixel limit. */
async function checkDataImages(images: readonly Buffer[], maxPixels: number, refuse: (why: string) => Error): Promise<void> {
  let pixels = 0;
  for (const image of images) {
    const format = sniffImageFormat(image.subarray(0, 64)).format;
    if (format !== 'png' && format !== 'jpeg' && format !== 'gif' && format !== 'webp') {
      throw refuse('an embedded image whose bytes are not PNG, JPEG, GIF or WebP');
    }
    allowOnlyImageDecoders();
    const meta = await sharp(image, { limitInputPixels: false })
      .metadata()
      .catch(() => undefined);
    if (!meta?.width || !meta.height) throw refuse('an embedded image that cannot be decoded');
    pixels += meta.width * meta.height * (meta.pages ?? 1);
  }
  if (pixels > maxPixels) throw refuse(`embedded images of ${pixels} pixels in all; the pixel limit is ${maxPixels}`);
}

/** `url(#id)` references in a presentation attribute (`fill`, `mask`, `marker-end`, ...). */
function attributeReferences(name: string, value: string, refuse: (why: string) => Error) {
  return urls(value, refuse).map((id) => ({ id, property: name }));
}

/**
 * A stylesheet or `style` attribute: comments dropped (they can split a property name), then
 * escapes, imports and filters refused and `url()` references collected, each with its property.
 */
function cssReferences(css: string, refuse: (why: string) => Error): { id: string; property: string }[] {
  const text = css.replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ');
  if (text.includes('\\')) throw refuse('CSS escapes in a stylesheet');
  if (/@import/i.test(text)) throw refuse('@import in a stylesheet');
  if (/(^|[;{\s])filter\s*:(?!\s*none\s*(;|}|$))/i.test(text)) throw refuse('the CSS filter property (filters are not rendered)');
  const references: { id: string; property: string }[] = [];
  for (const declaration of text.split(/[;{}]/)) {
    const colon = declaration.indexOf(':');
    const property = colon < 0 ? '' : declaration.slice(0, colon).trim().toLowerCase();
    for (const id of urls(declaration, refuse)) references.push({ id, property });
  }
  return references;
}

/** The targets of every `url(...)` in `value`; only same-document `#id` targets are allowed. */
function urls(value: string, refuse: (why: string) => Error): string[] {
  if (!/url\s*\(/i.test(value)) return [];
  const targets: string[] = [];
  const pattern = /url\s*\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s'"]*))\s*\)/gi;
  let found = 0;
  for (const match of value.matchAll(pattern)) {
    found++;
    const target = (match[1] ?? match[2] ?? match[3] ?? '').trim();
    if (!target.startsWith('#')) throw refuse(`url(${target.slice(0, 80)}) refers outside the document`);
    targets.push(target.slice(1));
  }
  if (found !== (value.match(/url\s*\(/gi) ?? []).length) throw refuse('a url() that cannot be read');
  return targets;
}

/** Markers are drawn at every vertex: count them from the path data or point list. */
function vertexCount(tag: SaxesTagNS): number {
  if (tag.local === 'line') return 2;
  const data = attribute(tag, 'd') ?? attribute(tag, 'points') ?? '';
  const numbers = data.match(/[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/g)?.length ?? 0;
  return Math.ceil(numbers / 2) + (data.match(/[zZ]/g)?.length ?? 0);
}

/**
 * Elements as rendered: each element once, plus every referenced element's expanded size for
 * each time it is instantiated. Saturates just past `limit`, so a reference bomb costs no more
 * than the budget to count; a reference cycle is refused (librsvg would refuse it too).
 */
function expandedSize(root: Node, ids: ReadonlyMap<string, Node>, limit: number, refuse: (why: string) => Error): number {
  const ceiling = limit + 1;
  const sizes = new Map<Node, number>();
  const visiting = new Set<Node>();
  const size = (node: Node, depth: number): number => {
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (visiting.has(node)) throw refuse('a reference cycle');
    if (depth > 2_000) throw refuse('references nested more than 2000 deep');
    visiting.add(node);
    let total = 1;
    for (const child of node.children) total = Math.min(ceiling, total + size(child, depth + 1));
    for (const ref of node.refs) {
      const target = ids.get(ref.id);
      if (target) total = Math.min(ceiling, total + ref.times * size(target, depth + 1));
    }
    visiting.delete(node);
    sizes.set(node, total);
    return total;
  };
  return size(root, 0);
}
