// Loads the two TextMate grammars of this extension with vscode-textmate (the engine VS Code
// uses) and tokenizes text with them. Used by test/corpus.js and by `node test/tokenize.js
// FILE` to print each token with its scopes (for writing grammar tests).
'use strict';

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const GRAMMARS = {
  'source.pactum': path.join(__dirname, '..', 'syntaxes', 'pactum.tmLanguage.json'),
  'source.pactum-proposal': path.join(__dirname, '..', 'syntaxes', 'pactum-proposal.tmLanguage.json'),
};

/** The scope name of a file by its extension, or undefined. */
function scopeOf(file) {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.policy') return 'source.pactum';
  if (ext === '.proposal') return 'source.pactum-proposal';
  return undefined;
}

let registryPromise;
function registry() {
  if (!registryPromise) {
    const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
    registryPromise = oniguruma.loadWASM(wasm).then(
      () =>
        new vsctm.Registry({
          onigLib: Promise.resolve({
            createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
            createOnigString: (s) => new oniguruma.OnigString(s),
          }),
          loadGrammar: async (scopeName) => {
            const file = GRAMMARS[scopeName];
            if (!file) return null;
            return vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
          },
        }),
    );
  }
  return registryPromise;
}

/**
 * Tokenizes `text` with the grammar `scopeName`: one entry per line, each with its tokens
 * ({ text, scopes, startIndex }), the rule stack after the line, and `open`: the scopes of
 * the regions still open when the line starts (the root scope alone at the top level).
 */
async function tokenize(text, scopeName) {
  const grammar = await (await registry()).loadGrammar(scopeName);
  if (!grammar) throw new Error(`no grammar for ${scopeName}`);
  let stack = vsctm.INITIAL;
  const lines = [];
  for (const line of text.split(/\r?\n/)) {
    const open = grammar.tokenizeLine(' ', stack).tokens[0].scopes;
    const r = grammar.tokenizeLine(line, stack);
    lines.push({
      open,
      line,
      tokens: r.tokens.map((t) => ({
        text: line.substring(t.startIndex, t.endIndex),
        startIndex: t.startIndex,
        scopes: t.scopes,
      })),
      stack: r.ruleStack,
    });
    stack = r.ruleStack;
  }
  return lines;
}

module.exports = { tokenize, scopeOf };

if (require.main === module) {
  const file = process.argv[2];
  if (!file || !scopeOf(file)) {
    console.error('usage: node test/tokenize.js FILE.policy|FILE.proposal');
    process.exit(2);
  }
  tokenize(fs.readFileSync(file, 'utf8'), scopeOf(file)).then((lines) => {
    lines.forEach((l, i) => {
      console.log(`${i + 1}: ${l.line}`);
      for (const t of l.tokens) {
        if (t.text.trim() === '') continue;
        console.log(`    ${JSON.stringify(t.text)} ${t.scopes.slice(1).join(' ')}`);
      }
    });
  });
}
