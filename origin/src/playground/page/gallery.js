import { getJson } from './api.js';
import { bytes, el, showProblem } from './dom.js';

/**
 * The sources of one mount, a page at a time, each a button with a thumbnail the origin made.
 * Pages are walked with the cursors the server hands out; going back pops them.
 */
export function createGallery(config, onChoose) {
  const list = document.getElementById('sources');
  const status = document.getElementById('page-status');
  const previous = document.getElementById('previous');
  const next = document.getElementById('next');
  const problem = document.getElementById('gallery-error');
  const mountChoice = document.getElementById('mount');
  let mount = 0;
  let cursors = [undefined];
  let nextCursor;
  let chosen;

  async function show() {
    const cursor = cursors.at(-1);
    const query = new URLSearchParams({ mount: String(mount), ...(cursor !== undefined && { cursor }) });
    try {
      const page = await getJson(`/.playground/api/sources?${query}`);
      showProblem(problem, undefined);
      nextCursor = page.next;
      list.replaceChildren(...page.entries.map(entryButton));
      const number = cursors.length;
      const pages = page.total === undefined ? '' : ` of ${Math.max(1, Math.ceil(page.total / config.pageSize))}`;
      const count = page.total === undefined ? '' : ` (${page.total} sources)`;
      status.textContent = page.entries.length === 0 ? 'No image sources here.' : `Page ${number}${pages}${count}`;
      previous.disabled = cursors.length === 1;
      next.disabled = nextCursor === undefined;
      return page.entries;
    } catch (error) {
      showProblem(problem, error.tag ? error : { tag: 'error', message: String(error) });
      return [];
    }
  }

  function entryButton(entry) {
    const name = entry.path.split('/').at(-1);
    const button = el(
      'button',
      { type: 'button', 'data-path': entry.path, 'aria-pressed': String(entry.path === chosen), title: entry.path },
      el('img', { src: entry.thumbnail, alt: '', width: 160, height: 160, loading: 'lazy', decoding: 'async' }),
      el('span', { class: 'name' }, name),
      entry.bytes === undefined ? undefined : el('span', { class: 'size' }, bytes(entry.bytes)),
    );
    button.addEventListener('click', () => choose(entry));
    return el('li', {}, button);
  }

  function choose(entry) {
    chosen = entry.path;
    for (const button of list.querySelectorAll('button')) button.setAttribute('aria-pressed', String(button.dataset.path === chosen));
    onChoose(entry);
  }

  previous.addEventListener('click', () => {
    cursors = cursors.slice(0, -1);
    void show();
  });
  next.addEventListener('click', () => {
    cursors = [...cursors, nextCursor];
    void show();
  });
  if (config.mounts.length > 1) {
    mountChoice.replaceChildren(...config.mounts.map((m, index) => el('option', { value: index }, `${m.prefix} (${m.kind})`)));
    mountChoice.addEventListener('change', () => {
      mount = Number(mountChoice.value);
      cursors = [undefined];
      void show();
    });
    document.getElementById('mount-choice').hidden = false;
  }
  return { show, choose };
}
