import { fetchImage } from './api.js';
import { parseServerTiming } from './model.js';
import { bytes, el } from './dom.js';

export const COMPARED = ['jpeg', 'webp', 'avif'];

/** The same transform in each compared format, side by side: the picture, its bytes and the encode time. */
export function createComparison() {
  const container = document.getElementById('comparison');
  let objectUrls = [];

  function clear() {
    for (const url of objectUrls) URL.revokeObjectURL(url);
    objectUrls = [];
    container.replaceChildren();
  }

  async function show(requests, signal) {
    const answers = await Promise.all(requests.map(async ({ format, url }) => ({ format, url, answer: url ? await fetchImage(url, signal) : undefined })));
    clear();
    container.replaceChildren(...answers.map(({ format, answer, url }) => figure(format, url, answer)));
  }

  function figure(format, url, answer) {
    if (!answer) return el('figure', { 'data-format': format }, el('figcaption', {}, `${format}: no URL in the enabled grammars`));
    if (!answer.ok)
      return el('figure', { 'data-format': format }, el('figcaption', {}, el('span', { class: 'tag' }, answer.problem.tag), answer.problem.message));
    const objectUrl = URL.createObjectURL(answer.blob);
    objectUrls.push(objectUrl);
    const encode = parseServerTiming(answer.headers.get('server-timing')).find(([name]) => name === 'transform');
    return el(
      'figure',
      { 'data-format': format, 'data-bytes': answer.blob.size },
      el('img', { src: objectUrl, alt: `The transform as ${format}` }),
      el(
        'figcaption',
        {},
        el('strong', {}, format.toUpperCase()),
        ` · ${answer.headers.get('content-type')} · `,
        el('span', { class: 'bytes' }, bytes(answer.blob.size)),
        encode ? ` · encoded in ${encode[1].toFixed(1)} ms` : '',
        el('br'),
        el('code', {}, url),
      ),
    );
  }

  return { show, clear };
}
