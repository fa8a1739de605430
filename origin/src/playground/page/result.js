import { fetchImage } from './api.js';
import { parseServerTiming } from './model.js';
import { bytes, el, showProblem } from './dom.js';

/** The response headers a CDN acts on; the cache tag under whatever name the origin sends it. */
const CACHE_HEADERS = ['ETag', 'Cache-Control', 'Vary', 'Cache-Tag', 'Content-Type'];

/**
 * Requests the image once and shows what came back: the picture (from the very bytes fetched),
 * its dimensions, format, bytes, the saving against the source and Server-Timing, and the cache
 * headers. An origin error shows its tag and message instead, and no image at all.
 */
export function createResult(config, placeProblem) {
  const section = document.getElementById('result');
  const image = document.getElementById('result-image');
  const json = document.getElementById('result-json');
  const facts = document.getElementById('result-facts');
  const headers = document.querySelector('#headers tbody');
  const problem = document.getElementById('result-problem');
  let objectUrl;

  function clear(state) {
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = undefined;
    image.hidden = true;
    image.removeAttribute('src');
    json.hidden = true;
    facts.replaceChildren();
    headers.replaceChildren();
    showProblem(problem, undefined);
    section.dataset.state = state;
  }

  async function show(url, source, signal) {
    section.dataset.state = 'loading';
    section.dataset.request = url;
    const started = performance.now();
    const answer = await fetchImage(url, signal);
    const ms = performance.now() - started;
    clear(answer.ok ? 'loading' : 'error');
    if (!answer.ok) {
      // Beside the control the message names, if it names one; here otherwise.
      if (!placeProblem(answer.problem)) showProblem(problem, answer.problem);
      return;
    }
    const type = answer.headers.get('content-type') ?? '';
    let size = '';
    if (type.startsWith('image/')) {
      objectUrl = URL.createObjectURL(answer.blob);
      image.src = objectUrl;
      await image.decode().catch(() => undefined);
      image.hidden = false;
      size = `${image.naturalWidth} × ${image.naturalHeight} px`;
    } else {
      json.textContent = await answer.blob.text();
      json.hidden = false;
    }
    const saving = source.bytes ? 1 - answer.blob.size / source.bytes : undefined;
    const timing = parseServerTiming(answer.headers.get('server-timing'));
    facts.replaceChildren(
      ...fact('Dimensions', size || '—', 'dimensions'),
      ...fact('Format', type, 'format'),
      ...fact('Bytes', bytes(answer.blob.size), 'bytes'),
      ...fact(
        'Saving',
        saving === undefined ? '—' : `${Math.round(saving * 100)}% ${saving >= 0 ? 'smaller' : 'larger'} than the source (${bytes(source.bytes)})`,
        'saving',
      ),
      ...fact('Server-Timing', timing.map(([name, dur]) => `${name} ${dur.toFixed(1)} ms`).join(' · ') || '—', 'server-timing'),
      ...fact('Round trip', `${ms.toFixed(0)} ms in this browser`, 'round-trip'),
    );
    headers.replaceChildren(...CACHE_HEADERS.map((name) => headerRow(name, answer.headers)));
    section.dataset.state = 'done';
  }

  function headerRow(name, received) {
    const sent = name === 'Cache-Tag' ? config.cacheTagHeader : name;
    const value = sent ? received.get(sent) : null;
    const shown = value ?? (name === 'Cache-Tag' && !sent ? 'not sent (the origin has no --cache-tag-header)' : 'not sent');
    return el('tr', { 'data-header': name.toLowerCase() }, el('th', { scope: 'row' }, sent ?? name), el('td', {}, shown));
  }

  return { show, clear };
}

const fact = (label, value, key) => [el('dt', {}, label), el('dd', { 'data-fact': key }, value)];
