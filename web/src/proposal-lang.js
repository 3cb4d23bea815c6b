// Highlighting of the `.proposal` text form: a small StreamLanguage after the token rules
// of editors/vscode/syntaxes/pactum-proposal.tmLanguage.json (comments, `proposal` and
// `step` headers, keys, strings, dates, numbers, booleans, entity ids).
import { StreamLanguage } from '@codemirror/language';

const RESERVED = new Set(['id', 'kind', 'date', 'note', 'title']);

export const proposalLanguage = StreamLanguage.define({
  name: 'pactum-proposal',
  startState: () => ({ header: null }),
  token(stream, state) {
    if (stream.sol()) state.header = null;
    if (stream.eatSpace()) return null;
    if (stream.match('//')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) {
      if (state.header === 'name') {
        state.header = 'colon';
        return 'heading';
      }
      return 'string';
    }
    if (stream.match(/^\d{4}-\d{2}-\d{2}\b/)) return 'number';
    if (stream.match(/^-?\d+\b/)) return 'number';
    if (stream.match(/^[{}[\],]/)) return 'punctuation';
    if (stream.match(':')) {
      if (state.header === 'colon') state.header = 'kind';
      return 'punctuation';
    }
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_.-]*/);
    if (word) {
      const w = word[0];
      if (state.header === 'name') {
        state.header = 'colon';
        return 'heading';
      }
      if (state.header === 'kind') {
        state.header = null;
        return 'typeName';
      }
      if ((w === 'proposal' || w === 'step') && /^\s*$/.test(stream.string.slice(0, stream.start))) {
        if (!/^\s*:/.test(stream.string.slice(stream.pos))) {
          state.header = 'name';
          return 'keyword';
        }
      }
      if (/^\s*:/.test(stream.string.slice(stream.pos))) return RESERVED.has(w) ? 'keyword' : 'propertyName';
      if (w === 'true' || w === 'false') return 'bool';
      return 'variableName';
    }
    stream.next();
    return null;
  },
  languageData: { commentTokens: { line: '//' } },
});
