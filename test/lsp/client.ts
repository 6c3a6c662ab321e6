/**
 * An LSP client for tests: starts `mdl lsp` in a child process and talks to it through the protocol
 * library's node connection (vscode-languageserver-protocol), as an editor's client does.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { resolve } from "node:path";
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
} from "vscode-languageserver-protocol/node";

export interface Message {
  id?: number;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

export class TestClient {
  private readonly child: ChildProcessWithoutNullStreams;
  /** The server's process id (benchmarks read its CPU time from /proc). */
  get pid(): number | undefined {
    return this.child.pid;
  }
  readonly connection: ProtocolConnection;
  private readonly waiting: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private readonly seen: Message[] = [];

  constructor() {
    this.child = spawn(process.execPath, [resolve("bin/mdl.js"), "lsp", "--stdio"], { stdio: "pipe" });
    this.connection = createProtocolConnection(
      new StreamMessageReader(this.child.stdout),
      new StreamMessageWriter(this.child.stdin),
    );
    // diagnostics are queued until a test asks for them
    const method = "textDocument/publishDiagnostics";
    this.connection.onNotification(method, (params: unknown) => {
      const m: Message = { method, params };
      const i = this.waiting.findIndex((w) => w.match(m));
      if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m);
      else this.seen.push(m);
    });
    this.connection.listen();
  }

  /** The next notification (already received or still to come) that matches. */
  next(match: (m: Message) => boolean, timeoutMs = 60_000): Promise<Message> {
    const i = this.seen.findIndex(match);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no matching message from the server")), timeoutMs);
      this.waiting.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  notify(method: string, params: unknown): void {
    void this.connection.sendNotification(method, params);
  }

  /**
   * Several notifications in one write to the server's stdin, so that the server reads them together, as
   * it does when an editor sends edits faster than they are checked. (Sent one by one, a loaded machine
   * may deliver the second only after the server has checked and published the first, which is right.)
   */
  notifyTogether(messages: { method: string; params: unknown }[]): void {
    const frames = messages.map(({ method, params }) => {
      const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", method, params }), "utf8");
      return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]);
    });
    this.child.stdin.write(Buffer.concat(frames));
  }

  /** A request's answer as `{ result }`, or `{ error }` when the server refused it. */
  async request(method: string, params: unknown): Promise<Message> {
    try {
      return { result: await this.connection.sendRequest(method, params) };
    } catch (err) {
      return { error: { code: (err as { code?: number }).code ?? 0, message: (err as Error).message } };
    }
  }

  /** Drop the diagnostics of `uri` received so far (after a request, which the server answers once every run before it is done). */
  discard(uri: string): void {
    for (let i = this.seen.length - 1; i >= 0; i--)
      if ((this.seen[i].params as { uri?: string }).uri === uri) this.seen.splice(i, 1);
  }

  diagnostics(uri: string): Promise<Message> {
    return this.next(
      (m) => m.method === "textDocument/publishDiagnostics" && (m.params as { uri: string }).uri === uri,
    );
  }

  /**
   * The diagnostics published for a given version of a document. Those for earlier versions are dropped:
   * when edits come one by one, a loaded server may rightly check and publish each before the next arrives.
   */
  async diagnosticsOf(uri: string, version: number): Promise<Message> {
    for (;;) {
      const m = await this.diagnostics(uri);
      if ((m.params as { version?: number }).version === version) return m;
    }
  }

  async close(): Promise<number | null> {
    const exited = new Promise<number | null>((r) => this.child.on("exit", (code) => r(code)));
    await this.request("shutdown", null);
    this.notify("exit", null);
    const code = await exited;
    this.connection.dispose();
    return code;
  }
}
