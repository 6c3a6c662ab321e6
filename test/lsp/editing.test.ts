/**
 * The language server while a file is being edited, through a real client connection: the diagnostics
 * after each edit are exactly what `mdl check` reports for that text (the same compile, with the IR
 * verification on), edits received together are checked once, for the last (an edit arriving during a
 * check is in supersede.test.ts), a cancelled request is answered
 * with RequestCancelled, and a file with a shape error still gets inlay shapes and hover for the parts
 * that checked.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CancellationTokenSource } from "vscode-languageserver-protocol/node";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { TestClient } from "./client.ts";

const XCLIP = resolve("models/xclip.mdl");
const uri = pathToFileURL(XCLIP).href;
const text = readFileSync(XCLIP, "utf8");
const pos = (t: string, needle: string, shift = 0) => {
  const i = t.indexOf(needle) + shift;
  const before = t.slice(0, i);
  return { line: before.split("\n").length - 1, character: i - (before.lastIndexOf("\n") + 1) };
};
const edits = {
  "shape error in the model's forward": text.replace("[B, frames, grid * grid, embed]", "[B, frames, grid * grid + 1, embed]"),
  "unknown block": text.replace("mlp = MLP(d, 4 * d)", "mlp = MLPP(d, 4 * d)"),
  "syntax error": text.replace("let m = reshape(", "let m = reshape(("),
  "hyperparameter of the wrong type": text.replace("layers: int = 12,", 'layers: int = "twelve",'),
  "clean again": text,
  "shape error in a block": text.replace("reshape(m, [B * T, 1, d])", "reshape(m, [B * T, 2, d])"),
};

const c = new TestClient();
let version = 1;
const didChange = (t: string) => ({ method: "textDocument/didChange", params: { textDocument: { uri, version: ++version }, contentChanges: [{ text: t }] } });
const change = (t: string) => {
  const { method, params } = didChange(t);
  c.notify(method, params);
};

test.before(async () => {
  await c.request("initialize", { processId: null, rootUri: null, capabilities: {} });
  c.notify("initialized", {});
  c.notify("textDocument/didOpen", { textDocument: { uri, languageId: "mdl", version, text } });
  await c.diagnostics(uri);
});
test.after(async () => void (await c.close()));

test("after each edit the diagnostics are mdl check's for that text", async () => {
  for (const [what, t] of Object.entries(edits)) {
    change(t);
    const got = ((await c.diagnosticsOf(uri, version)).params as any).diagnostics.map((d: any) => ({ code: d.code, start: d.range.start, end: d.range.end, message: d.message }));
    // what `mdl check models/xclip.mdl` compiles: the default configuration, the IR verified
    const want = compile(XCLIP, fsHost, { text: t }).diagnostics.map((d) => ({
      code: d.code,
      start: pos(t, "", d.span!.start),
      end: pos(t, "", d.span!.end),
      message: d.hint ? `${d.message}\n${d.hint}` : d.message,
    }));
    assert.equal(got, want, what);
    assert.is(got.length > 0, what !== "clean again", `${what}: ${got.length} diagnostics`);
  }
});

test("two edits received together are checked as one: one answer, for the last", async () => {
  // both edits reach the server before it has checked the first
  c.notifyTogether([didChange(edits["unknown block"]), didChange(text)]);
  const d = (await c.diagnostics(uri)).params as any;
  assert.is(d.version, version);
  assert.equal(d.diagnostics, []);
});

test("a request cancelled while the server is busy is answered with RequestCancelled", async () => {
  change(edits["hyperparameter of the wrong type"]);
  const source = new CancellationTokenSource();
  const hover = c.connection.sendRequest("textDocument/hover", { textDocument: { uri }, position: pos(text, "mit = MIT", 1) }, source.token);
  source.cancel();
  const err = await hover.then(() => undefined, (e: { code?: number }) => e);
  assert.is(err?.code, -32800, "RequestCancelled");
  change(text);
  await c.diagnosticsOf(uri, version);
});

test("with a shape error, the parts that checked keep their inlay shapes and hover", async () => {
  const t = edits["shape error in the model's forward"];
  change(t);
  assert.is(((await c.diagnosticsOf(uri, version)).params as any).diagnostics[0].code, "MDL330");
  const range = { start: { line: 0, character: 0 }, end: { line: t.split("\n").length, character: 0 } };
  const hints = (await c.request("textDocument/inlayHint", { textDocument: { uri }, range })).result as any[];
  const labelAt = (needle: string, shift: number) => hints.find((h) => h.kind === 1 && h.position.line === pos(t, needle).line && h.position.character === pos(t, needle, shift).character)?.label;
  assert.is(labelAt("let v = mit", 5), ": f32[B, 512]");
  assert.is(labelAt("let m = reshape", 5), ": f32[B, 8, 768]");
  // `p` is the broken reshape: no shape for it
  assert.is(labelAt("let p = mean", 5), undefined);
  const h = (await c.request("textDocument/hover", { textDocument: { uri }, position: pos(t, "  mit = MIT", 3) })).result as any;
  assert.match(h.contents.value, /output `f32\[B, 512\]`/);
});

test.run();
