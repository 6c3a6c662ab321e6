/**
 * The mdl language server on vscode-languageserver (document sync, cancellation and capability
 * negotiation come from the library). Every request waits for the diagnostics runs in flight and honours
 * its cancellation token (workspace.ts). This file only wires requests to the feature modules, one
 * concern each: workspace (documents, compiles, diagnostics), query (hover, definition), inlay,
 * complete, references (find all, rename), symbols, format.
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { createConnection, TextDocumentSyncKind, type Connection } from "vscode-languageserver/node";
import { STD_FILE } from "../compiler/2-resolve/program.ts";
import { completion } from "./complete.ts";
import { formatting } from "./format.ts";
import { carriedDefinition, carriedHover } from "./carry-over.ts";
import { carriedInlayHints, inlayHints } from "./inlay.ts";
import { toRange } from "./positions.ts";
import { definition, hover } from "./query.ts";
import { references, rename } from "./references.ts";
import { stdLocation } from "./std-file.ts";
import { documentSymbols } from "./symbols.ts";
import { Workspace } from "./workspace.ts";

export function startServer(connection: Connection): Workspace {
  const ws = new Workspace(connection);
  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      definitionProvider: true,
      referencesProvider: true,
      renameProvider: { prepareProvider: false },
      completionProvider: { triggerCharacters: ["."] },
      documentFormattingProvider: true,
      documentSymbolProvider: true,
      inlayHintProvider: true,
    },
    serverInfo: { name: "mdl" },
  }));
  connection.onHover(async (p, token) => {
    const at = await ws.locate(p.textDocument.uri, p.position, token);
    const md =
      at && ((at.carried && carriedHover(at.carried, at.path, at.offset)) ?? hover(at.analysis, at.path, at.offset));
    return md ? { contents: { kind: "markdown", value: md } } : null;
  });
  connection.onDefinition(async (p, token) => {
    const at = await ws.locate(p.textDocument.uri, p.position, token);
    const span =
      at &&
      (definition(at.analysis, at.path, at.offset) ??
        (at.carried && carriedDefinition(at.carried, at.path, at.offset)));
    const target =
      span &&
      (span.file === at.path
        ? { text: at.text }
        : (at.analysis.program.files.get(span.file) ?? at.carried?.analysis.program.files.get(span.file)));
    if (span?.file === STD_FILE) return stdLocation(span);
    if (!span || !target || !existsSync(span.file)) return null;
    return { uri: pathToFileURL(span.file).href, range: toRange(target.text, span.start, span.end) };
  });
  connection.onReferences(async (p, token) => {
    const at = await ws.locate(p.textDocument.uri, p.position, token);
    return at ? references(await ws.all(token), at, p.context.includeDeclaration) : null;
  });
  connection.onRenameRequest(async (p, token) => {
    const at = await ws.locate(p.textDocument.uri, p.position, token);
    return at ? rename(await ws.all(token), at, p.newName) : null;
  });
  connection.onCompletion(async (p, token) => {
    const at = await ws.locate(p.textDocument.uri, p.position, token);
    return at ? completion(at) : [];
  });
  connection.onDocumentFormatting(async (p, token) => {
    await ws.settled(token);
    const doc = ws.documents.get(p.textDocument.uri);
    return doc ? formatting(doc) : null;
  });
  connection.onDocumentSymbol(async (p, token) => {
    const at = await ws.locate(p.textDocument.uri, { line: 0, character: 0 }, token);
    return at ? documentSymbols(at) : [];
  });
  connection.languages.inlayHint.on(async (p, token) => {
    const at = await ws.locate(p.textDocument.uri, p.range.start, token);
    if (!at) return [];
    return at.carried ? carriedInlayHints(at, at.carried, p.range, token) : inlayHints(at, p.range, token);
  });
  connection.listen();
  return ws;
}

/** Serve on stdin/stdout until `exit` or the end of input. */
export function serveStdio(): void {
  startServer(createConnection(process.stdin, process.stdout));
}
