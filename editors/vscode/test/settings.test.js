// Unit tests of src/settings.js (what the extension derives from its settings).
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const os = require('os');
const path = require('path');
const { serverCommand, documentSelector, resolvePath, DEFAULT_JSON_PROPOSALS } = require('../src/settings');

const ws = path.join(path.sep, 'work', 'repo');

test('the default server is `pactum lsp`, found on the PATH', () => {
  assert.deepStrictEqual(serverCommand({}, ws), { command: 'pactum', args: ['lsp'] });
  assert.deepStrictEqual(serverCommand({ path: '  ' }, ws), { command: 'pactum', args: ['lsp'] });
  assert.deepStrictEqual(serverCommand({ path: 'pactum', policies: '' }, undefined), { command: 'pactum', args: ['lsp'] });
});

test('pactum.path: ${workspaceFolder}, ~ and relative paths', () => {
  const debug = path.join(ws, 'target', 'debug', 'pactum');
  assert.strictEqual(serverCommand({ path: '${workspaceFolder}/target/debug/pactum' }, ws).command, debug);
  assert.strictEqual(serverCommand({ path: './target/debug/pactum' }, ws).command, debug);
  assert.strictEqual(serverCommand({ path: 'target/debug/pactum' }, ws).command, debug);
  assert.strictEqual(serverCommand({ path: '~/.cargo/bin/pactum' }, ws).command, path.join(os.homedir(), '.cargo', 'bin', 'pactum'));
  assert.strictEqual(serverCommand({ path: '/usr/local/bin/pactum' }, ws).command, '/usr/local/bin/pactum');
});

test('pactum.policies becomes --policies DIR, absolute', () => {
  assert.deepStrictEqual(serverCommand({ policies: 'policies' }, ws).args, ['lsp', '--policies', path.join(ws, 'policies')]);
  assert.deepStrictEqual(serverCommand({ policies: '/srv/lib' }, ws).args, ['lsp', '--policies', '/srv/lib']);
  assert.deepStrictEqual(serverCommand({ policies: '${workspaceFolder}/lib' }, ws).args, ['lsp', '--policies', path.join(ws, 'lib')]);
});

test('resolvePath keeps a bare command name and empties an empty value', () => {
  assert.strictEqual(resolvePath('pactum', ws), 'pactum');
  assert.strictEqual(resolvePath('', ws), '');
  assert.strictEqual(resolvePath(undefined, ws), '');
});

test('documents: policies, text proposals and the JSON proposal patterns', () => {
  assert.deepStrictEqual(DEFAULT_JSON_PROPOSALS, ['**/*.proposal.json']);
  assert.deepStrictEqual(documentSelector({}), [
    { scheme: 'file', language: 'pactum' },
    { scheme: 'file', language: 'pactum-proposal' },
    { scheme: 'file', pattern: '**/*.proposal.json' },
  ]);
  assert.deepStrictEqual(documentSelector({ jsonProposals: ['**/proposals/*.json', '', 3] }).slice(2), [
    { scheme: 'file', pattern: '**/proposals/*.json' },
  ]);
  assert.strictEqual(documentSelector({ jsonProposals: [] }).length, 2);
});
