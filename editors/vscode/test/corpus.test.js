// Runs both grammars over every .policy and .proposal file of the repository's policies/
// folder (the standard library, its tests and examples) and of tests/ (the Rust tests'
// corpora, but the files that expect a parse error: `// expect: pactum::parse::...`), and
// checks that the grammar never goes astray on real files:
// - no token is scoped `invalid` (an unknown escape, say);
// - every character that is not white space gets a scope of its own (nothing the grammar
//   does not know);
// - each top-level item (`rule`, `fact`, ... in a policy; `proposal`, `step` in a proposal)
//   starts with nothing left open by the item before it (but a policy's `def`, which ends
//   where the next item starts), so no string, list or block leaks past an item; the
//   grammars recover from a bracket left open at the next item, and this checks that
//   real files never need that;
// - after the last line nothing is left open: a sentinel item appended to the file is
//   checked the same way.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { tokenize, scopeOf } = require('./tokenize');

const REPO = path.join(__dirname, '..', '..', '..');
const ROOT = path.join(REPO, 'policies');
const ITEM = {
  'source.pactum': /^(entity|enum|type|step|fact|def|rule)\b/,
  'source.pactum-proposal': /^(proposal|step)\b/,
};
const SENTINEL = {
  'source.pactum': 'rule sentinel.after_the_file {}',
  'source.pactum-proposal': 'step sentinel_after_the_file: training {}',
};

function files(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((e) => {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) return files(p);
      return scopeOf(p) ? [p] : [];
    });
}

/** The problems the grammar has with `text` (empty when there are none). */
async function problems(text, scope) {
  const lines = await tokenize(`${text.replace(/\n$/, '')}\n${SENTINEL[scope]}`, scope);
  const found = [];
  lines.forEach(({ line, tokens, open }, i) => {
    const where = `line ${i + 1}`;
    for (const t of tokens) {
      const bad = t.scopes.find((s) => s.startsWith('invalid'));
      if (bad) found.push(`${where}, column ${t.startIndex + 1}: ${JSON.stringify(t.text)} is ${bad}`);
      if (t.scopes.length < 2 && t.text.trim() !== '') {
        found.push(`${where}, column ${t.startIndex + 1}: ${JSON.stringify(t.text)} has no scope`);
      }
    }
    if (ITEM[scope].test(line)) {
      const left = open.slice(1).filter((s) => s !== 'meta.def.pactum');
      if (left.length > 0) found.push(`${where}: the item starts inside ${left.join(' ')}`);
      const first = tokens[0];
      if (!first || first.scopes.length !== 3) {
        found.push(`${where}: the item does not start at the top level (${first ? first.scopes.join(' ') : 'no token'})`);
      }
    }
  });
  return found;
}

const all = files(ROOT);
const PARSE_ERROR = /^\/\/\s*expect:.*pactum::parse::/m;
const more = files(path.join(REPO, 'tests')).filter((f) => !PARSE_ERROR.test(fs.readFileSync(f, 'utf8')));

test('the corpus is there', () => {
  assert.ok(all.filter((f) => f.endsWith('.policy')).length >= 10, 'policies/*.policy');
  assert.ok(all.filter((f) => f.endsWith('.proposal')).length >= 10, 'policies/**/*.proposal');
});

test('the test corpora are there', () => {
  assert.ok(more.length >= 100, 'tests/**/*.policy, *.proposal');
});

for (const file of [...all, ...more]) {
  test(`grammar on ${path.relative(REPO, file)}`, async () => {
    const found = await problems(fs.readFileSync(file, 'utf8'), scopeOf(file));
    assert.deepStrictEqual(found, []);
  });
}

// The checks themselves catch what they are meant to (so a green run means something).
test('the checks catch an unknown escape, a list left open, text without a scope', async () => {
  assert.notDeepStrictEqual(await problems('fact x: State { name: "a\\q" }', 'source.pactum'), []);
  assert.notDeepStrictEqual(await problems('def x = [a,\n', 'source.pactum'), []);
  assert.notDeepStrictEqual(await problems('proposal p { title: "\\q" }', 'source.pactum-proposal'), []);
  assert.notDeepStrictEqual(await problems('proposal p {}\nstep a: b {\n  c: [d,\n', 'source.pactum-proposal'), []);
  assert.notDeepStrictEqual(await problems('proposal p {}\n%', 'source.pactum-proposal'), []);
  assert.deepStrictEqual(await problems('proposal p {}\nstep a: b { c: [d] }', 'source.pactum-proposal'), []);
});
