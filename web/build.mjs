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

const result = await esbuild.build({
  metafile: true,
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
// licenses.txt: the licence of every npm package the bundle contains (MIT, ISC, BSD:
// their notices must travel with the copies), in name order.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/^node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (m) packages.add(m[1]);
}
const notices = [...packages].sort().map((name) => {
  const dir = path.join(here, 'node_modules', name);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = fs.readdirSync(dir).filter((f) => /^(licen[cs]e|copying)/i.test(f)).sort()[0];
  const text = file ? fs.readFileSync(path.join(dir, file), 'utf8').trim() : `${meta.license} (no licence file in the package)`;
  return `${name} ${meta.version} (${meta.license})\n\n${text}\n`;
});
fs.writeFileSync(
  path.join(out, 'licenses.txt'),
  'The pactum workbench page bundles these npm packages; their licences follow.\n' +
    'The map data (world-atlas) is made from Natural Earth, which is in the public domain.\n\n' +
    notices.join('\n' + '-'.repeat(72) + '\n\n'),
);
fs.copyFileSync(path.join(here, 'src', 'index.html'), path.join(out, 'index.html'));
fs.copyFileSync(path.join(here, 'src', 'app.css'), path.join(out, 'app.css'));
const files = fs.readdirSync(out).filter((f) => f !== 'manifest.txt').sort();
fs.writeFileSync(path.join(out, 'manifest.txt'), files.join('\n') + '\n');
