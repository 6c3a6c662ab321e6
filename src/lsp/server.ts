/**
 * The mdl language server over stdio: diagnostics from the compiler on open and change, hover with
 * shapes, parameters and MACs, go-to-definition across imports. Open documents are served from
 * memory, everything else from disk, so an import of an unsaved buffer sees the buffer.
 */
import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compile } from "../compiler/compile.ts";
import type { Host } from "../compiler/2-resolve/host.ts";
import { fileHost } from "../util/fs-host.ts";
import { analyze } from "../compiler/4-ir/analyze.ts";
import type { Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { codes } from "../compiler/diagnostics/codes.ts";
import { toOffset, toRange, type Position } from "./positions.ts";
import { definition, hover, type Analysis } from "./query.ts";
import { frame, MessageReader, type Message } from "./rpc.ts";

const NO_MODEL = codes.no_model.code;

export class LanguageServer {
  private readonly open = new Map<string, string>(); // path -> text
  private readonly analyses = new Map<string, Analysis>();
  private readonly pending = new Set<string>();
  private readonly host: Host = fileHost({ overlay: (p) => this.open.get(p) });

  constructor(private readonly send: (m: Message) => void) {}

  handle(m: Message): void {
    const p = (m.params ?? {}) as Record<string, any>;
    const reply = (result: unknown) => this.send({ jsonrpc: "2.0", id: m.id ?? null, result });
    switch (m.method) {
      case "initialize":
        return reply({
          capabilities: { textDocumentSync: 1, hoverProvider: true, definitionProvider: true },
          serverInfo: { name: "mdl" },
        });
      case "shutdown":
        return reply(null);
      case "exit":
        return process.exit(0);
      case "textDocument/didOpen":
      case "textDocument/didChange": {
        const doc = p.textDocument;
        const text = m.method === "textDocument/didOpen" ? doc.text : p.contentChanges[p.contentChanges.length - 1].text;
        const path = fileURLToPath(doc.uri);
        this.open.set(path, text);
        return this.schedule(path);
      }
      case "textDocument/didClose":
        this.open.delete(fileURLToPath(p.textDocument.uri));
        return;
      case "textDocument/hover": {
        const at = this.locate(p.textDocument.uri, p.position);
        const md = at && hover(at.analysis, at.path, at.offset);
        return reply(md ? { contents: { kind: "markdown", value: md } } : null);
      }
      case "textDocument/definition": {
        const at = this.locate(p.textDocument.uri, p.position);
        const span = at && definition(at.analysis, at.path, at.offset);
        const target = span && at.analysis.program.files.get(span.file);
        // std is built in and has no file to open
        if (!span || !target || !existsSync(span.file)) return reply(null);
        return reply({ uri: pathToFileURL(span.file).href, range: toRange(target.text, span.start, span.end) });
      }
      default:
        // requests we do not implement get an error; notifications are ignored
        if (m.id !== undefined && m.method) this.send({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: `unsupported method ${m.method}` } });
    }
  }

  /**
   * Compile once per burst of changes: keystrokes that arrive while a compile runs are merged into the
   * next one, so latency stays one or two compiles however fast the user types.
   */
  private schedule(path: string): void {
    if (this.pending.size === 0) setImmediate(() => this.flush());
    this.pending.add(path);
  }

  private flush(): void {
    for (const path of [...this.pending]) {
      this.pending.delete(path);
      try {
        this.check(path);
      } catch (err) {
        process.stderr.write(`mdl lsp: checking ${path} failed: ${(err as Error).message}\n`); // a compiler bug: keep serving
      }
    }
  }

  private locate(uri: string, position: Position) {
    this.flush(); // a query answers about the latest text
    const path = fileURLToPath(uri);
    const analysis = this.analyses.get(path);
    const text = this.open.get(path);
    if (!analysis || text === undefined) return undefined;
    return { path, analysis, offset: toOffset(text, position) };
  }

  /** Compile the document and publish its diagnostics (and those found in the files it imports). */
  private check(path: string): void {
    const r = compile(path, this.host, { text: this.open.get(path), verify: false });
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
      this.send({
        jsonrpc: "2.0",
        method: "textDocument/publishDiagnostics",
        params: {
          uri: pathToFileURL(file).href,
          diagnostics: ds.map((d) => ({
            range: d.span ? toRange(text, d.span.start, d.span.end) : toRange(text, 0, 0),
            severity: d.severity === "error" ? 1 : d.severity === "warning" ? 2 : 3,
            code: d.code,
            source: "mdl",
            message: d.hint ? `${d.message}\n${d.hint}` : d.message,
          })),
        },
      });
    }
  }
}

/** Serve on stdin/stdout until `exit` or the end of input. */
export function serveStdio(): void {
  const server = new LanguageServer((m) => process.stdout.write(frame(m)));
  const reader = new MessageReader((m) => {
    try {
      server.handle(m);
    } catch (err) {
      if (m.id !== undefined) process.stdout.write(frame({ jsonrpc: "2.0", id: m.id, error: { code: -32603, message: String((err as Error).message) } }));
    }
  });
  process.stdin.on("data", (chunk: Buffer) => reader.push(chunk));
  process.stdin.on("end", () => process.exit(0));
}
