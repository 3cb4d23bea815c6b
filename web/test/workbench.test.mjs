// End-to-end tests of the workbench page in headless Chromium against a real
// `pactum serve --port 0`: examples, underlines, hover, fixes, the verdict, the date,
// share links with Turkish and Arabic text, "why / why not", the picture and the library.
// Each state is saved as docs/images/workbench-*.png (shown in docs/workbench.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, editorText, shot, base64url } from './helpers.mjs';

let server;
let browser;
let page;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = browser.context.pages()[0] || (await browser.context.newPage());
  page.on('pageerror', (e) => console.error('page error:', e.message));
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

/** Opens the page afresh (a real load, not a change of fragment). */
async function open(fragment = '') {
  await page.goto('about:blank');
  await page.goto(server.url + fragment);
  await page.waitForSelector('body[data-ready=true]');
}

async function verdict() {
  return page.getAttribute('#verdict', 'data-verdict');
}

async function waitVerdict(v) {
  await page.waitForSelector(`#verdict[data-verdict=${v}]`);
}

/** Replaces the editor's text as a person would: select all, type (paste) the new text. */
async function typeText(text) {
  await page.click('#editor .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

test('an example loads, its violation is underlined, and the hover shows citation and help', async () => {
  await open();
  const options = await page.$$eval('#example option', (os) => os.map((o) => o.value));
  assert.ok(options.includes('caspian-shield.proposal'), `examples offered: ${options.join(', ')}`);
  await page.selectOption('#example', 'uzbekistan-base.proposal');
  await page.selectOption('#example', 'caspian-shield.proposal');
  assert.match(await editorText(page), /step ex1: exercise/);
  const range = await page.waitForSelector('.cm-lintRange-error');
  assert.equal(await range.textContent(), 'turkey');
  await waitVerdict('not-compliant');
  assert.match(await page.textContent('#verdict'), /Not compliant: 1 error, 2 warnings/);
  await shot(page, 'diagnostics');

  await range.hover();
  const tip = await page.waitForSelector('.cm-tooltip-lint');
  const tipText = await tip.textContent();
  assert.match(tipText, /turkey is not a littoral state/);
  assert.match(tipText, /Citation: Convention on the Legal Status of the Caspian Sea \(Aktau, 2018\), art\. 3/);
  assert.match(tipText, /Help: hold step ex1 outside the Caspian Sea/);
  assert.match(tipText, /remove `turkey` from `participants`/);
  await shot(page, 'hover', { keepMouse: true });
});

test('a one-click fix makes the proposal compliant', async () => {
  const fix = await page.waitForSelector('.cm-tooltip-lint button:has-text("remove `turkey` from `participants`")');
  await fix.click();
  await waitVerdict('compliant');
  assert.match(await editorText(page), / {2}participants: \[azerbaijan, kazakhstan\]\n/);
  assert.equal(await page.$('.cm-lintRange-error'), null);
  assert.match(await page.textContent('#verdict'), /^Compliant: no rule is broken \(1 warning\), judged on 2026-09-15, the date of its steps\.$/);
  await shot(page, 'fixed');
});

test('the date changes the verdict of an undated proposal, and the time line shows it', async () => {
  await typeText(
    [
      '// A Turkish base in Uzbekistan, undated: judged as of the chosen date.',
      'proposal uzbek-base {',
      '  title: "A Turkish base in Uzbekistan"',
      '}',
      '',
      'step b1: base {',
      '  host: uzbekistan',
      '  operators: [turkey]',
      '}',
      '',
    ].join('\n'),
  );
  assert.equal(await page.inputValue('#example'), '', 'an edited text is no longer the example');
  await page.fill('#as-of', '2010-06-01');
  await page.waitForFunction(() => document.querySelector('#verdict').textContent.includes('2010-06-01'));
  assert.equal(await verdict(), 'compliant');
  await page.fill('#as-of', '2013-06-01');
  await page.waitForFunction(() => document.querySelector('#verdict').textContent.includes('2013-06-01'));
  assert.equal(await verdict(), 'not-compliant');
  const codes = await page.$$eval('#problems .mark-code code', (cs) => cs.map((c) => c.textContent));
  assert.ok(codes.includes('uzbekistan.non_alignment'), `problems: ${codes.join(', ')}`);

  await page.click('#tab-timeline');
  await page.waitForSelector('#timeline svg.timeline');
  const rows = await page.$$eval('#timeline .row-label', (ls) => ls.map((l) => l.textContent));
  assert.ok(rows.some((r) => r.startsWith('csto')), `time line rows: ${rows.join(', ')}`);
  assert.match(await page.textContent('#timeline .asof-label'), /as of 2013-06-01/);
  await shot(page, 'timeline');
});

const SHARED = [
  '// Ortak tatbikat: Türkiye, Azerbaycan ve Kazakistan (ığüşöç İĞÜŞÖÇ). تمرين بحري مشترك في بحر قزوين',
  'proposal hazar-kalkani {',
  '  title: "Hazar Kalkanı — درع قزوين"',
  '  date: 2026-09-15',
  '}',
  '',
  'step ex1: exercise {',
  '  note: "Tatbikat ığüşöç — مناورة", participants: [turkey, azerbaijan, kazakhstan]',
  '  area: caspian_sea',
  '}',
  '',
].join('\n');

test('a shared link with Turkish and Arabic text loads intact, with UTF-16 positions', async () => {
  await open(`#p=${base64url(SHARED)}&d=2026-10-01`);
  assert.equal(await editorText(page), SHARED);
  assert.equal(await page.inputValue('#as-of'), '2026-10-01');
  assert.equal(await page.inputValue('#example'), '');
  // The underline after Turkish and Arabic text on the same line covers exactly `turkey`.
  const range = await page.waitForSelector('.cm-lintRange-error');
  assert.equal(await range.textContent(), 'turkey');
  await waitVerdict('not-compliant');
  await shot(page, 'shared');

  // A fix on that line keeps the text around it intact.
  await page.click('#tab-problems');
  await page.click('#problems button.fix:has-text("remove `turkey` from `participants`")');
  await waitVerdict('compliant');
  assert.equal(await editorText(page), SHARED.replace('[turkey, azerbaijan', '[azerbaijan'));

  // The page's own share link carries the text and the date back.
  await page.click('#share');
  const link = await page.inputValue('#share-url');
  const frag = new URLSearchParams(new URL(link).hash.slice(1));
  assert.equal(Buffer.from(frag.get('p'), 'base64url').toString('utf8'), SHARED.replace('[turkey, azerbaijan', '[azerbaijan'));
  assert.equal(frag.get('d'), '2026-10-01');
});

test('a JSON proposal is checked too, and text that does not parse is invalid input', async () => {
  await open();
  await page.selectOption('#example', 'caspian-shield.json');
  assert.equal(await page.textContent('#format-badge'), 'JSON');
  const range = await page.waitForSelector('.cm-lintRange-error');
  assert.match(await range.textContent(), /turkey/);
  await waitVerdict('not-compliant');
  await typeText('proposal broken {\n  title: "Unfinished"\n}\n\nstep s1: exercise {\n  participants: [turky]\n}\n');
  await waitVerdict('invalid');
  assert.match(await page.textContent('#verdict'), /^Invalid input: 2 problems to correct/);
  const messages = await page.$$eval('#problems .problem-message', (ms) => ms.map((m) => m.textContent));
  assert.ok(messages.includes('unknown entity `turky`'), `problems: ${messages.join(' | ')}`);
  await shot(page, 'invalid');
});

test('"Tidy layout" lays the text out as pactum fmt does', async () => {
  await typeText('proposal x {\n title:   "X"\n}\nstep a: exercise {participants: [turkey], area: black_sea}\n');
  await page.click('#tidy');
  await page.waitForFunction(() => document.querySelectorAll('#editor .cm-line').length === 9);
  assert.equal(await editorText(page), 'proposal x {\n  title: "X"\n}\n\nstep a: exercise {\n  participants: [turkey]\n  area: black_sea\n}\n');
});

test('"why / why not" explains a step, and one rule from its problem', async () => {
  await open();
  await page.selectOption('#example', 'caspian-shield.proposal');
  await waitVerdict('not-compliant');
  await page.click('#tab-why');
  await page.click('#steps button[data-step=ex1]');
  await page.waitForSelector('#explanation table.why-table');
  const rows = await page.$$eval('#explanation table.why-table tbody tr', (rs) => rs.map((r) => r.textContent));
  assert.ok(rows.includes('caspian.non_littoral_forceserrorfires for turkey'), `rows: ${rows.join(' | ')}`);
  assert.ok(rows.includes('caspian.before_conventionnotedoes not apply to this step'), `rows: ${rows.join(' | ')}`);
  const text = await page.textContent('#explanation pre.explain');
  assert.match(text, /step `ex1` \(exercise\)/);
  assert.match(text, /does not apply/);
  await shot(page, 'why');

  // "Why?" on a problem explains that rule alone, its reasoning open.
  await page.click('#tab-problems');
  await page.click('#problems li:first-child button.why');
  await page.waitForSelector('#explanation h3:has-text("rule caspian.non_littoral_forces")');
  const one = await page.$$eval('#explanation table.why-table tbody tr', (rs) => rs.map((r) => r.textContent));
  assert.deepEqual(one, ['caspian.non_littoral_forceserrorfires for turkey']);
  const reasoning = await page.waitForSelector('#explanation pre.explain');
  assert.match(await reasoning.textContent(), /caspian\.non_littoral_forces/);
});

test('the picture maps the states and marks the offending one', async () => {
  await page.click('#tab-picture');
  await page.waitForSelector('#picture svg.map');
  const named = await page.$$eval('#picture svg.map path.named title', (ts) => ts.map((t) => t.textContent).sort());
  assert.deepEqual(named, ['azerbaijan (Azerbaijan)', 'kazakhstan (Kazakhstan)', 'turkey (Turkey)']);
  const offending = await page.$$eval('#picture svg.map path.named.sev-error title', (ts) => ts.map((t) => t.textContent));
  assert.deepEqual(offending, ['turkey (Turkey)']);
  // The Caspian Sea is not a country of the map: the diagram shows it.
  const offMap = await page.$$eval('#picture svg.diagram g.node.offmap text:first-of-type', (ts) => ts.map((t) => t.textContent));
  assert.ok(offMap.includes('caspian_sea'), `not on the map: ${offMap.join(', ')}`);
  await shot(page, 'picture');
});

test('the library browser shows rules with citations and examples, facts and the schema', async () => {
  await page.click('#tab-library');
  await page.fill('#lib-filter', 'non_littoral');
  const rule = await page.waitForSelector('details.rule[data-rule="caspian.non_littoral_forces"][open]');
  const text = await rule.textContent();
  assert.match(text, /Convention on the Legal Status of the Caspian Sea/);
  assert.match(text, /caspian-shield\.proposal/);
  // The screenshot: every rule listed, this one open.
  await page.fill('#lib-filter', '');
  await page.evaluate(() => {
    for (const d of document.querySelectorAll('#library details')) d.open = d.dataset.rule === 'caspian.non_littoral_forces';
    document.querySelector('#panel-library').scrollTop = 0;
  });
  await shot(page, 'library');
  const kinds = await page.$$eval('#library details.kind summary code', (cs) => cs.map((c) => c.textContent));
  assert.ok(kinds.includes('exercise'), `kinds: ${kinds.join(', ')}`);
  const entities = await page.$$eval('#library details.entity summary code', (cs) => cs.map((c) => c.textContent));
  assert.ok(entities.includes('turkey'), `entities: ${entities.join(', ')}`);
  // An example of the rule loads from the library.
  await rule.evaluate((d) => (d.open = true));
  await page.click('details.rule[data-rule="caspian.non_littoral_forces"] button:has-text("caspian-shield.proposal")');
  await page.waitForFunction(() => document.querySelector('#example').value === 'caspian-shield.proposal');
});

test('the tabs work from the keyboard, and every control has a label', async () => {
  await open();
  await page.focus('#tab-problems');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('#tab-why', 'aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-why');
  assert.equal(await page.isHidden('#panel-problems'), true);
  await page.keyboard.press('End');
  assert.equal(await page.getAttribute('#tab-library', 'aria-selected'), 'true');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getAttribute('#tab-problems', 'aria-selected'), 'true');
  const unlabelled = await page.$$eval('input, select, textarea', (els) =>
    els.filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map((e) => e.id || e.outerHTML),
  );
  assert.deepEqual(unlabelled, []);
  assert.equal(await page.getAttribute('#editor .cm-content', 'aria-label'), 'Proposal text (the .proposal text form or JSON)');
  // The footer links the licences of the bundled packages.
  const licences = await page.evaluate(() => fetch(document.querySelector('.foot a').href).then((r) => r.text()));
  assert.match(licences, /^@codemirror\/view [\d.]+ \(MIT\)$/m);
  assert.match(licences, /^world-atlas [\d.]+ \(ISC\)$/m);
});
