/**
 * The server's state: the open documents (served from memory, so an import of an unsaved buffer sees the
 * buffer; everything else from disk), and the last analysis of each. Edits are compiled once per burst:
 * changes that arrive while a compile runs merge into the next one, and a query first flushes pending
 * edits so it always answers about the latest text.
 */
import { fileHost } from "../util/fs-host.ts";
import { isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TextDocuments, type Connection } from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Diagnostic as LspDiagnostic } from "vscode-languageserver/node";
import { compile } from "../compiler/compile.ts";
import type { Host } from "../compiler/2-resolve/host.ts";
import { analyze } from "../compiler/4-ir/analyze.ts";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { codes } from "../compiler/diagnostics/codes.ts";
import { toRange } from "./positions.ts";
import type { Analysis } from "./query.ts";

const NO_MODEL = codes.no_model.code;

/** A position resolved against the latest analysis of its document. */
export interface Located {
  path: string;
  text: string;
  analysis: Analysis;
  offset: number;
}

export class Workspace {
  readonly documents = new TextDocuments(TextDocument);
  private readonly analyses = new Map<string, Analysis>();
  private readonly pending = new Set<string>();
  readonly host: Host = fileHost({ overlay: (p) => this.documents.get(pathToFileURL(p).href)?.getText() });

  constructor(private readonly connection: Connection) {
    this.documents.onDidOpen((e) => this.schedule(e.document.uri));
    this.documents.onDidChangeContent((e) => this.schedule(e.document.uri));
    this.documents.onDidClose((e) => this.analyses.delete(fileURLToPath(e.document.uri)));
    this.documents.listen(connection);
  }

  private schedule(uri: string): void {
    if (!uri.startsWith("file:")) return;
    if (this.pending.size === 0) setImmediate(() => this.flush());
    this.pending.add(fileURLToPath(uri));
  }

  private flush(): void {
    for (const path of [...this.pending]) {
      this.pending.delete(path);
      try {
        this.check(path);
      } catch (err) {
        // a compiler bug: report it and keep serving the other requests
        this.connection.console.error(`mdl lsp: checking ${path} failed: ${(err as Error).message}`);
      }
    }
  }

  /** The analysis of an open document and the offset of a position in it. */
  locate(uri: string, position: { line: number; character: number }): Located | undefined {
    this.flush();
    const doc = this.documents.get(uri);
    if (!doc || !uri.startsWith("file:")) return undefined;
    const path = fileURLToPath(uri);
    const analysis = this.analyses.get(path);
    return analysis ? { path, text: doc.getText(), analysis, offset: doc.offsetAt(position) } : undefined;
  }

  /** Every analysis held (one per open document), newest compile of each. */
  all(): Analysis[] {
    this.flush();
    return [...this.analyses.values()];
  }

  /** Compile the document and publish its diagnostics (and those found in the files it imports). */
  private check(path: string): void {
    const r = compile(path, this.host, { text: this.host.readFile(path), verify: false });
    const analysis: Analysis = { program: r.program };
    if (r.value) {
      analysis.ir = r.value;
      analysis.stats = new Map(analyze(r.value).modules.map((s) => [s.path, s]));
    }
    this.analyses.set(path, analysis);
    const byFile = new Map<string, Diagnostic[]>([[path, []]]);
    // a file of blocks only is a library, not an error, in an editor
    for (const d of r.diagnostics.filter((d) => d.code !== NO_MODEL)) {
      const file = d.span?.file ?? d.file ?? path;
      if (!r.program.files.has(file) || !isAbsolute(file)) continue; // std is built in: no document to mark
      byFile.set(file, [...(byFile.get(file) ?? []), d]);
    }
    for (const [file, ds] of byFile) {
      const text = r.program.files.get(file)?.text ?? "";
      void this.connection.sendDiagnostics({ uri: pathToFileURL(file).href, diagnostics: ds.map((d) => toLsp(d, text, r.program.files)) });
    }
  }
}

/** A compiler diagnostic as the editor shows it; its notes ("first defined here") become related locations. */
function toLsp(d: Diagnostic, text: string, files: Analysis["program"]["files"]): LspDiagnostic {
  const related = (d.notes ?? []).flatMap((n) => {
    const f = n.span && files.get(n.span.file);
    if (!n.span || !f || !isAbsolute(n.span.file)) return [];
    return [{ location: { uri: pathToFileURL(n.span.file).href, range: toRange(f.text, n.span.start, n.span.end) }, message: n.message }];
  });
  return {
    range: d.span ? toRange(text, d.span.start, d.span.end) : toRange(text, 0, 0),
    severity: d.severity === "error" ? 1 : d.severity === "warning" ? 2 : 3,
    code: d.code,
    source: "mdl",
    message: d.hint ? `${d.message}\n${d.hint}` : d.message,
    ...(related.length ? { relatedInformation: related } : {}),
  };
}
