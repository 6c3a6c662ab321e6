/// <reference types="vscode" />
/**
 * The VS Code client: starts the mdl language server (`mdl lsp`, the command set in `mdl.server.command`)
 * over stdio for .mdl files; everything else (diagnostics, hover, inlay shapes...) comes from the server.
 */
import * as vscode from "vscode";
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("mdl");
  const command = config.get<string>("server.command", "mdl");
  const args = [...config.get<string[]>("server.args", []), "lsp", "--stdio"];
  // the command is run through the shell on Windows so `mdl.cmd` shims (npm bin links) are found
  const run = { command, args, transport: TransportKind.stdio, options: { shell: process.platform === "win32" } };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "mdl" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.mdl") },
  };
  client = new LanguageClient("mdl", "mdl language server", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.commands.registerCommand("mdl.restartServer", () => client?.restart()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration("mdl.server")) void vscode.commands.executeCommand("mdl.restartServer");
    }),
  );
  await client.start();
}

export function deactivate(): Promise<void> | undefined {
  return client?.stop();
}
