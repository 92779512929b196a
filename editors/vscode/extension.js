// The client: starts `bp lsp` (the `bp.path` setting, default `bp` on PATH) for .bp files.
const { workspace } = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate() {
  const command = workspace.getConfiguration("bp").get("path", "bp");
  const serverOptions = { command, args: ["lsp"] };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "bp" },
      { scheme: "untitled", language: "bp" },
    ],
  };
  client = new LanguageClient("bp", "bp language server", serverOptions, clientOptions);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
