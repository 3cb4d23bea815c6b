// The time line: one row per time-varying fact that matters to the proposal, its periods
// as bars on a date axis, the dates the steps are judged on and the chosen date marked.
import { h } from './util.js';

const DAY = 86400000;
const toMs = (d) => Date.parse(d + 'T00:00:00Z');
const fromMs = (ms) => new Date(ms).toISOString().slice(0, 10);

/**
 * Draws `timeline` (the `timeline` of /api/check) into `box`. `asOf` is the chosen date;
 * `onPick(date)` is called when the reader clicks a date on the axis.
 */
/**
 * The label of a period: a list of entities is shown by the ones the proposal names
 * (`uzbekistan + 5 more`), anything else as it is.
 */
function periodLabel(value, named) {
  const items = value.split(', ');
  if (items.length < 2 && !named.has(value)) return value;
  const mine = items.filter((i) => named.has(i));
  const others = items.length - mine.length;
  if (mine.length === 0) return `${others} others`;
  return others ? `${mine.join(', ')} + ${others} more` : mine.join(', ');
}

export function renderTimeline(box, timeline, asOf, onPick, width = 900, named = new Set()) {
  box.replaceChildren();
  if (!timeline || !timeline.facts || timeline.facts.length === 0) {
    box.append(
      h('p', { class: 'empty' }, 'No fact that matters to this proposal changes over time (or the proposal does not parse yet).'),
    );
    return;
  }
  const dates = [...timeline.dates, ...timeline.steps.map((s) => s.date), asOf].filter(Boolean);
  let lo = Math.min(...dates.map(toMs));
  let hi = Math.max(...dates.map(toMs));
  const pad = Math.max((hi - lo) * 0.06, 365 * DAY);
  lo -= pad;
  hi += pad;
  const labelW = Math.min(260, Math.max(...timeline.facts.map((f) => (f.entity.length + f.attribute.length + 3) * 7.2)) + 8);
  const rowH = 32;
  const plotW = width - labelW - 16;
  const x = (ms) => labelW + ((ms - lo) / (hi - lo)) * plotW;
  const marks = stepMarks(timeline.steps, (d) => x(toMs(d)));
  const levels = marks.reduce((n, m) => Math.max(n, m.level + 1), 1);
  const top = 50 + (levels - 1) * LABEL_H;
  const height = top + timeline.facts.length * rowH + 30;
  const svg = h('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'timeline',
    role: 'img',
    'aria-label': 'Time line of the facts that matter to the proposal',
  });
  // Year ticks.
  const y0 = new Date(lo).getUTCFullYear();
  const y1 = new Date(hi).getUTCFullYear();
  const stepYears = Math.max(1, Math.ceil((y1 - y0) / 12));
  for (let y = y0 + 1; y <= y1; y += stepYears) {
    const ms = Date.UTC(y, 0, 1);
    svg.append(
      h('line', { x1: x(ms), x2: x(ms), y1: top - 6, y2: height - 24, class: 'tick' }),
      h('text', { x: x(ms), y: height - 8, class: 'tick-label', 'text-anchor': 'middle' }, String(y)),
    );
  }
  timeline.facts.forEach((f, i) => {
    const y = top + i * rowH;
    svg.append(h('text', { x: 4, y: y + 19, class: 'row-label' }, `${f.entity} · ${f.attribute}`, h('title', {}, `${f.entity} (${f.type}): ${f.attribute}`)));
    f.periods.forEach((p, j) => {
      const a = p.from ? toMs(p.from) : lo;
      const b = p.until ? toMs(p.until) : hi;
      const w = Math.max(2, x(b) - x(a));
      const label = `${p.value} (${p.from ? 'from ' + p.from : 'always'}${p.until ? ' until ' + p.until : ''})`;
      svg.append(
        h(
          'g',
          { class: `period p${j % 2}${p.value === 'none' || p.value === 'false' ? ' nothing' : ''}` },
          h('rect', { x: x(a), y: y + 4, width: w, height: rowH - 8, rx: 3 }),
          w > 40 ? h('text', { x: x(a) + 4, y: y + 19, class: 'period-label' }, clip(periodLabel(p.value, named), Math.floor((w - 8) / 6.6))) : null,
          h('title', {}, `${f.entity} ${f.attribute}: ${label}`),
        ),
      );
    });
  });
  // The lines first, then the labels over them (a label has a halo: see app.css).
  for (const m of marks) svg.append(h('line', { x1: m.x, x2: m.x, y1: top - 4 - m.level * LABEL_H, y2: height - 24, class: 'step-line' }));
  for (const m of marks) {
    svg.append(
      h('text', { x: m.x, y: top - 8 - m.level * LABEL_H, class: 'step-label', 'text-anchor': 'middle' }, m.label, h('title', {}, `${m.ids.length === 1 ? 'step' : 'steps'} ${m.ids.join(', ')} ${m.ids.length === 1 ? 'is' : 'are'} judged on ${m.date}`)),
    );
  }
  if (asOf) {
    const ax = x(toMs(asOf));
    svg.append(
      h('line', { x1: ax, x2: ax, y1: 18, y2: height - 24, class: 'asof-line' }),
      h('text', { x: ax, y: 14, class: 'asof-label', 'text-anchor': ax > width - 70 ? 'end' : ax < labelW + 70 ? 'start' : 'middle' }, `as of ${asOf}`),
    );
  }
  const hit = h('rect', { x: labelW, y: height - 24, width: plotW, height: 24, class: 'axis-hit' }, h('title', {}, 'Click to judge the proposal as of this date'));
  hit.addEventListener('click', (ev) => {
    const r = svg.getBoundingClientRect();
    const vx = ((ev.clientX - r.left) / r.width) * width;
    onPick(fromMs(lo + ((vx - labelW) / plotW) * (hi - lo)));
  });
  svg.append(hit);
  const at = (f, d) => f.periods.find((p) => (!p.from || p.from <= d) && (!p.until || d < p.until));
  const table = h(
    'table',
    { class: 'facts-at' },
    h('caption', {}, asOf ? `The same facts as of ${asOf}` : 'The same facts'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Fact'), h('th', { scope: 'col' }, asOf ? `On ${asOf}` : 'Value'), h('th', { scope: 'col' }, 'Changes on'))),
    h(
      'tbody',
      {},
      timeline.facts.map((f) => {
        const now = asOf ? at(f, asOf) : null;
        const changes = f.periods.flatMap((p) => [p.from, p.until]).filter(Boolean);
        return h(
          'tr',
          {},
          h('th', { scope: 'row' }, `${f.entity} · ${f.attribute}`),
          h('td', {}, now ? now.value : '—'),
          h('td', {}, [...new Set(changes)].sort().join(', ')),
        );
      }),
    ),
  );
  box.append(
    svg,
    h(
      'p',
      { class: 'legend' },
      h('span', { class: 'key asof' }, 'chosen date'),
      h('span', { class: 'key step' }, 'date a step is judged on'),
      'Bars: what each fact says over time. Click the year axis to pick a date.',
    ),
    table,
  );
}

const LABEL_H = 17;
const CHAR_W = 7;

/**
 * The step markers: one per date (the steps judged on it together), each label on the lowest
 * level where it does not overlap the one before it (`b2010`, `b2012` and `b2013` a few
 * pixels apart are drawn one above the other, not on top of each other).
 */
export function stepMarks(steps, xOf) {
  const byDate = new Map();
  for (const s of steps) {
    if (!s.date) continue;
    if (!byDate.has(s.date)) byDate.set(s.date, []);
    byDate.get(s.date).push(s.id);
  }
  const marks = [...byDate.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, ids]) => {
      const label = ids.length <= 3 ? ids.join(', ') : `${ids.slice(0, 2).join(', ')} + ${ids.length - 2}`;
      return { date, ids, label, x: xOf(date), level: 0 };
    });
  const ends = [];
  for (const m of marks) {
    const half = (m.label.length * CHAR_W) / 2 + 3;
    let level = ends.findIndex((end) => end <= m.x - half);
    if (level < 0) level = ends.length;
    ends[level] = m.x + half;
    m.level = level;
  }
  return marks;
}

function clip(s, n) {
  return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)) + '…';
}
