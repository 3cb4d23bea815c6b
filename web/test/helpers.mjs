// Shared helpers of the browser tests: start `pactum serve --port 0`, launch Debian's
// Chromium through playwright-core, read the editor, save screenshots.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const web = path.join(here, '..');

/** The folder screenshots go to: $SCREENSHOT_DIR, else docs/images/ of the repository. */
export const shotDir = process.env.SCREENSHOT_DIR ? path.resolve(process.env.SCREENSHOT_DIR) : path.join(web, '..', 'docs', 'images');

/**
 * Starts `pactum serve --port 0` ($PACTUM_BIN, default ../target/release/pactum) and
 * answers `{url, stop}` once it has printed its first line.
 */
export async function startServer(extraArgs = []) {
  const bin = process.env.PACTUM_BIN ? path.resolve(process.env.PACTUM_BIN) : path.join(web, '..', 'target', 'release', 'pactum');
  if (!fs.existsSync(bin)) throw new Error(`no pactum binary at ${bin}: build it with cargo build --release, or set PACTUM_BIN`);
  const child = spawn(bin, ['serve', '--port', '0', ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`pactum serve exited (${code}) before it listened`)));
    lines.once('line', (line) => {
      const m = line.match(/^pactum serve: listening on (http:\/\/127\.0\.0\.1:\d+\/)$/);
      if (m) resolve(m[1]);
      else reject(new Error(`unexpected first line of pactum serve: ${line}`));
    });
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Launches headless Chromium (/usr/bin/chromium, or $CHROMIUM) at 1280×800 with a fresh profile. */
export async function launchBrowser() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pactum-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'UTC',
    env: { ...process.env, LANG: 'en_GB.UTF-8', LANGUAGE: 'en_GB' },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--lang=en-GB',
    ],
  });
  context.setDefaultTimeout(20000);
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The editor's text, line by line, as CodeMirror holds it. */
export function editorText(page) {
  return page.evaluate(() => [...document.querySelectorAll('#editor .cm-line')].map((l) => l.textContent).join('\n'));
}

/** Saves a screenshot of the page as docs/images/workbench-NAME.png. */
export async function shot(page, name, { keepMouse = false } = {}) {
  fs.mkdirSync(shotDir, { recursive: true });
  if (!keepMouse) await page.mouse.move(1, 790);
  // The blinking cursor would make every screenshot differ from the last.
  await page.addStyleTag({ content: '.cm-cursorLayer { visibility: hidden !important; }' });
  await page.screenshot({ path: path.join(shotDir, `workbench-${name}.png`), animations: 'disabled' });
}

/** base64url of the UTF-8 bytes of `text`, as the page's share links write it. */
export function base64url(text) {
  return Buffer.from(text, 'utf8').toString('base64url');
}
