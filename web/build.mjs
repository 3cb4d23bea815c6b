// Builds the page of `pactum serve` into src/cli/serve/assets/: index.html, app.js, app.css
// and manifest.txt (every file there, one per line; the server serves exactly those).
// Deterministic: same sources and lock file, same bytes (no dates, no absolute paths).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ? path.resolve(process.argv[2]) : path.join(here, '..', 'src', 'cli', 'serve', 'assets');
fs.mkdirSync(out, { recursive: true });

await esbuild.build({
  absWorkingDir: here,
  entryPoints: ['src/app.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome100', 'firefox100', 'safari15'],
  legalComments: 'eof',
  charset: 'utf8',
  loader: { '.json': 'json' },
  outfile: path.join(out, 'app.js'),
  logLevel: 'warning',
});
fs.copyFileSync(path.join(here, 'src', 'index.html'), path.join(out, 'index.html'));
fs.copyFileSync(path.join(here, 'src', 'app.css'), path.join(out, 'app.css'));
const files = fs.readdirSync(out).filter((f) => f !== 'manifest.txt').sort();
fs.writeFileSync(path.join(out, 'manifest.txt'), files.join('\n') + '\n');
