// The page over a library given with `pactum serve --policies DIR`: the library's name,
// its examples (DIR/examples/) and its rules come from DIR, not from the built-in one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser } from './helpers.mjs';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'policies');
let server;
let browser;

before(async () => {
  server = await startServer(['--policies', dir]);
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

test('a library given with --policies is the one the page shows and checks against', async () => {
  const page = browser.context.pages()[0] || (await browser.context.newPage());
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready=true]');
  assert.equal(await page.textContent('#lib-name'), dir);
  const options = await page.$$eval('#example option', (os) => os.map((o) => o.value));
  assert.ok(options.includes('caspian-shield.proposal'), `examples: ${options.join(', ')}`);
  await page.selectOption('#example', 'caspian-shield.proposal');
  await page.waitForSelector('#verdict[data-verdict=not-compliant]');
  const rules = await page.$$eval('#library details.rule', (ds) => ds.map((d) => d.dataset.rule));
  assert.ok(rules.includes('caspian.non_littoral_forces'), `rules: ${rules.join(', ')}`);
});
