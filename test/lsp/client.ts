/** A minimal LSP client for tests: starts `mdl lsp` in a child process and speaks framed JSON-RPC to it. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { resolve } from "node:path";
import { frame, MessageReader, type Message } from "../../src/lsp/rpc.ts";

export class TestClient {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private readonly seen: Message[] = [];
  private nextId = 1;

  constructor() {
    this.child = spawn(process.execPath, [resolve("bin/mdl.js"), "lsp", "--stdio"], { stdio: "pipe" });
    const reader = new MessageReader((m) => {
      const i = this.waiting.findIndex((w) => w.match(m));
      if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m);
      else this.seen.push(m);
    });
    this.child.stdout.on("data", (c: Buffer) => reader.push(c));
  }

  /** The next message (already received or still to come) that matches. */
  next(match: (m: Message) => boolean, timeoutMs = 60_000): Promise<Message> {
    const i = this.seen.findIndex(match);
    if (i >= 0) return Promise.resolve(this.seen.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no matching message from the server")), timeoutMs);
      this.waiting.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  notify(method: string, params: unknown): void {
    this.child.stdin.write(frame({ jsonrpc: "2.0", method, params }));
  }

  async request(method: string, params: unknown): Promise<Message> {
    const id = this.nextId++;
    this.child.stdin.write(frame({ jsonrpc: "2.0", id, method, params }));
    return this.next((m) => m.id === id);
  }

  diagnostics(uri: string): Promise<Message> {
    return this.next((m) => m.method === "textDocument/publishDiagnostics" && (m.params as { uri: string }).uri === uri);
  }

  async close(): Promise<number | null> {
    await this.request("shutdown", null);
    this.notify("exit", null);
    return new Promise((r) => this.child.on("exit", (code) => r(code)));
  }
}
