import { createSigner, getJson } from './api.js';
import { COMPARED, createComparison } from './compare.js';
import { createForm } from './form.js';
import { createGallery } from './gallery.js';
import { fieldNamedIn, grammarUrls, matchingVariant, readForm, requestUrl } from './model.js';
import { createResult } from './result.js';
import { showUrls } from './urls.js';

/** Where the page starts: the transform `serve` prints at start-up. */
const FIRST_VALUES = { width: '600', format: 'auto' };
/** Typing waits this long for the next key before anything is requested. */
const TYPING_PAUSE_MS = 250;

const config = await getJson('/.playground/api/config');
const sign = createSigner(config);
const form = createForm(config, changed);
const result = createResult(config, placeProblem);
const comparison = createComparison();
const gallery = createGallery(config, (entry) => {
  source = entry;
  document.getElementById('chosen').textContent = `for ${entry.path}`;
  void update();
});
let source;
let typing;
let current = new AbortController();

document.getElementById('origin-info').textContent =
  `Grammars: ${config.grammars.join(', ')}. ` +
  (config.signing === 'server' ? 'Signed URLs are required; this server signs them for the page (its key stays on the server). ' : '') +
  (config.onlyVariants ? 'Only named variants are served. ' : '') +
  'Everything here goes through the origin as any client would.';

form.set({ ...FIRST_VALUES, ...fromHash() });
const entries = await gallery.show();
const linked = new URLSearchParams(location.hash.slice(1)).get('source');
const first = entries.find((entry) => entry.path === linked) ?? entries[0];
if (first) gallery.choose(first);

function changed(now) {
  clearTimeout(typing);
  if (now) void update();
  else typing = setTimeout(() => void update(), TYPING_PAUSE_MS);
}

/** One pass: read the form with the origin's rules, show the URLs, then request the image and the comparison. */
async function update() {
  if (!source) return;
  current.abort();
  current = new AbortController();
  const { signal } = current;
  const values = form.values();
  history.replaceState(null, '', `#${new URLSearchParams({ source: source.path, ...nonEmpty(values) })}`);
  const reading = readForm(values);
  form.showProblems(reading.ok ? [] : reading.problems);
  const list = document.getElementById('url-list');
  if (!reading.ok) {
    // Nothing is requested for a form the origin would refuse: no broken image, the reason beside its field.
    list.replaceChildren();
    result.clear('invalid');
    comparison.clear();
    return;
  }
  const { options } = reading;
  const variant = matchingVariant(options, config.variants);
  const named = variant ? grammarUrls(variant, source.path, config).map((entry) => ({ ...entry, variant: variant.variant })) : [];
  try {
    await showUrls(list, [...grammarUrls(options, source.path, config), ...named], sign);
    const asked = config.onlyVariants && variant ? variant : options;
    const url = requestUrl(asked, source.path, config);
    if (!url.ok) {
      result.clear('error');
      form.showProblems([{ field: fieldNamedIn(url.why), tag: 'not_expressible', message: url.why }]);
      return;
    }
    await result.show(await sign(url.url), source, signal);
    if (signal.aborted) return;
    const compared = await Promise.all(
      COMPARED.map(async (format) => {
        const each = requestUrl({ ...asked, format }, source.path, config);
        return { format, url: each.ok ? await sign(each.url) : undefined };
      }),
    );
    await comparison.show(compared, signal);
  } catch (error) {
    if (error.name === 'AbortError') return;
    form.showProblems([{ field: undefined, tag: error.tag ?? 'error', message: error.message ?? String(error) }]);
  }
}

/** An origin answer beside the control its message names; false when it names none. */
function placeProblem(problem) {
  const field = fieldNamedIn(problem.message);
  if (field === undefined) return false;
  form.showProblems([{ ...problem, field }]);
  return true;
}

function fromHash() {
  const values = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
  delete values.source;
  return Object.keys(values).length > 0 ? { width: '', format: '', ...values } : {};
}

function nonEmpty(values) {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
}
