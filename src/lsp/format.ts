/** Formatting through mdl's own printer (the one `mdl fmt` and the prettier plugin use); none on a syntax error. */
import { fileURLToPath } from "node:url";
import type { TextDocument } from "vscode-languageserver-textdocument";
import { formatSource } from "../compiler/1-syntax/print.ts";

export function formatting(doc: TextDocument) {
  const text = doc.getText();
  const r = formatSource(doc.uri.startsWith("file:") ? fileURLToPath(doc.uri) : doc.uri, text);
  if (r.value === undefined || r.value === text) return [];
  return [{ range: { start: doc.positionAt(0), end: doc.positionAt(text.length) }, newText: r.value }];
}
