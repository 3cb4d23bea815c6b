// The page of `pactum serve`: a proposal editor with live diagnostics and one-click fixes,
// the verdict, "why / why not" for a step, the date and time line, a picture of the
// proposal, the library browser, examples and share links. Talks only to its own server
// (the HTTP contract: docs/workbench.md); keeps nothing anywhere but in the URL fragment.
import { EditorView, basicSetup } from 'codemirror';
import { EditorState, Compartment, StateEffect } from '@codemirror/state';
import { linter, lintGutter, forceLinting } from '@codemirror/lint';
import { json } from '@codemirror/lang-json';
import { proposalLanguage } from './proposal-lang.js';
import { shareFragment, parseFragment } from './share.js';
import { renderTimeline } from './timeline.js';
import { renderPicture } from './picture.js';
import { renderLibrary } from './library.js';
import { h, plural, postJson, libraryName } from './util.js';

const $ = (id) => document.getElementById(id);
// `dates`: `own` (a step is judged on its own date, else the proposal's, else `asOf`) or
// `as_of` (every step on `asOf`: the user picked a date). `damaged`: why the link opened was
// not loaded (kept until the user loads or types something).
const state = { library: null, examples: [], check: null, asOf: '', dates: 'own', damaged: null };

// ------------------------------------------------------------------ positions

// The editor keeps every character (its line separator is "\n" alone, so a lone carriage
// return stays in the text, as `pactum check` reads it), but the API counts lines as LSP
// does: "\n", "\r\n" and a lone "\r" each end one. The starts of those lines, per document.
const lineStarts = new WeakMap();

function startsOf(doc) {
  let starts = lineStarts.get(doc);
  if (starts) return starts;
  const t = doc.toString();
  starts = [0];
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (t.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  lineStarts.set(doc, starts);
  return starts;
}

/** The offset in `doc` of an API position (0-based line, UTF-16 character), clamped. */
function offsetOf(doc, pos) {
  const starts = startsOf(doc);
  const n = Math.min(Math.max(pos.line, 0), starts.length - 1);
  const from = starts[n];
  let to = n + 1 < starts.length ? starts[n + 1] : doc.length;
  if (to > from && n + 1 < starts.length) {
    to -= doc.sliceString(to - 2, to) === '\r\n' && to - 2 >= from ? 2 : 1;
  }
  return from + Math.min(Math.max(pos.character, 0), to - from);
}

function formatOf(text) {
  return text.trimStart().startsWith('{') ? 'json' : 'text';
}

// ------------------------------------------------------------------ checking

let latest = null;
let inFlight = null;

/** The fields of a request for `text` that every endpoint shares: format, date, dates. */
function requestBody(text) {
  const body = { text, format: formatOf(text) };
  if (state.asOf) body.as_of = state.asOf;
  if (state.asOf && state.dates === 'as_of') body.dates = 'as_of';
  return body;
}

/**
 * POST /api/check for `text`; the last call wins everywhere on the page, and starting one
 * aborts the one before (its answer would be thrown away; the server stops reading it).
 */
function requestCheck(text) {
  if (inFlight) inFlight.abort();
  const ctl = new AbortController();
  inFlight = ctl;
  const p = postJson('/api/check', requestBody(text), ctl.signal).then(
    (r) => ({ ok: true, r }),
    (e) => ({ ok: false, e }),
  );
  latest = p;
  return p;
}

async function checkSource(view) {
  if (state.damaged) return [];
  const doc = view.state.doc;
  let p = requestCheck(doc.toString());
  let res = await p;
  while (latest !== p) {
    p = latest;
    res = await p;
  }
  if (!res.ok) {
    showServerError(res.e);
    return [];
  }
  if (!view.state.doc.eq(doc)) return [];
  state.check = res.r;
  showCheck(res.r, doc.toString());
  return res.r.marks.map((m) => diagnosticOf(m, doc));
}

function diagnosticOf(m, doc) {
  let from = offsetOf(doc, m.from);
  let to = offsetOf(doc, m.to);
  if (to < from) [from, to] = [to, from];
  return {
    from,
    to,
    severity: m.severity === 'note' ? 'info' : m.severity,
    message: m.message,
    renderMessage: () => markDetails(m),
    actions: (m.fixes || []).map((f) => ({
      name: f.description,
      apply: (view) => applyFix(view, doc, f),
    })),
  };
}

function applyFix(view, doc, fix) {
  if (!view.state.doc.eq(doc)) {
    forceLinting(view);
    return;
  }
  const changes = fix.changes.map((c) => ({ from: offsetOf(doc, c.from), to: offsetOf(doc, c.to), insert: c.insert }));
  view.dispatch({ changes, userEvent: 'input.fix' });
  view.focus();
}

function markDetails(m) {
  return h(
    'div',
    { class: 'mark-details' },
    h('div', { class: 'mark-message' }, m.message),
    h('div', { class: 'mark-code' }, h('code', {}, m.code), m.step ? ` · step ${m.step}` : ''),
    m.cite ? h('div', { class: 'mark-cite' }, h('strong', {}, 'Citation: '), m.cite) : null,
    m.help ? h('div', { class: 'mark-help' }, h('strong', {}, 'Help: '), m.help) : null,
  );
}

// ------------------------------------------------------------------ the verdict and panels

function showServerError(e) {
  markStale();
  const v = $('verdict');
  v.className = 'verdict invalid';
  v.dataset.verdict = 'error';
  if (e.code) v.replaceChildren(h('strong', {}, 'Cannot check this text'), `: ${e.message}`, e.help ? ` (${e.help})` : '', '.');
  else v.replaceChildren(h('strong', {}, 'The workbench server did not answer'), ` (${e.message}). Is pactum serve still running?`);
}

/** After a failed check: the Problems list is an earlier answer's, and says so. */
function markStale() {
  const box = $('problems');
  if (!state.check || box.classList.contains('stale')) return;
  box.classList.add('stale');
  box.prepend(h('p', { class: 'stale-note', role: 'note' }, 'The last check failed (see above): the problems below are from an earlier check and may no longer hold.'));
  $('tab-problems').textContent = 'Problems (check failed)';
}

function counts(marks) {
  const c = { error: 0, warning: 0, note: 0, input: 0 };
  for (const m of marks) {
    if (m.kind === 'input') c.input++;
    else c[m.severity] = (c[m.severity] || 0) + 1;
  }
  return c;
}

/**
 * The dates a proposal gives its steps (a step's own, else the proposal's), in order. When
 * every step was judged on `as_of`, the answer's proposal has its dates set aside: they are
 * then read from the text (each `date:` outside strings and comments; `"date":` in JSON).
 */
function ownDates(r, text) {
  if (r.dates === 'as_of') return datesInText(text);
  const p = r.proposal;
  if (!p || !Array.isArray(p.steps)) return [];
  const dates = p.steps.map((s) => s.date || p.date).filter(Boolean);
  if (p.steps.length === 0 && p.date) dates.push(p.date);
  return [...new Set(dates)].sort();
}

function datesInText(text) {
  let code;
  if (formatOf(text) === 'json') {
    const found = [...text.matchAll(/"date"\s*:\s*"(\d{4}-\d{2}-\d{2})"/g)].map((m) => m[1]);
    return [...new Set(found)].sort();
  }
  // The text form: blank out strings and `//` comments, then find `date: YYYY-MM-DD`.
  code = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      code += ' ';
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      const j = text.indexOf('\n', i);
      i = j < 0 ? text.length : j;
    } else {
      code += c;
      i++;
    }
  }
  const found = [...code.matchAll(/\bdate\s*:\s*(\d{4}-\d{2}-\d{2})\b/g)].map((m) => m[1]);
  return [...new Set(found)].sort();
}

/** "2026-07-01", "2010-01-01 and 2012-05-01", "3 dates (2010-01-01 to 2013-01-01)". */
function dateList(dates) {
  if (dates.length <= 2) return dates.join(' and ');
  return `${dates.length} dates (${dates[0]} to ${dates[dates.length - 1]})`;
}

/**
 * When the proposal was judged: `as of D`, or the steps' own dates where they have them;
 * when every step was judged on the chosen date instead of the proposal's own dates, that
 * and a button back to them.
 */
function judgedOn(r, text) {
  const own = ownDates(r, text);
  const overridden = (r.dates || state.dates) === 'as_of';
  if (overridden && own.length > 0 && !(own.length === 1 && own[0] === r.as_of)) {
    const back = h('button', { type: 'button', id: 'own-dates', class: 'link', onclick: () => setDates('own') }, `judge on the proposal's own ${own.length === 1 ? 'date' : 'dates'}`);
    return [`as of ${r.as_of} instead of the proposal's own ${own.length === 1 ? 'date' : 'dates'} ${dateList(own)} (`, back, ')'];
  }
  return [judgedOnOwn(r)];
}

function judgedOnOwn(r) {
  const dates = [...new Set((r.timeline ? r.timeline.steps : []).map((s) => s.date).filter(Boolean))].sort();
  if (dates.length === 0 || (dates.length === 1 && dates[0] === r.as_of)) return `as of ${r.as_of}`;
  if (dates.length === 1) return `on ${dates[0]}, the date of its steps`;
  if (dates.length <= 3) return `on ${dates.join(', ')}, the dates of its steps`;
  return `on the ${dates.length} dates of its steps`;
}

function showCheck(r, text) {
  const c = counts(r.marks);
  const v = $('verdict');
  const invalid = c.input > 0 || (r.report.errors && r.report.errors.length > 0);
  const extra = [c.warning ? plural(c.warning, 'warning') : null, c.note ? plural(c.note, 'note') : null].filter(Boolean).join(', ');
  if (invalid) {
    v.className = 'verdict invalid';
    v.replaceChildren(h('strong', {}, 'Invalid input'), `: ${plural(c.input, 'problem')} to correct before the proposal can be judged.`);
  } else if (r.report.compliant) {
    v.className = 'verdict compliant';
    v.replaceChildren(h('strong', {}, 'Compliant'), `: no rule is broken${extra ? ` (${extra})` : ''}, judged `, ...judgedOn(r, text), '.');
  } else {
    v.className = 'verdict violating';
    v.replaceChildren(h('strong', {}, 'Not compliant'), `: ${plural(c.error, 'error')}${extra ? ', ' + extra : ''}, judged `, ...judgedOn(r, text), '.');
  }
  v.dataset.verdict = invalid ? 'invalid' : r.report.compliant ? 'compliant' : 'not-compliant';
  renderProblems(r);
  renderSteps(r);
  renderGraphics();
  $('tab-problems').textContent = r.marks.length ? `Problems (${r.marks.length})` : 'Problems';
}

/** The time line and the picture, drawn at the width of the results pane (1 unit = 1 px). */
function renderGraphics() {
  const r = state.check;
  if (!r) return;
  const width = Math.max(520, $('side').clientWidth - 24);
  const named = new Set(r.steps.flatMap((s) => s.entities.map((e) => e.id)));
  renderTimeline($('timeline'), r.timeline, r.as_of, setDate, width, named);
  renderPicture($('picture'), r, state.library, showStep, width);
}

function renderProblems(r) {
  const box = $('problems');
  box.replaceChildren();
  box.classList.remove('stale');
  if (r.marks.length === 0) {
    box.append(h('p', { class: 'empty' }, 'Nothing to report: no rule fires on this proposal.'));
    return;
  }
  if (r.fixes_omitted) {
    box.append(
      h('p', { class: 'note', id: 'fixes-omitted' },
        'More than 100 rules fire on this proposal, so no repairs are offered here: correct some, or check it with `pactum check --fixes`.'),
    );
  }
  const doc = view.state.doc;
  box.append(
    h(
      'ol',
      { class: 'problems' },
      r.marks.map((m) =>
        h(
          'li',
          { class: `problem sev-${m.severity}` },
          h('span', { class: `sev sev-${m.severity}` }, m.kind === 'input' ? 'input' : m.severity),
          ' ',
          h('button', { type: 'button', class: 'link', title: 'Show it in the editor', onclick: () => goTo(m.from, m.to) }, `line ${m.from.line + 1}`),
          ' ',
          h('span', { class: 'problem-message' }, m.message),
          h('div', { class: 'mark-code' }, h('code', {}, m.code), m.step ? ` · step ${m.step}` : ''),
          m.cite ? h('div', {}, h('strong', {}, 'Citation: '), m.cite) : null,
          m.help ? h('div', {}, h('strong', {}, 'Help: '), m.help) : null,
          m.evidence && m.evidence.length ? h('details', {}, h('summary', {}, 'The facts that made it fire'), h('ul', {}, m.evidence.map((e) => h('li', {}, e)))) : null,
          h(
            'div',
            { class: 'actions' },
            (m.fixes || []).map((f) => h('button', { type: 'button', class: 'fix', onclick: () => applyFix(view, doc, f) }, `Fix: ${f.description}`)),
            m.step && m.kind === 'violation' ? h('button', { type: 'button', class: 'why', onclick: () => explain(m.step, m.code) }, `Why? (step ${m.step})`) : null,
          ),
        ),
      ),
    ),
  );
}

function renderSteps(r) {
  const box = $('steps');
  box.replaceChildren();
  if (r.steps.length === 0) {
    box.append(h('p', { class: 'empty' }, 'No step to explain yet: the proposal does not parse or has no step.'));
    return;
  }
  box.append(
    h('p', {}, 'Ask why each rule does or does not fire on a step:'),
    h(
      'ul',
      { class: 'steps' },
      r.steps.map((s) =>
        h(
          'li',
          {},
          h('button', { type: 'button', class: 'why', 'data-step': s.id, onclick: () => explain(s.id) }, `Why / why not: step ${s.id}`),
          ` ${s.kind}${s.date ? ', ' + s.date : ''} `,
          h('button', { type: 'button', class: 'link', onclick: () => goTo(s.from, s.to) }, 'show'),
        ),
      ),
    ),
  );
}

let explaining = 0;

/** Forgets the explanation shown: it was of another text or date. */
function clearExplanation() {
  explaining++;
  $('explanation').replaceChildren();
}

async function explain(step, rule) {
  selectTab('why');
  const out = $('explanation');
  const mine = ++explaining;
  out.replaceChildren(h('p', { class: 'muted' }, `Explaining step ${step}…`));
  const body = { ...requestBody(view.state.doc.toString()), step };
  if (rule) body.rule = rule;
  try {
    const r = await postJson('/api/explain', body);
    if (mine !== explaining) return;
    out.replaceChildren(
      h('h3', {}, `Why / why not: step ${r.step}${rule ? ', rule ' + rule : ''}`),
      r.explanation ? explanationTable(r.explanation) : null,
      h('details', { class: 'reasoning', open: !!rule || !r.explanation }, h('summary', {}, 'The full reasoning (each condition, true or false, and the facts it read)'), h('pre', { class: 'explain', tabindex: 0 }, r.text)),
    );
  } catch (e) {
    if (mine !== explaining) return;
    out.replaceChildren(h('p', { class: 'error' }, e.message), e.help ? h('p', {}, e.help) : null);
  }
}

const OUTCOMES = {
  fired: 'fires',
  'when-false': 'does not apply to this step',
  'condition-false': 'applies; nothing it forbids is there',
  'condition-true': 'applies; what it requires is there',
  excepted: 'would fire, but an exception (unless) applies',
  empty: 'applies to no one here',
  error: 'could not be evaluated',
};

/** One row per rule of a step explanation: does it fire, and in plain words why not. */
function explanationTable(e) {
  return h(
    'table',
    { class: 'why-table' },
    h('caption', {}, `Judged on ${e.judged}`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Rule'), h('th', { scope: 'col' }, 'Severity'), h('th', { scope: 'col' }, 'On this step'))),
    h(
      'tbody',
      {},
      e.rules.map((r) => {
        const on = (r.bindings || []).filter((b) => b.fired).map((b) => (typeof b.value === 'string' ? b.value : null)).filter(Boolean);
        return h(
          'tr',
          { class: r.fired ? 'fired' : '' },
          h('th', { scope: 'row' }, h('code', {}, r.rule)),
          h('td', {}, h('span', { class: `sev sev-${r.severity}` }, r.severity)),
          h('td', {}, r.fired ? h('strong', {}, 'fires') : OUTCOMES[r.outcome] || r.outcome, r.fired && on.length ? ` for ${on.join(', ')}` : ''),
        );
      }),
    ),
  );
}

function goTo(from, to) {
  const doc = view.state.doc;
  const a = offsetOf(doc, from);
  const b = offsetOf(doc, to);
  view.dispatch({ selection: { anchor: a, head: b }, effects: EditorView.scrollIntoView(a, { y: 'center' }) });
  view.focus();
}

function showStep(id) {
  const s = state.check && state.check.steps.find((x) => x.id === id);
  if (s) goTo(s.from, s.to);
}

// ------------------------------------------------------------------ tabs

const TABS = ['problems', 'why', 'timeline', 'picture', 'library'];

function selectTab(name, focus) {
  for (const t of TABS) {
    const tab = $(`tab-${t}`);
    const on = t === name;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    $(`panel-${t}`).hidden = !on;
    if (on && focus) tab.focus();
  }
  if (name === 'timeline' || name === 'picture') renderGraphics();
}

function setupTabs() {
  TABS.forEach((t, i) => {
    const tab = $(`tab-${t}`);
    tab.addEventListener('click', () => selectTab(t));
    tab.addEventListener('keydown', (e) => {
      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (d) selectTab(TABS[(i + d + TABS.length) % TABS.length], true);
      if (e.key === 'Home') selectTab(TABS[0], true);
      if (e.key === 'End') selectTab(TABS[TABS.length - 1], true);
    });
  });
  selectTab('problems');
}

// ------------------------------------------------------------------ document, date, examples, share

const language = new Compartment();
/** Asks for a new check of an unchanged text (the date changed). */
const recheck = StateEffect.define();
let currentFormat = 'text';

const view = new EditorView({
  parent: $('editor'),
  state: EditorState.create({
    doc: '',
    extensions: [
      // A lone carriage return stays a character of the text (CodeMirror would otherwise
      // make it a line break, and the page would judge another text than `pactum check`).
      EditorState.lineSeparator.of('\n'),
      basicSetup,
      language.of(proposalLanguage),
      lintGutter(),
      linter(checkSource, { delay: 400, needsRefresh: (u) => u.transactions.some((t) => t.effects.some((e) => e.is(recheck))) }),
      EditorView.lineWrapping,
      EditorView.contentAttributes.of({ 'aria-label': 'Proposal text (the .proposal text form or JSON)' }),
      EditorView.updateListener.of((u) => {
        if (!u.docChanged) return;
        $('share-box').hidden = true;
        clearExplanation();
        if (u.transactions.some((t) => t.isUserEvent('input') || t.isUserEvent('delete'))) {
          if (!u.transactions.some((t) => t.isUserEvent('input.fix'))) $('example').value = '';
          state.damaged = null;
        }
        dropFragment(u.state.doc.toString());
        const f = formatOf(u.state.doc.toString());
        if (f !== currentFormat) setFormat(f);
      }),
    ],
  }),
});

function setFormat(f) {
  currentFormat = f;
  view.dispatch({ effects: language.reconfigure(f === 'json' ? json() : proposalLanguage) });
  $('format-badge').textContent = f === 'json' ? 'JSON' : 'text form';
}

function setText(text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: 0 } });
  setFormat(formatOf(text));
  forceLinting(view);
}

function recheckNow() {
  $('share-box').hidden = true;
  clearExplanation();
  view.dispatch({ effects: recheck.of(null) });
  forceLinting(view);
}

/**
 * Sets the chosen date. `dates` is `as_of` when the user picked it (every step is then judged
 * on it, the proposal's own dates set aside: "what if this happened on D?"), or what a share
 * link says.
 */
function setDate(d, dates = 'as_of') {
  state.asOf = d || '';
  state.dates = state.asOf ? dates : 'own';
  $('as-of').value = state.asOf || (state.library ? state.library.today : '');
  dropFragment(null);
  recheckNow();
}

/** Back to the proposal's own dates (`own`), or every step on the chosen date (`as_of`). */
function setDates(dates) {
  state.dates = dates;
  dropFragment(null);
  recheckNow();
}

// The text (or null) the `#p=` in the address bar holds: once the text or the date is no
// longer that of the address, the fragment goes, so that a reload or a copy of the address
// does not bring back or send an older proposal.
let fragmentText = null;

function dropFragment(text) {
  if (!location.hash || (text !== null && text === fragmentText)) return;
  fragmentText = null;
  history.replaceState(null, '', location.pathname + location.search);
}

function loadExample(name) {
  const ex = state.examples.find((e) => e.name === name);
  if (!ex) return;
  state.damaged = null;
  $('example').value = name;
  setText(ex.text);
  selectTab('problems');
}

function share() {
  const text = view.state.doc.toString();
  const frag = shareFragment(text, state.asOf, state.dates);
  fragmentText = text;
  history.replaceState(null, '', frag);
  const url = location.href;
  const out = $('share-url');
  out.value = url;
  $('share-box').hidden = false;
  // Chromium refuses an address over 2 MB (2,097,152 characters); others differ.
  if (url.length > 2097152) {
    $('share-note').textContent = `This link is ${url.length.toLocaleString('en')} characters long: Chromium refuses addresses over 2 MB, and mail and chat programs cut much shorter ones. Send the proposal as a file instead.`;
    return;
  }
  $('share-note').textContent = '';
  out.select();
  if (navigator.clipboard) navigator.clipboard.writeText(url).then(() => ($('share-note').textContent = 'Copied to the clipboard.'), () => ($('share-note').textContent = 'Copy the link above.'));
}

/** Opens the share link in the address: `text`, `date` (only a date), `damaged` or `none`. */
function loadFragment() {
  const { text, date, dates, error } = parseFragment(location.hash);
  if (error) {
    showDamaged(error);
    return 'damaged';
  }
  fragmentText = text;
  if (date) {
    state.asOf = date;
    state.dates = dates;
    $('as-of').value = date;
  }
  if (text !== null) {
    state.damaged = null;
    $('example').value = '';
    setText(text);
    return 'text';
  }
  if (date) recheckNow();
  return date ? 'date' : 'none';
}

/** A share link that cannot be read: say so, and load nothing (not even an example). */
function showDamaged(error) {
  state.damaged = error;
  state.check = null;
  $('example').value = '';
  fragmentText = ''; // the damaged link stays in the address, to be read or sent back
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: '' } });
  $('problems').replaceChildren();
  $('problems').classList.remove('stale');
  $('steps').replaceChildren();
  $('tab-problems').textContent = 'Problems';
  const v = $('verdict');
  v.className = 'verdict invalid';
  v.dataset.verdict = 'damaged-link';
  v.replaceChildren(h('strong', {}, 'This link is damaged'), `: ${error}. Nothing was loaded from it: ask for the link again, or pick an example.`);
}

async function tidy() {
  const text = view.state.doc.toString();
  try {
    const r = await postJson('/api/format', { text, format: formatOf(text) });
    if (r.text !== text) view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: r.text } });
  } catch (e) {
    const v = $('verdict');
    const old = v.querySelector('.tidy-error');
    const note = h('span', { class: 'tidy-error' }, ` Cannot tidy: ${e.message}`);
    if (old) old.replaceWith(note);
    else v.append(note);
  }
}

async function start() {
  setupTabs();
  $('as-of').addEventListener('change', (e) => setDate(e.target.value, 'as_of'));
  $('example').addEventListener('change', (e) => loadExample(e.target.value));
  $('share').addEventListener('click', share);
  $('tidy').addEventListener('click', tidy);
  $('share-close').addEventListener('click', () => ($('share-box').hidden = true));
  window.addEventListener('hashchange', loadFragment);
  window.addEventListener('resize', renderGraphics);
  const [lib, examples] = await Promise.all([
    fetch('/api/library').then((r) => r.json()),
    fetch('/api/examples').then((r) => r.json()),
  ]).catch((e) => {
    showServerError(e);
    return [null, []];
  });
  state.library = lib;
  state.examples = examples;
  const sel = $('example');
  sel.append(
    h('option', { value: '' }, '(your own text)'),
    ...examples.map((e) => h('option', { value: e.name }, `${e.title} (${e.name})`)),
  );
  if (lib) {
    if (!state.asOf) $('as-of').value = lib.today;
    $('today').textContent = `Steps are judged on their own date, else the proposal's, else this one (today is ${lib.today}); pick a date to judge every step on it.`;
    // The standard library is named by what it is; a library of one's own by its folder.
    if (lib.name === '<std>') $('lib-kind').textContent = libraryName(lib.name);
    else $('lib-name').textContent = lib.name;
    renderLibrary($('library'), lib, loadExample);
  }
  const opened = loadFragment();
  if (opened === 'none' || opened === 'date') {
    const first = examples.find((e) => e.name === 'caspian-shield.proposal') || examples[0];
    if (first) loadExample(first.name);
  }
  document.body.dataset.ready = 'true';
}

start();
