// Browser tests of what a drafter met in review (issue 17): judging a dated proposal on
// another date, damaged and cut share links, stale explanations, addresses and problems,
// lone carriage returns, superseded checks, the time line's step labels, the library's
// name and message templates, and Tidy's error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, editorText, shot, base64url } from './helpers.mjs';

const repo = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
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

async function open(fragment = '') {
  await page.goto('about:blank');
  await page.goto(server.url + fragment);
  await page.waitForSelector('body[data-ready=true]');
}

const verdictText = () => page.textContent('#verdict');
const waitVerdict = (v) => page.waitForSelector(`#verdict[data-verdict=${v}]`);

/** The text and date of the page's own share link. */
async function shareLink() {
  await page.click('#share');
  const link = await page.inputValue('#share-url');
  return { link, params: new URLSearchParams(new URL(link).hash.slice(1)) };
}

test('a picked date judges a dated proposal on it, says so, and one click goes back', async () => {
  await open();
  await page.selectOption('#example', 'uzbekistan-base.proposal');
  await page.waitForFunction(() => document.querySelector('#verdict').textContent.includes('2026-07-01'));
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'not-compliant');
  assert.match(await verdictText(), /judged on 2026-07-01, the date of its steps\.$/);

  await page.fill('#as-of', '2010-01-01');
  await page.waitForSelector('#verdict #own-dates');
  assert.match(await verdictText(), /judged as of 2010-01-01 instead of the proposal's own date 2026-07-01 \(judge on the proposal's own date\)\.$/);
  assert.notEqual(await page.getAttribute('#verdict', 'data-verdict'), 'not-compliant');
  await shot(page, 'as-of');

  // The share link carries the choice, and opens with it.
  const { link, params } = await shareLink();
  assert.equal(params.get('d'), '2010-01-01');
  assert.equal(params.get('dates'), 'as_of');
  await page.goto('about:blank');
  await page.goto(link);
  await page.waitForSelector('#verdict #own-dates');
  assert.match(await verdictText(), /judged as of 2010-01-01 instead of the proposal's own date 2026-07-01/);

  // Back to the proposal's own dates, in one click.
  await page.click('#own-dates');
  await page.waitForFunction(() => document.querySelector('#verdict').textContent.includes('judged on 2026-07-01'));
  assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'not-compliant');
  assert.equal(await page.inputValue('#as-of'), '2010-01-01');
  const back = await shareLink();
  assert.equal(back.params.get('dates'), null);
});

const DAMAGED = [
  ['#p=%%%***', /characters that base64url does not use/],
  ['#p=__5B', /not UTF-8 text/],
  [`#p=${base64url('proposal p {}\n')}&d=2026-02-30`, /its date \(`d=`\) is `2026-02-30`, not a date/],
];

test('a damaged share link is said to be damaged, and nothing else is loaded', async () => {
  for (const [fragment, why] of DAMAGED) {
    await open(fragment);
    await waitVerdict('damaged-link');
    const text = await verdictText();
    assert.match(text, /^This link is damaged: /, fragment);
    assert.match(text, why, fragment);
    assert.equal(await editorText(page), '', fragment);
    assert.equal(await page.inputValue('#example'), '', fragment);
  }
});

test('a cut share link is detected (its length says so); an old link without one opens', async () => {
  await open();
  await page.selectOption('#example', 'caspian-shield.proposal');
  await waitVerdict('not-compliant');
  const { link, params } = await shareLink();
  assert.ok(link.indexOf('n=') < link.indexOf('p='), 'the length comes before the text');
  // Cut at several places in the text: never loaded as if whole.
  const p = link.indexOf('p=') + 2;
  for (const keep of [p + 4, p + 100, p + 203, link.length - 1]) {
    await open(link.slice(link.indexOf('#'), keep));
    await waitVerdict('damaged-link');
    assert.match(await verdictText(), /cut/, `cut at ${keep}`);
    assert.equal(await editorText(page), '');
    if (keep === p + 203) await shot(page, 'damaged-link');
  }
  // Cut before the text: its length is there, its text is not.
  await open(link.slice(link.indexOf('#'), link.indexOf('p=')));
  await waitVerdict('damaged-link');
  assert.match(await verdictText(), /it has no proposal \(`p=`\): it was cut/);
  // A link made before `n=` existed still opens.
  await open(`#p=${params.get('p')}`);
  await waitVerdict('not-compliant');
  assert.match(await editorText(page), /step ex1: exercise/);
});

test('the explanation, the address and the problems never show an earlier proposal as current', async () => {
  await open();
  await page.selectOption('#example', 'caspian-shield.proposal');
  await waitVerdict('not-compliant');
  await page.click('#tab-why');
  await page.click('#steps button[data-step=ex1]');
  await page.waitForSelector('#explanation table.why-table');
  await page.selectOption('#example', 'kyrgyz-bases.proposal');
  await page.waitForFunction(() => !document.querySelector('#steps button[data-step=ex1]'));
  assert.equal(await page.textContent('#explanation'), '');

  // The address's #p= goes at the first edit after "Share link".
  await shareLink();
  assert.match(await page.evaluate(() => location.hash), /^#n=\d+&p=/);
  await page.click('#editor .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('// edited\n');
  assert.equal(await page.evaluate(() => location.hash), '');

  // A failed check: the problems shown are said to be an earlier answer's.
  await page.click('#tab-problems');
  await page.route('**/api/check', (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'pactum::serve::timeout', message: 'the request took longer than 10000 ms', help: 'try again' } }) }),
  );
  await page.keyboard.insertText('// again\n');
  await waitVerdict('error');
  await page.waitForSelector('#problems.stale .stale-note');
  assert.match(await page.textContent('#problems .stale-note'), /The last check failed/);
  assert.equal(await page.textContent('#tab-problems'), 'Problems (check failed)');
  await page.unroute('**/api/check');
  await page.keyboard.insertText('// once more\n');
  await page.waitForSelector('#verdict:not([data-verdict=error])');
  assert.equal(await page.$('#problems .stale-note'), null);
});

test('a lone carriage return stays in the text: invalid, as pactum check says; CRLF still works', async () => {
  const cr = fs.readFileSync(path.join(repo, 'tests', 'corpus', 'proposals', 'hidden-line-break.proposal'), 'utf8');
  assert.match(cr, /\r[^\n]/);
  await open(`#p=${base64url(cr)}`);
  await waitVerdict('invalid');
  const codes = await page.$$eval('#problems .mark-code code', (cs) => cs.map((c) => c.textContent));
  assert.deepEqual(codes, ['pactum::parse::hidden_text']);
  assert.equal((await page.$$('#editor .cm-line')).length, cr.split('\n').length);
  const { params } = await shareLink();
  assert.equal(Buffer.from(params.get('p'), 'base64url').toString('utf8'), cr);

  const crlf = fs.readFileSync(path.join(repo, 'policies', 'examples', 'caspian-shield.proposal'), 'utf8').replace(/\n/g, '\r\n');
  await open(`#p=${base64url(crlf)}`);
  const range = await page.waitForSelector('.cm-lintRange-error');
  assert.equal(await range.textContent(), 'turkey');
  await waitVerdict('not-compliant');
  assert.match(await verdictText(), /Not compliant: 1 error, 2 warnings/);
  const again = await shareLink();
  assert.equal(Buffer.from(again.params.get('p'), 'base64url').toString('utf8'), crlf);
});

test('a new check aborts the one still running', async () => {
  await open();
  await page.selectOption('#example', 'caspian-shield.proposal');
  await waitVerdict('not-compliant');
  const held = [];
  const aborted = [];
  page.on('requestfailed', (r) => {
    if (r.url().endsWith('/api/check')) aborted.push(r.postDataJSON().text);
  });
  // Hold every check until told: the first is still running when the second starts.
  await page.route('**/api/check', (route) => held.push(route));
  await page.click('#editor .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('// one\n');
  await page.waitForFunction(() => document.body.dataset.ready === 'true');
  while (held.length < 1) await new Promise((r) => setTimeout(r, 50));
  await page.keyboard.insertText('// two\n');
  while (held.length < 2 || aborted.length < 1) await new Promise((r) => setTimeout(r, 50));
  assert.equal(aborted.length, 1);
  assert.match(aborted[0], /\/\/ one\n$/);
  await held[1].continue();
  await page.unroute('**/api/check');
  await waitVerdict('not-compliant');
  assert.match(await editorText(page), /\/\/ one\n\/\/ two\n$/);
});

test('the time line draws step labels apart, one per date', async () => {
  await open();
  await page.selectOption('#example', 'uzbekistan-over-time.proposal');
  await waitVerdict('not-compliant');
  await page.click('#tab-timeline');
  await page.waitForSelector('#timeline svg.timeline .step-label');
  const boxes = await page.$$eval('#timeline .step-label', (ls) =>
    ls.map((l) => {
      const b = l.getBBox();
      return { text: l.textContent, x0: b.x, x1: b.x + b.width, y0: b.y, y1: b.y + b.height };
    }),
  );
  assert.deepEqual(
    boxes.map((b) => b.text.replace(/step.*$/, '')),
    ['b2010', 'b2012', 'b2013'],
  );
  for (const [i, a] of boxes.entries()) {
    for (const b of boxes.slice(i + 1)) {
      const apart = a.x1 <= b.x0 || b.x1 <= a.x0 || a.y1 <= b.y0 || b.y1 <= a.y0;
      assert.ok(apart, `${a.text} and ${b.text} overlap: ${JSON.stringify([a, b])}`);
    }
  }
  await shot(page, 'timeline-steps');
});

test('the library is the "Standard library", and its messages are shown as templates', async () => {
  await open();
  assert.equal(await page.textContent('#tab-library'), 'Standard library ');
  await page.click('#tab-library');
  assert.equal(await page.textContent('#library .lib-head strong'), 'Standard library');
  await page.fill('#lib-filter', 'non_littoral');
  const says = await page.waitForSelector('details.rule[data-rule="caspian.non_littoral_forces"][open] dd.template');
  const placeholders = await says.$$eval('code.placeholder', (cs) => cs.map((c) => c.textContent));
  assert.ok(placeholders.length > 0 && placeholders.every((p) => /^\{[^{}]+\}$/.test(p)), `placeholders: ${placeholders.join(', ')}`);
  assert.match(await says.textContent(), /the parts in braces are filled in for each step it fires on/);
});

test("Tidy's error replaces the last one instead of piling up", async () => {
  await open();
  await page.click('#editor .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText('proposal broken {\n');
  await waitVerdict('invalid');
  for (let i = 0; i < 3; i++) {
    await Promise.all([page.waitForResponse('**/api/format'), page.click('#tidy')]);
    await page.waitForSelector('#verdict .tidy-error');
  }
  assert.match(await page.textContent('#verdict .tidy-error'), /^ Cannot tidy: /);
  const n = await page.$$eval('#verdict .tidy-error', (es) => es.length);
  assert.equal(n, 1);
});

test('a proposal on which more than 100 rules fire says why no repairs are offered', async () => {
  const steps = Array.from({ length: 101 }, (_, i) =>
    `step ex${i}: exercise { participants: [turkey, azerbaijan], area: caspian_sea }`);
  const text = `proposal many { date: 2026-09-15 }\n${steps.join('\n')}\n`;
  await open(`#n=${text.length}&p=${base64url(text)}`);
  await waitVerdict('not-compliant');
  await page.click('#tab-problems');
  await page.waitForSelector('#fixes-omitted');
  assert.match(await page.textContent('#fixes-omitted'), /no repairs are offered/);
});
