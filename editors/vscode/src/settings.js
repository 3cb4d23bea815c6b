// What the extension derives from its settings, without VS Code: the command that starts
// the server, the documents it is given, the files it is told about. Kept apart from
// extension.js so that test/settings.test.js can test it with plain Node.
'use strict';

const path = require('path');
const os = require('os');

/** The default of `pactum.jsonProposals`: which JSON files are proposals. */
const DEFAULT_JSON_PROPOSALS = ['**/*.proposal.json'];

/** The files whose changes the server is told about (workspace/didChangeWatchedFiles). */
const WATCHED_FILES = '**/{*.policy,pactum.toml}';

/**
 * Expands `${workspaceFolder}`, `${userHome}` and a leading `~` in a path setting, and makes
 * a relative path that names a folder (`./target/debug/pactum`, `policies`) absolute against
 * the workspace folder. A bare command name (`pactum`) is left for the PATH search.
 */
function resolvePath(value, workspaceFolder, { bare = true } = {}) {
  let p = String(value || '').trim();
  if (p === '') return '';
  const home = os.homedir();
  p = p.replace(/\$\{userHome\}/g, home);
  if (workspaceFolder) p = p.replace(/\$\{workspaceFolder\}/g, workspaceFolder);
  if (p === '~' || p.startsWith('~/')) p = path.join(home, p.slice(1));
  const isBareName = !p.includes('/') && !p.includes(path.sep);
  if (bare && isBareName) return p;
  if (!path.isAbsolute(p) && workspaceFolder) p = path.join(workspaceFolder, p);
  return p;
}

/**
 * The server to start: `{ command, args }` for `pactum.path lsp [--policies DIR]`.
 * `settings` holds `path` and `policies` (the `pactum.*` settings).
 */
function serverCommand(settings, workspaceFolder) {
  const command = resolvePath(settings.path || 'pactum', workspaceFolder) || 'pactum';
  const args = ['lsp'];
  const policies = resolvePath(settings.policies, workspaceFolder, { bare: false });
  if (policies) args.push('--policies', policies);
  return { command, args };
}

/**
 * The documents the server is given: policies and text proposals by language, JSON
 * proposals by the glob patterns of `pactum.jsonProposals` (any language, so a file that
 * VS Code opens as JSON or JSON with comments is given too). Files on disk only: the server
 * finds a document's library from its path.
 */
function documentSelector(settings) {
  const patterns = Array.isArray(settings.jsonProposals) ? settings.jsonProposals : DEFAULT_JSON_PROPOSALS;
  return [
    { scheme: 'file', language: 'pactum' },
    { scheme: 'file', language: 'pactum-proposal' },
    ...patterns.filter((p) => typeof p === 'string' && p.trim() !== '').map((pattern) => ({ scheme: 'file', pattern })),
  ];
}

/** The settings whose change restarts the server. */
const RESTART_ON = ['pactum.path', 'pactum.policies', 'pactum.jsonProposals'];

module.exports = { DEFAULT_JSON_PROPOSALS, WATCHED_FILES, RESTART_ON, resolvePath, serverCommand, documentSelector };
