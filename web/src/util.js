// Small DOM and data helpers shared by the page's parts.

/** An element: `h('div', {class: 'x', onclick}, child, 'text', ...)`; text is never HTML. */
export function h(tag, attrs, ...children) {
  const svg = ['svg', 'g', 'rect', 'line', 'text', 'path', 'circle', 'title', 'tspan', 'defs', 'pattern', 'marker'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** The name a person reads for a library: `<std>` is the standard library built into pactum. */
export function libraryName(name) {
  return name === '<std>' ? 'Standard library' : name;
}

/**
 * A rule's message template as the library writes it ("armed forces of {p} ..."), its
 * placeholders (`{...}`, filled in for each step that breaks the rule) set apart.
 */
export function template(message) {
  return String(message)
    .split(/(\{[^{}]*\})/)
    .filter((part) => part !== '')
    .map((part) => (/^\{[^{}]*\}$/.test(part) ? h('code', { class: 'placeholder', title: 'filled in for each step the rule fires on' }, part) : part));
}

/** "1 error", "2 warnings". */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A schema type as a policy writes it (`set<State>`, `State | Region`). */
export function typeText(t) {
  if (!t) return '';
  switch (t.kind) {
    case 'entity':
      return t.of.join(' | ');
    case 'enum':
      return t.of;
    case 'set':
      return `set<${typeText(t.of)}>`;
    case 'list':
      return `list<${typeText(t.of)}>`;
    default:
      return t.kind;
  }
}

/** The entity types a schema type names (through sets and lists). */
export function entityTypesOf(t) {
  if (!t) return [];
  if (t.kind === 'entity') return t.of;
  if (t.kind === 'set' || t.kind === 'list') return entityTypesOf(t.of);
  return [];
}

/** A name folded for matching: lower case, no diacritics, words split by single spaces. */
export function fold(s) {
  return String(s)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ı/g, 'i')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** POST JSON, answer the parsed body or throw an Error with the server's error message. */
export async function postJson(url, body, signal) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = data && data.error;
    const err = new Error(e ? e.message : `the server answered ${res.status}`);
    err.code = e && e.code;
    err.help = e && e.help;
    throw err;
  }
  return data;
}
