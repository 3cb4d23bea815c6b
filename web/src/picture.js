// The picture of a proposal: a map of the states a proposal names (world-atlas country
// shapes, matched by entity id or `name` fact against the map's country names: no table of
// a library's ids), and a diagram of every step with its places and parties, which also
// shows what the map cannot (seas, regions, unknown names).
import { feature } from 'topojson-client';
import { geoMercator, geoPath, geoCentroid } from 'd3-geo';
import world from 'world-atlas/countries-110m.json';
import { h, fold, entityTypesOf } from './util.js';

const countries = feature(world, world.objects.countries).features;
const byName = new Map(countries.map((c) => [fold(c.properties.name), c]));
const PLACE_NAMES = /^(area|areas|host|site|sites|route|location|place|places|territory|venue|region|where)$/;

/** The map country of an entity: by its id, else by its `name` fact, else null. */
function countryOf(id, library) {
  const direct = byName.get(fold(id));
  if (direct) return direct;
  const ent = library && library.entities.find((e) => e.id === id);
  const name = ent && ent.facts.find((f) => f.attribute === 'name');
  return (name && byName.get(fold(name.value))) || null;
}

/** Whether attribute `attr` of kind `kind` names where a step happens (else who takes part). */
function isPlace(kind, attr, schema) {
  if (PLACE_NAMES.test(attr)) return true;
  const k = schema && schema.kinds.find((x) => x.name === kind);
  const a = k && k.attributes.find((x) => x.name === attr);
  return !!a && entityTypesOf(a.type).length > 1;
}

/** What the page knows of each step: places, parties, and the entities rules fire on. */
export function pictureModel(check, library) {
  const offending = new Map();
  for (const m of check.marks) {
    if (m.kind !== 'violation' || !m.binding) continue;
    const key = `${m.step || ''}\u0000${m.binding}`;
    const prev = offending.get(key);
    if (!prev || m.severity === 'error') offending.set(key, m.severity);
    const any = offending.get(`*\u0000${m.binding}`);
    if (!any || m.severity === 'error') offending.set(`*\u0000${m.binding}`, m.severity);
  }
  const steps = check.steps.map((s) => {
    const places = [];
    const parties = [];
    for (const e of s.entities) {
      const node = {
        id: e.id,
        type: e.type,
        attribute: e.attribute,
        country: countryOf(e.id, library),
        severity: offending.get(`${s.id}\u0000${e.id}`) || null,
      };
      (isPlace(s.kind, e.attribute, library && library.schema) ? places : parties).push(node);
    }
    return { id: s.id, kind: s.kind, date: s.date, places, parties };
  });
  return { steps, offending };
}

/** Draws the map and the diagram of `check` (an /api/check answer) into `box`. */
export function renderPicture(box, check, library, onStep, width = 900) {
  box.replaceChildren();
  if (!check || !check.proposal || check.steps.length === 0) {
    box.append(h('p', { class: 'empty' }, 'The picture appears when the proposal parses and has steps.'));
    return;
  }
  const model = pictureModel(check, library);
  box.append(h('h3', {}, 'Map'), renderMap(model, width), legend(), h('h3', {}, 'Steps, places and parties'), renderDiagram(model, onStep, width));
}

function roleOf(model, id) {
  let role = null;
  let sev = null;
  for (const s of model.steps) {
    for (const n of s.places) if (n.id === id) role = role === 'party' ? 'both' : role || 'place';
    for (const n of s.parties) if (n.id === id) role = role === 'place' ? 'both' : role || 'party';
  }
  sev = model.offending.get(`*\u0000${id}`) || null;
  return { role, sev };
}

function renderMap(model, width) {
  const height = Math.round(width * 0.5);
  const named = new Map();
  for (const s of model.steps) for (const n of [...s.places, ...s.parties]) if (n.country) named.set(n.id, n.country);
  const svg = h('svg', { viewBox: `0 0 ${width} ${height}`, class: 'map', role: 'img' });
  if (named.size === 0) {
    svg.setAttribute('aria-label', 'Map: no state of this proposal is on the map');
    svg.append(h('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'empty' }, 'No state of this proposal is on the map: see the diagram below.'));
    return svg;
  }
  const pts = [];
  for (const c of named.values()) {
    const [lon, lat] = geoCentroid(c);
    pts.push([lon - 9, lat - 6], [lon + 9, lat + 6]);
  }
  const projection = geoMercator().fitExtent(
    [
      [10, 10],
      [width - 10, height - 10],
    ],
    { type: 'MultiPoint', coordinates: pts },
  );
  const path = geoPath(projection);
  const ids = [...named.keys()].sort();
  svg.setAttribute('aria-label', `Map of the states this proposal names: ${ids.join(', ')}`);
  svg.append(h('rect', { x: 0, y: 0, width, height, class: 'sea' }));
  const marked = new Map([...named].map(([id, c]) => [c, id]));
  for (const c of countries) {
    const id = marked.get(c);
    let cls = 'land';
    if (id) {
      const { role, sev } = roleOf(model, id);
      cls = `land named ${role || ''} ${sev ? 'sev-' + sev : ''}`;
    }
    const d = path(c);
    if (d) svg.append(h('path', { d, class: cls }, h('title', {}, id ? `${id} (${c.properties.name})` : c.properties.name)));
  }
  for (const id of ids) {
    const c = named.get(id);
    const [x, y] = projection(geoCentroid(c));
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const { sev } = roleOf(model, id);
    const steps = model.steps.filter((s) => s.places.some((n) => n.id === id)).map((s) => s.id);
    svg.append(
      h('text', { x, y, class: `map-label ${sev ? 'sev-' + sev : ''}`, 'text-anchor': 'middle' }, id),
      steps.length ? h('text', { x, y: y + 14, class: 'map-steps', 'text-anchor': 'middle' }, `◆ ${steps.join(', ')}`) : null,
    );
  }
  return svg;
}

function legend() {
  return h(
    'p',
    { class: 'legend' },
    h('span', { class: 'key place' }, 'where a step happens'),
    h('span', { class: 'key party' }, 'takes part'),
    h('span', { class: 'key sev-error' }, 'a rule fires (error)'),
    h('span', { class: 'key sev-warning' }, 'a rule warns'),
    h('span', { class: 'key offmap' }, 'not on the map'),
    '◆ marks the steps held in a state.',
  );
}

function renderDiagram(model, onStep, width) {
  const nodeW = Math.min(200, Math.floor((width - 80) / 3.4));
  const nodeH = 26;
  const gap = 6;
  const rows = model.steps.map((s) => Math.max(1, s.places.length, s.parties.length));
  const height = rows.reduce((a, r) => a + r * (nodeH + gap) + 22, 10);
  const svg = h('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'diagram',
    role: 'img',
    'aria-label': 'Diagram: each step with the places where it happens (left) and who takes part (right)',
  });
  let y = 10;
  model.steps.forEach((s, i) => {
    const rowH = rows[i] * (nodeH + gap);
    const cy = y + rowH / 2;
    const stepW = Math.min(240, width - 2 * nodeW - 120);
    const stepX = (width - stepW) / 2;
    const node = (n, x, yy, anchorX, role) => {
      const cls = `node ${role} ${n.country ? '' : 'offmap'} ${n.severity ? 'sev-' + n.severity : ''}`;
      svg.append(
        h('line', { x1: anchorX, y1: yy + nodeH / 2, x2: x < stepX ? stepX : stepX + stepW, y2: cy - 2, class: 'edge' }),
        h(
          'g',
          { class: cls },
          h('rect', { x, y: yy, width: nodeW, height: nodeH, rx: 5 }),
          h('text', { x: x + 8, y: yy + 17 }, `${n.id}`),
          h('text', { x: x + nodeW - 8, y: yy + 17, class: 'attr', 'text-anchor': 'end' }, n.attribute),
          h('title', {}, `${n.id} (${n.type}), ${n.attribute} of step ${s.id}${n.country ? '' : '; not on the map'}${n.severity ? '; a rule fires on it (' + n.severity + ')' : ''}`),
        ),
      );
    };
    s.places.forEach((n, j) => node(n, 10, y + j * (nodeH + gap), 10 + nodeW, 'place'));
    s.parties.forEach((n, j) => node(n, width - 10 - nodeW, y + j * (nodeH + gap), width - 10 - nodeW, 'party'));
    const sev = [...s.places, ...s.parties].some((n) => n.severity === 'error') ? 'sev-error' : '';
    const g = h(
      'g',
      { class: `step-node ${sev}`, tabindex: 0, role: 'button', 'aria-label': `step ${s.id}: show it in the editor` },
      h('rect', { x: stepX, y: cy - 20, width: stepW, height: 36, rx: 8 }),
      h('text', { x: stepX + stepW / 2, y: cy - 4, 'text-anchor': 'middle', class: 'step-id' }, `step ${s.id}`),
      h('text', { x: stepX + stepW / 2, y: cy + 11, 'text-anchor': 'middle', class: 'step-kind' }, `${s.kind}${s.date ? ' · ' + s.date : ''}`),
    );
    g.addEventListener('click', () => onStep(s.id));
    g.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        onStep(s.id);
      }
    });
    svg.append(g);
    y += rowH + 22;
  });
  return svg;
}
