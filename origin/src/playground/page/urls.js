import { el } from './dom.js';

const NAMES = { cloudflare: 'Cloudflare', imgix: 'imgix', cloudinary: 'Cloudinary', imagekit: 'ImageKit', original: 'Original' };

/**
 * The transform's URL in every enabled grammar (signed where the origin requires it), each with a
 * copy button; then the same for a variant that makes the same image, under its name.
 */
export async function showUrls(list, entries, sign) {
  const rows = await Promise.all(
    entries.map(async ({ grammar, translation, variant }) => {
      const label = `${NAMES[grammar] ?? grammar}${variant ? ` · variant ${variant}` : ''}`;
      const attributes = { 'data-grammar': grammar, ...(variant && { 'data-variant': variant }) };
      if (!translation.ok) return [el('dt', attributes, label), el('dd', { ...attributes, class: 'unsupported' }, translation.why), el('dd')];
      const url = new URL(await sign(translation.url), location.origin).href;
      const copy = el('button', { type: 'button', 'aria-label': `Copy the ${label} URL` }, 'Copy');
      copy.addEventListener('click', () => copyText(url, copy));
      return [el('dt', attributes, label), el('dd', attributes, el('code', {}, url)), el('dd', {}, copy)];
    }),
  );
  list.replaceChildren(...rows.flat());
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    // No clipboard (an insecure context, a denied permission): select the text for Ctrl+C instead.
    const code = button.parentElement.previousElementSibling.querySelector('code');
    getSelection().selectAllChildren(code);
    button.textContent = 'Selected';
  }
  setTimeout(() => (button.textContent = 'Copy'), 1500);
}
