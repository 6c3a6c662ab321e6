/**
 * The server's state: the open documents (served from memory, so an import of an unsaved buffer sees the
 * buffer; everything else from disk), and the last analysis of each.
 *
 * Diagnostics run off the message loop, one document at a time: a run first yields so that edits
 * already received merge into it, compiles (an open document is parsed per declaration, see
 * incremental-parse.ts; IR analysis for hover is done only when asked), then yields again and
 * publishes only if no newer edit arrived meanwhile: a superseded run is abandoned and never shows
 * stale diagnostics. Requests wait for the runs in flight, so they answer about the latest text, and
 * give up with RequestCancelled when the client cancels them. When a compile stops before the forward
 * is checked (a syntax error, an unknown name), queries also get the last analysis that had an IR, for
 * the declarations the edits since left alone (carry-over.ts).
 */
import { fileHost } from "../util/fs-host.ts";
import { isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  LSPErrorCodes,
  ResponseError,
  TextDocuments,
  type CancellationToken,
  type Connection,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import type { Diagnostic as LspDiagnostic } from "vscode-languageserver/node";
import { compile, type Compiled } from "../compiler/compile.ts";
import type { Host } from "../compiler/2-resolve/host.ts";
import { analyze } from "../compiler/4-ir/analyze.ts";
import type { ModelIR } from "../compiler/0-core/schema.ts";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { codes } from "../compiler/diagnostics/codes.ts";
import { carryOver, type CarriedOver } from "./carry-over.ts";
import { IncrementalParser } from "./incremental-parse.ts";
import { toRange } from "./positions.ts";
import type { Analysis } from "./query.ts";

const NO_MODEL = codes.no_model.code;

/** A position resolved against the latest analysis of its document. */
export interface Located {
  path: string;
  text: string;
  analysis: Analysis;
  offset: number;
  /** When the latest compile has no IR: the last analysis that had one, for the declarations it still holds for. */
  carried?: CarriedOver;
}

interface Held {
  analysis: Analysis;
  /** Computed on the first query that needs it, not per edit. */
  carried?: () => CarriedOver | undefined;
}

/** Two turns of the event loop: the message queue handles one message per turn, after what was queued first. */
const yieldTurns = async () => {
  for (let i = 0; i < 2; i++) await new Promise<void>((r) => setImmediate(r));
};

/** Throws the protocol's RequestCancelled answer when the client cancelled the request. */
export function checkCancelled(token?: CancellationToken): void {
  if (token?.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, "request cancelled");
}

export class Workspace {
  readonly documents = new TextDocuments(TextDocument);
  private readonly analyses = new Map<string, Held>();
  /** The last analysis of each document that had an IR (whole or partial), with the text it was made from. */
  private readonly lastGood = new Map<string, { analysis: Analysis; text: string }>();
  /** Documents edited since their last diagnostics run started. */
  private readonly dirty = new Set<string>();
  private running?: Promise<void>;
  private readonly parser = new IncrementalParser();
  private readonly files = fileHost({ overlay: (p) => this.open(p)?.getText() });
  readonly host: Host = {
    readFile: (p) => this.files.readFile(p),
    // open documents change per keystroke: parse only the declarations an edit touched
    parse: (name, text) => (this.open(name) ? this.parser.parse(name, text) : undefined),
  };

  constructor(private readonly connection: Connection) {
    this.documents.onDidOpen((e) => this.schedule(e.document.uri));
    this.documents.onDidChangeContent((e) => this.schedule(e.document.uri));
    this.documents.onDidClose((e) => {
      if (!e.document.uri.startsWith("file:")) return;
      const path = fileURLToPath(e.document.uri);
      this.analyses.delete(path);
      this.lastGood.delete(path);
      this.parser.forget(path);
      // importers read the file on disk from now on, which may differ from the closed buffer
      this.recheckImporters(path);
    });
    this.documents.listen(connection);
  }

  private open(path: string): TextDocument | undefined {
    return isAbsolute(path) ? this.documents.get(pathToFileURL(path).href) : undefined;
  }

  private schedule(uri: string): void {
    if (!uri.startsWith("file:")) return;
    const path = fileURLToPath(uri);
    this.dirty.add(path);
    this.recheckImporters(path);
  }

  /** Open documents whose last compile read `path` with other text than it has now are checked again. */
  private recheckImporters(path: string): void {
    let text: string | undefined | null = null;
    for (const [other, held] of this.analyses) {
      const seen = held.analysis.program.files.get(path);
      if (other === path || !seen) continue;
      if (text === null) text = this.files.readFile(path); // the open document's text, else the file on disk
      if (seen.text !== text) this.dirty.add(other);
    }
    if (this.dirty.size) this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  private async drain(): Promise<void> {
    while (this.dirty.size) {
      await yieldTurns();
      const path = this.dirty.values().next().value as string;
      this.dirty.delete(path);
      const version = this.open(path)?.version;
      let r: Compiled;
      const text = this.host.readFile(path);
      try {
        r = compile(path, this.host, { text, verify: false, partial: true });
      } catch (err) {
        // a compiler bug: report it and keep serving the other requests
        this.connection.console.error(`mdl lsp: checking ${path} failed: ${(err as Error).message}`);
        continue;
      }
      await yieldTurns();
      if (this.dirty.has(path)) continue; // superseded: the newer text is compiled next
      this.analyses.set(path, this.held(path, text ?? "", r));
      this.publish(path, r, version);
    }
  }

  /**
   * A compile's analysis; when it has no IR (a syntax error, or an unknown name, stops the compile before
   * the forward is checked), with what carries over from the last one that had. Typing passes through
   * both kinds of error, so the last IR, not the last parse, is what is kept.
   */
  private held(path: string, text: string, r: Compiled): Held {
    const analysis = analysisOf(r);
    const good = this.lastGood.get(path);
    if (analysis.ir) {
      this.lastGood.set(path, { analysis, text });
      return { analysis };
    }
    if (!good) return { analysis };
    let carried: CarriedOver | undefined | null = null;
    return {
      analysis,
      carried: () => (carried === null ? (carried = carryOver(path, good, text, analysis)) : carried),
    };
  }

  /** Resolves when every edit received so far has been checked; throws if the request was cancelled. */
  async settled(token?: CancellationToken): Promise<void> {
    while (this.running) await this.running;
    checkCancelled(token);
  }

  /** The analysis of an open document and the offset of a position in it. */
  async locate(
    uri: string,
    position: { line: number; character: number },
    token?: CancellationToken,
  ): Promise<Located | undefined> {
    await this.settled(token);
    const doc = this.documents.get(uri);
    if (!doc || !uri.startsWith("file:")) return undefined;
    const path = fileURLToPath(uri);
    const held = this.analyses.get(path);
    return held
      ? {
          path,
          text: doc.getText(),
          analysis: held.analysis,
          offset: doc.offsetAt(position),
          carried: held.carried?.(),
        }
      : undefined;
  }

  /** Every analysis held (one per open document), newest compile of each. */
  async all(token?: CancellationToken): Promise<Analysis[]> {
    await this.settled(token);
    return [...this.analyses.values()].map((h) => h.analysis);
  }

  /** Publish the document's diagnostics (and those found in the files it imports). */
  private publish(path: string, r: Compiled, version: number | undefined): void {
    const byFile = new Map<string, Diagnostic[]>([[path, []]]);
    // a file of blocks only is a library, not an error, in an editor
    for (const d of r.diagnostics.filter((d) => d.code !== NO_MODEL)) {
      const file = d.span?.file ?? d.file ?? path;
      if (!r.program.files.has(file) || !isAbsolute(file)) continue; // std is built in: no document to mark
      byFile.set(file, [...(byFile.get(file) ?? []), d]);
    }
    for (const [file, ds] of byFile) {
      const text = r.program.files.get(file)?.text ?? "";
      const v = file === path ? version : this.open(file)?.version;
      void this.connection.sendDiagnostics({
        uri: pathToFileURL(file).href,
        ...(v === undefined ? {} : { version: v }),
        diagnostics: ds.map((d) => toLsp(d, text, r.program.files)),
      });
    }
  }
}

/**
 * What queries read: the program, the IR (of a clean compile, else of the parts of a forward that
 * checked) and the per-module figures, computed on the first hover that needs them, not per edit.
 */
function analysisOf(r: Compiled): Analysis {
  const ir: ModelIR | undefined = r.value ?? r.partial;
  let stats: Analysis["stats"];
  return {
    program: r.program,
    ir,
    get stats() {
      try {
        if (!stats && ir) stats = new Map(analyze(ir).modules.map((s) => [s.path, s]));
      } catch {
        // the IR of a forward with errors may hold values the figures cannot be computed for: no figures
      }
      return stats;
    },
  };
}

/** A compiler diagnostic as the editor shows it; its notes ("first defined here") become related locations. */
function toLsp(d: Diagnostic, text: string, files: Analysis["program"]["files"]): LspDiagnostic {
  const related = (d.notes ?? []).flatMap((n) => {
    const f = n.span && files.get(n.span.file);
    if (!n.span || !f || !isAbsolute(n.span.file)) return [];
    return [
      {
        location: { uri: pathToFileURL(n.span.file).href, range: toRange(f.text, n.span.start, n.span.end) },
        message: n.message,
      },
    ];
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
