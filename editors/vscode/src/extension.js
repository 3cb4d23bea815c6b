// The pactum extension for VS Code: highlighting comes from the grammars in syntaxes/
// (declared in package.json); this file starts `pactum lsp` over stdio with
// vscode-languageclient and gives it the pactum documents. Settings: pactum.path,
// pactum.policies, pactum.jsonProposals, pactum.trace.server (see package.json and
// docs/editors.md).
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');
const { WATCHED_FILES, RESTART_ON, serverCommand, documentSelector } = require('./settings');

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

function workspaceFolder() {
  const folders = vscode.workspace.workspaceFolders;
  return folders && folders.length > 0 ? folders[0].uri.fsPath : undefined;
}

function readSettings() {
  const c = vscode.workspace.getConfiguration('pactum');
  return {
    path: c.get('path'),
    policies: c.get('policies'),
    jsonProposals: c.get('jsonProposals'),
  };
}

async function start(context) {
  const folder = workspaceFolder();
  const settings = readSettings();
  const server = serverCommand(settings, folder);
  const executable = { command: server.command, args: server.args, options: folder ? { cwd: folder } : {} };
  const watcher = vscode.workspace.createFileSystemWatcher(WATCHED_FILES);
  context.subscriptions.push(watcher);
  client = new LanguageClient(
    'pactum',
    'pactum language server',
    { run: executable, debug: executable },
    {
      documentSelector: documentSelector(settings),
      synchronize: { fileEvents: watcher },
      outputChannel: output,
    },
  );
  try {
    await client.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    client = undefined;
    const choice = await vscode.window.showErrorMessage(
      `pactum: could not start \`${[server.command, ...server.args].join(' ')}\` (${message}). ` +
        'Install pactum or set "pactum.path" to the pactum binary.',
      'Open settings',
    );
    if (choice === 'Open settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'pactum.path');
    }
  }
}

async function stop() {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.stop();
    } catch (_) {
      // a server that already exited: nothing to stop
    }
  }
}

async function restart(context) {
  await stop();
  await start(context);
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel('pactum');
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('pactum.restartServer', () => restart(context)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (RESTART_ON.some((s) => e.affectsConfiguration(s))) restart(context);
    }),
  );
  await start(context);
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
