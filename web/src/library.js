// The library browser (GET /api/library): its rules (citation, help, the examples they fire
// on), the facts of each entity, and the schema (step kinds, entity types, enums).
import { h, typeText, libraryName, template } from './util.js';

/** Draws `lib` into `box`; `onExample(name)` loads an example proposal. */
export function renderLibrary(box, lib, onExample) {
  box.replaceChildren();
  const filter = h('input', { type: 'search', id: 'lib-filter', placeholder: 'rule, state, kind…', 'aria-describedby': 'lib-count' });
  const count = h('span', { id: 'lib-count', class: 'muted' });
  const rules = h('section', { 'aria-labelledby': 'lib-rules' }, h('h3', { id: 'lib-rules' }, `Rules (${lib.rules.length})`), lib.rules.map((r) => ruleView(r, onExample)));
  const facts = h('section', { 'aria-labelledby': 'lib-facts' }, h('h3', { id: 'lib-facts' }, `Facts as of ${lib.today} (${lib.entities.length} entities)`), lib.entities.map(entityView));
  const schema = h('section', { 'aria-labelledby': 'lib-schema' }, h('h3', { id: 'lib-schema' }, 'Schema'), schemaView(lib.schema));
  box.append(
    h('p', { class: 'lib-head' }, h('strong', {}, libraryName(lib.name)), ` · pactum ${lib.version} · `, h('label', { for: 'lib-filter' }, 'Find: '), filter, ' ', count),
    rules,
    facts,
    schema,
  );
  const items = [...box.querySelectorAll('details[data-search]')];
  const apply = () => {
    const q = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const d of items) {
      const ok = !q || d.dataset.search.includes(q);
      d.hidden = !ok;
      if (ok) shown++;
      if (q && ok && d.classList.contains('rule')) d.open = true;
    }
    count.textContent = q ? `${shown} found` : '';
  };
  filter.addEventListener('input', apply);
}

function ruleView(r, onExample) {
  return h(
    'details',
    { class: 'rule', 'data-search': [r.id, r.message, r.cite, r.help, r.comment].join(' ').toLowerCase(), 'data-rule': r.id },
    h('summary', {}, h('span', { class: `sev sev-${r.severity}` }, r.severity), ' ', h('code', {}, r.id), r.proposal_wide ? h('span', { class: 'muted' }, ' (whole proposal)') : null),
    h(
      'dl',
      {},
      r.cite ? [h('dt', {}, 'Citation'), h('dd', {}, r.cite)] : null,
      [h('dt', {}, 'Says'), h('dd', { class: 'template' }, template(r.message), /\{[^{}]*\}/.test(r.message) ? h('span', { class: 'muted' }, ' (the parts in braces are filled in for each step it fires on)') : null)],
      r.help ? [h('dt', {}, 'Help'), h('dd', { class: 'template' }, template(r.help))] : null,
      r.comment ? [h('dt', {}, 'Note'), h('dd', { class: 'pre' }, r.comment)] : null,
      r.unless && r.unless.length
        ? [h('dt', {}, 'Unless'), h('dd', {}, h('ul', { class: 'unless' }, r.unless.map((u) => h('li', {}, h('code', {}, u.text || u.label || ''), u.because ? ` (${u.because})` : ''))))]
        : null,
      r.file ? [h('dt', {}, 'Defined in'), h('dd', {}, h('code', {}, r.line ? `${r.file}:${r.line}` : r.file))] : null,
      [
        h('dt', {}, 'Fires on'),
        h(
          'dd',
          {},
          r.examples && r.examples.length
            ? r.examples.map((n) => h('button', { type: 'button', class: 'link', onclick: () => onExample(n) }, n))
            : h('span', { class: 'muted' }, 'no example'),
        ),
      ],
    ),
  );
}

function entityView(e) {
  return h(
    'details',
    { class: 'entity', 'data-search': [e.id, e.type, ...e.facts.map((f) => f.value)].join(' ').toLowerCase() },
    h('summary', {}, h('code', {}, e.id), ' ', h('span', { class: 'muted' }, e.type)),
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Attribute'), h('th', { scope: 'col' }, 'Value'))),
      h(
        'tbody',
        {},
        e.facts.map((f) => h('tr', {}, h('th', { scope: 'row' }, f.attribute), h('td', {}, f.value, f.changes ? h('span', { class: 'muted', title: 'this fact changes over time' }, ' (changes over time)') : null))),
      ),
    ),
  );
}

function attributesTable(attrs) {
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ['Attribute', 'Type', 'Required', 'Default', 'About'].map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      attrs.map((a) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, h('code', {}, a.name)),
          h('td', {}, h('code', {}, typeText(a.type))),
          h('td', {}, a.optional ? 'no' : 'yes'),
          h('td', {}, a.default ? (a.default.value ? h('code', {}, a.default.value.text) : `same as ${a.default.same_as}`) : ''),
          h('td', {}, a.doc || ''),
        ),
      ),
    ),
  );
}

function schemaView(s) {
  return [
    h('h4', {}, 'Step kinds'),
    s.kinds.map((k) =>
      h('details', { class: 'kind', 'data-search': ['kind', k.name, k.doc, ...k.attributes.map((a) => a.name)].join(' ').toLowerCase() }, h('summary', {}, h('code', {}, k.name), k.doc ? h('span', { class: 'muted' }, ' ' + k.doc) : null), attributesTable(k.attributes)),
    ),
    h('h4', {}, 'Entity types'),
    s.entity_types.map((t) =>
      h(
        'details',
        { class: 'etype', 'data-search': ['type', t.name, t.doc, ...t.entities].join(' ').toLowerCase() },
        h('summary', {}, h('code', {}, t.name), t.doc ? h('span', { class: 'muted' }, ' ' + t.doc) : null),
        attributesTable(t.attributes),
        h('p', {}, h('strong', {}, 'Entities: '), t.entities.join(', ') || 'none'),
      ),
    ),
    h('h4', {}, 'Enums'),
    h('ul', {}, s.enums.map((e) => h('li', {}, h('code', {}, e.name), ': ', e.variants.join(', '), e.doc ? h('span', { class: 'muted' }, ' — ' + e.doc) : null))),
  ];
}
