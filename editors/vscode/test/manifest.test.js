// The extension's manifest (package.json) against the files it names: every language has
// its configuration file, every grammar file exists and declares the scope the manifest
// gives it, the language configurations' patterns are valid regular expressions that
// indent after an opening bracket, and the .vsix takes only what the extension needs.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');

const dir = path.join(__dirname, '..');
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
const read = (file) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));

test('languages: pactum (.policy) and pactum-proposal (.proposal), each with its configuration', () => {
  const langs = Object.fromEntries(manifest.contributes.languages.map((l) => [l.id, l]));
  assert.deepStrictEqual(Object.keys(langs).sort(), ['pactum', 'pactum-proposal']);
  assert.deepStrictEqual(langs.pactum.extensions, ['.policy']);
  assert.deepStrictEqual(langs['pactum-proposal'].extensions, ['.proposal']);
  for (const l of Object.values(langs)) {
    const c = read(l.configuration);
    assert.strictEqual(c.comments.lineComment, '//');
    const increase = new RegExp(c.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(c.indentationRules.decreaseIndentPattern);
    new RegExp(c.wordPattern);
    assert.ok(increase.test('step ex1: exercise {'), 'indents after {');
    assert.ok(increase.test('  route: [   // a comment'), 'indents after [');
    assert.ok(!increase.test('  route: [turkey, georgia]'), 'not after a closed list');
    assert.ok(!increase.test('// {'), 'not in a comment');
    assert.ok(decrease.test('  }'));
  }
  assert.deepStrictEqual(read(langs.pactum.configuration).comments.blockComment, ['/*', '*/']);
  assert.strictEqual(read(langs['pactum-proposal'].configuration).comments.blockComment, undefined);
});

test('grammars: one file each, with the scope the manifest declares', () => {
  const grammars = manifest.contributes.grammars;
  assert.deepStrictEqual(grammars.map((g) => [g.language, g.scopeName]), [
    ['pactum', 'source.pactum'],
    ['pactum-proposal', 'source.pactum-proposal'],
  ]);
  for (const g of grammars) {
    assert.strictEqual(read(g.path).scopeName, g.scopeName);
  }
});

test('settings: pactum.path, pactum.policies, pactum.jsonProposals, pactum.trace.server', () => {
  const props = manifest.contributes.configuration.properties;
  assert.deepStrictEqual(Object.keys(props).sort(), ['pactum.jsonProposals', 'pactum.path', 'pactum.policies', 'pactum.trace.server']);
  assert.strictEqual(props['pactum.path'].default, 'pactum');
  assert.strictEqual(props['pactum.policies'].default, '');
  assert.deepStrictEqual(props['pactum.jsonProposals'].default, require('../src/settings').DEFAULT_JSON_PROPOSALS);
  assert.deepStrictEqual(props['pactum.trace.server'].enum, ['off', 'messages', 'verbose']);
  assert.deepStrictEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, ['pactum.path']);
});

test('the .vsix: the bundle, not node_modules', () => {
  assert.strictEqual(manifest.main, './dist/extension.js');
  const ignore = fs.readFileSync(path.join(dir, '.vscodeignore'), 'utf8');
  assert.match(ignore, /^\*\*$/m);
  assert.match(ignore, /^!dist\/extension\.js$/m);
  assert.match(manifest.scripts.package, /--no-dependencies/);
  assert.match(manifest.scripts.build, /--bundle/);
});
