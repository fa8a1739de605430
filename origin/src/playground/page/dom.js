// Small DOM helpers, so each view module reads as what it shows.

/** An element with attributes (undefined ones left out) and children (strings become text). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== false) element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.filter((child) => child !== undefined && child !== null));
  return element;
}

/** 20001 → "20,001 bytes". */
export const bytes = (count) => `${count.toLocaleString('en')} bytes`;

/** Shows an origin error (its tag, then its message) in `target`, or clears it. */
export function showProblem(target, problem) {
  target.replaceChildren(...(problem ? [el('span', { class: 'tag' }, problem.tag), problem.message] : []));
  target.hidden = !problem;
}
