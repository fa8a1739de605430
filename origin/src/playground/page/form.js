import { FIELDS } from './model.js';
import { el, showProblem } from './dom.js';

/**
 * One labelled text field per Cloudflare option, named as the option, with the origin's words for
 * what it accepts and its problem (tag and message) right under it. Text fields rather than
 * selects: a value the origin refuses can be typed, and is then refused here as it would be there.
 */
export function createForm(config, onChange) {
  const form = document.getElementById('options');
  const general = document.getElementById('form-problem');
  const containers = { main: document.getElementById('main-fields'), more: document.getElementById('more-fields') };
  const variantNames = Object.keys(config.variants);

  for (const field of FIELDS) {
    const suggestions = field.name === 'variant' ? variantNames : field.suggestions;
    const id = `f-${field.name}`;
    const input = el('input', {
      id,
      name: field.name,
      type: 'text',
      autocomplete: 'off',
      spellcheck: 'false',
      list: suggestions.length > 0 ? `s-${field.name}` : undefined,
      'aria-describedby': `h-${field.name} e-${field.name}`,
    });
    input.addEventListener('input', () => onChange(false));
    input.addEventListener('change', () => onChange(true));
    containers[field.main ? 'main' : 'more'].append(
      el(
        'div',
        { class: 'field' },
        el('label', { for: id }, field.name),
        input,
        suggestions.length > 0 ? el('datalist', { id: `s-${field.name}` }, ...suggestions.map((value) => el('option', { value }))) : undefined,
        el('small', { id: `h-${field.name}`, class: 'hint' }, field.accepts),
        el('p', { id: `e-${field.name}`, class: 'problem', 'aria-live': 'polite', hidden: true }),
      ),
    );
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onChange(true);
  });
  document.getElementById('clear').addEventListener('click', () => {
    for (const input of form.elements) if (input instanceof HTMLInputElement) input.value = '';
    onChange(true);
  });

  return {
    values: () => Object.fromEntries(FIELDS.map(({ name }) => [name, form.elements.namedItem(name).value])),
    set(values) {
      for (const { name } of FIELDS) form.elements.namedItem(name).value = values[name] ?? '';
    },
    /** Each problem beside the control it names; one naming none goes under the form. */
    showProblems(problems) {
      for (const { name } of FIELDS) {
        const mine = problems.find((problem) => problem.field === name);
        form.elements.namedItem(name).setAttribute('aria-invalid', String(Boolean(mine)));
        showProblem(document.getElementById(`e-${name}`), mine);
        if (mine && !FIELDS.find((field) => field.name === name).main) form.querySelector('details').open = true;
      }
      showProblem(
        general,
        problems.find((problem) => problem.field === undefined),
      );
    },
  };
}
