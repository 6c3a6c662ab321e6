/**
 * JSON-RPC 2.0 over a byte stream with LSP's framing: `Content-Length: N\r\n\r\n` then N bytes of
 * UTF-8 JSON. Written here rather than taken from vscode-jsonrpc: the framing is twenty lines.
 */
export type Message = { jsonrpc: "2.0"; id?: number | string | null; method?: string; params?: unknown; result?: unknown; error?: { code: number; message: string } };

/** Feed chunks in; complete messages come out, in order. */
export class MessageReader {
  private buffer = Buffer.alloc(0);
  constructor(private readonly onMessage: (m: Message) => void) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString("ascii");
      const length = Number(/(?:^|\r\n)content-length:\s*(\d+)/i.exec(header)?.[1]);
      if (!Number.isFinite(length)) {
        // a header block without a length cannot be framed; drop it and resynchronise
        this.buffer = this.buffer.subarray(headerEnd + 4);
        continue;
      }
      const start = headerEnd + 4;
      if (this.buffer.length < start + length) return;
      const body = this.buffer.subarray(start, start + length).toString("utf8");
      this.buffer = this.buffer.subarray(start + length);
      this.onMessage(JSON.parse(body) as Message);
    }
  }
}

export function frame(m: Message): Buffer {
  const body = Buffer.from(JSON.stringify(m), "utf8");
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]);
}
