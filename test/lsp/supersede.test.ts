/**
 * A diagnostics run that an edit supersedes while it compiles never publishes. The server runs in this
 * process on in-memory streams so that the second edit can be delivered at a known moment: while the
 * first edit's text is being compiled (the host's first file read). Over a real pipe that moment
 * cannot be chosen from outside the server; the handling after the compile is the same.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-languageserver-protocol/node";
import { createConnection } from "vscode-languageserver/node";
import { startServer } from "../../src/lsp/server.ts";

const XCLIP = resolve("models/xclip.mdl");
const uri = pathToFileURL(XCLIP).href;
const text = readFileSync(XCLIP, "utf8");
const broken = text.replace("mlp = MLP(d, 4 * d)", "mlp = MLPP(d, 4 * d)");

const toServer = new PassThrough();
const toClient = new PassThrough();
const ws = startServer(createConnection(new StreamMessageReader(toServer), new StreamMessageWriter(toClient)));
const client = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
const published: { version?: number; codes: string[] }[] = [];
client.onNotification("textDocument/publishDiagnostics", (p: any) => {
  if (p.uri === uri) published.push({ version: p.version, codes: p.diagnostics.map((d: any) => d.code) });
});
client.listen();

/** One message framed as on the wire, written straight into the server's input. */
const frame = (method: string, params: unknown) => {
  const body = Buffer.from(JSON.stringify({ jsonrpc: "2.0", method, params }), "utf8");
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, "ascii"), body]);
};
const settle = async () => {
  // the answer to a request comes after every run for the edits sent before it
  await client.sendRequest("textDocument/hover", { textDocument: { uri }, position: { line: 0, character: 0 } });
};

test.before(async () => {
  await client.sendRequest("initialize", { processId: null, rootUri: null, capabilities: {} });
  await client.sendNotification("initialized", {});
  await client.sendNotification("textDocument/didOpen", { textDocument: { uri, languageId: "mdl", version: 1, text } });
  await settle();
});

test("an edit that arrives while the previous text compiles: the stale run publishes nothing", async () => {
  published.length = 0;
  const read = ws.host.readFile;
  let injected = false;
  ws.host.readFile = (p) => {
    // the first read of the check for version 2: version 3 arrives now, mid-compile
    if (!injected && p === XCLIP) {
      injected = true;
      toServer.write(
        frame("textDocument/didChange", { textDocument: { uri, version: 3 }, contentChanges: [{ text }] }),
      );
    }
    return read(p);
  };
  await client.sendNotification("textDocument/didChange", {
    textDocument: { uri, version: 2 },
    contentChanges: [{ text: broken }],
  });
  await settle();
  ws.host.readFile = read;
  assert.ok(injected, "the second edit was delivered during the first check");
  assert.equal(published, [{ version: 3, codes: [] }]);
});

test("without a newer edit, each edit's diagnostics are published", async () => {
  published.length = 0;
  await client.sendNotification("textDocument/didChange", {
    textDocument: { uri, version: 4 },
    contentChanges: [{ text: broken }],
  });
  await settle();
  assert.is(published.length, 1);
  assert.is(published[0].version, 4);
  assert.ok(published[0].codes.length > 0, "the unknown block is reported");
});

test.after(() => {
  client.dispose();
  toServer.end();
});

test.run();
