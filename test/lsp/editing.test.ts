/**
 * The language server while a file is being edited, through a real client connection: the diagnostics
 * after each edit are exactly what `mdl check` reports for that text (the same compile, with the IR
 * verification on), edits received together are checked once, for the last (an edit arriving during a
 * check is in supersede.test.ts), a cancelled request is answered
 * with RequestCancelled, a file with a shape error still gets inlay shapes and hover for the parts
 * that checked, and after a syntax error the declarations it is not in keep what the last check gave
 * them, except what the edited declarations may have changed.
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
  "shape error in the model's forward": text.replace(
    "[B, frames, grid * grid, embed]",
    "[B, frames, grid * grid + 1, embed]",
  ),
  "unknown block": text.replace("mlp = MLP(d, 4 * d)", "mlp = MLPP(d, 4 * d)"),
  "syntax error": text.replace("let m = reshape(", "let m = reshape(("),
  "hyperparameter of the wrong type": text.replace("layers: int = 12,", 'layers: int = "twelve",'),
  "clean again": text,
  "shape error in a block": text.replace("reshape(m, [B * T, 1, d])", "reshape(m, [B * T, 2, d])"),
};

const c = new TestClient();
let version = 1;
const didChange = (t: string) => ({
  method: "textDocument/didChange",
  params: { textDocument: { uri, version: ++version }, contentChanges: [{ text: t }] },
});
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
    const got = ((await c.diagnosticsOf(uri, version)).params as any).diagnostics.map((d: any) => ({
      code: d.code,
      start: d.range.start,
      end: d.range.end,
      message: d.message,
    }));
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
  const hover = c.connection.sendRequest(
    "textDocument/hover",
    { textDocument: { uri }, position: pos(text, "mit = MIT", 1) },
    source.token,
  );
  source.cancel();
  const err = await hover.then(
    () => undefined,
    (e: { code?: number }) => e,
  );
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
  const labelAt = (needle: string, shift: number) =>
    hints.find(
      (h) =>
        h.kind === 1 &&
        h.position.line === pos(t, needle).line &&
        h.position.character === pos(t, needle, shift).character,
    )?.label;
  assert.is(labelAt("let v = mit", 5), ": f32[B, 512]");
  assert.is(labelAt("let m = reshape", 5), ": f32[B, 8, 768]");
  // `p` is the broken reshape: no shape for it
  assert.is(labelAt("let p = mean", 5), undefined);
  const h = (await c.request("textDocument/hover", { textDocument: { uri }, position: pos(t, "  mit = MIT", 3) }))
    .result as any;
  assert.match(h.contents.value, /output `f32\[B, 512\]`/);
});

const everywhere = (t: string) => ({
  start: { line: 0, character: 0 },
  end: { line: t.split("\n").length, character: 0 },
});
const hintsOf = async (t: string) =>
  ((await c.request("textDocument/inlayHint", { textDocument: { uri }, range: everywhere(t) })).result as any[]).map(
    (h) => `${h.position.line}:${h.position.character} ${h.label}`,
  );
const lineOf = (t: string, needle: string) => pos(t, needle).line;

test("after a syntax error, the declarations it is not in keep their hints, hover and definitions; nothing computed from what changed does", async () => {
  change(text);
  await c.diagnosticsOf(uri, version);
  const clean = await hintsOf(text);
  // an unfinished line in MIT's forward, one line more: every later declaration moves down
  const at = "forward(c: [B, T, d]) -> [B, d] {";
  const t = text.replace(at, `${at}\n    let z = (`);
  change(t);
  assert.is(((await c.diagnosticsOf(uri, version)).params as any).diagnostics[0].code, "MDL101");
  // what must go: the hints in MIT's forward (its members, before it, keep their hyperparameter values),
  // and the shapes the model computes from mit's output (`v`, `similarity`)
  const [mit, next] = [lineOf(text, at), lineOf(text, "block CrossAttention(")];
  const fromMit = [lineOf(text, "let v = mit("), lineOf(text, "let similarity =")];
  const kept = clean.filter((h) => {
    const [line, label] = [Number(h.split(":")[0]), h.split(" ").slice(1).join(" ")];
    return !(line >= mit && line < next) && !(fromMit.includes(line) && label.startsWith(": "));
  });
  const moved = kept.map((h) => {
    const [line, rest] = [Number(h.split(":")[0]), h.slice(h.indexOf(":"))];
    return `${line > lineOf(text, at) ? line + 1 : line}${rest}`;
  });
  assert.ok(clean.length - kept.length >= 5 && kept.length > 100, `${clean.length} hints, ${kept.length} kept`);
  assert.equal(await hintsOf(t), moved);
  const hover = async (needle: string, shift: number) =>
    ((await c.request("textDocument/hover", { textDocument: { uri }, position: pos(t, needle, shift) })).result as any)
      ?.contents.value;
  assert.match(await hover("  visual = CrossFrameViT", 3), /output `f32\[8\*B, 512\]`/);
  assert.is(await hover("  mit = MIT", 3), "**mit**: `MIT`"); // no output type or cost: its forward changed
  assert.is(await hover("let t = broadcast", 4), "`t`: `f32[B, K, 512]`");
  assert.is(await hover("let v = mit", 4), undefined);
  const def = (
    await c.request("textDocument/definition", {
      textDocument: { uri },
      position: pos(t, "cross_attn = CrossAttention", 15),
    })
  ).result as any;
  assert.equal(def.range.start, pos(t, "block CrossAttention", 6));

  // while MIT is still broken, CrossFrameBlock changes too: its text is no longer the one last checked,
  // so it and the visual encoder's values after its blocks lose their hints; CrossFrameViT's first lines keep theirs
  const t2 = t.replace("mlp = MLP(d, 4 * d)", "mlp = MLP(d, 2 * d)");
  change(t2);
  await c.diagnosticsOf(uri, version);
  const after = await hintsOf(t2);
  const lines = (from: string, to: string) =>
    after.filter((h) => Number(h.split(":")[0]) >= lineOf(t2, from) && Number(h.split(":")[0]) < lineOf(t2, to));
  assert.equal(lines("block CrossFrameBlock(", "block CrossFrameViT("), []);
  const vit = lines("block CrossFrameViT(", "block MIT(").filter((h) => h.includes(": f32"));
  assert.equal(
    vit.map((h) => h.slice(h.indexOf(" ") + 1)),
    [": f32[8*B, 49, 768]", ": f32[8*B, 50, 768]"],
  );
  assert.not.ok(after.some((h) => Number(h.split(":")[0]) === lineOf(t2, "let (cls, patches)") && h.includes(": f32")));
  assert.ok(
    after.some((h) => Number(h.split(":")[0]) === lineOf(t2, "let t = broadcast") && h.endsWith(": f32[B, K, 512]")),
  );

  // typing passes through unknown names (no IR either) and syntax errors: both keep the last IR's hints
  // for what they do not touch; CrossFrameBlock, being typed in, and what its instances compute show none
  change(text);
  await c.diagnosticsOf(uri, version);
  for (const t3 of [
    text.replace("mlp = MLP(d, 4 * d)", "mlp = M(d, 4 * d)"),
    text.replace("mlp = MLP(d, 4 * d)", "mlp = M(d, 4 *"),
  ]) {
    change(t3);
    assert.match(((await c.diagnosticsOf(uri, version)).params as any).diagnostics[0].code, /^MDL[12]/);
    const hints = await hintsOf(t3);
    const on = (needle: string) =>
      hints
        .filter((h) => Number(h.split(":")[0]) === lineOf(t3, needle) && h.includes(": f32"))
        .map((h) => h.slice(h.indexOf(" ") + 1));
    assert.equal(on("let m = reshape"), []);
    assert.equal(on("let (cls, patches)"), []);
    assert.equal(on("let t = broadcast"), [": f32[B, K, 512]"]);
    // the prompt generator's cross-attention is called with the visual encoder's patches: its symbols are
    // bound from them, so even `qh`, computed from the text side only, may change; its hyperparameters not
    assert.equal(on("let qh = transpose"), []);
    assert.equal(
      hints
        .filter((h) => Number(h.split(":")[0]) === lineOf(t3, "q_proj = TruncNormalLinear(d, d"))
        .map((h) => h.slice(h.indexOf(" ") + 1)),
      ["= 512", "= 512"],
    );
  }
});

test("a syntax error in the model's forward: every instance keeps its hyperparameter values, no shape stays", async () => {
  change(text);
  await c.diagnosticsOf(uri, version);
  const clean = await hintsOf(text);
  const at = "let v = mit(reshape(cls, [B, frames, embed]))";
  const t = text.replace(at, "let v = mit(reshape(cls, [B, frames, embed])");
  change(t);
  assert.is(((await c.diagnosticsOf(uri, version)).params as any).diagnostics[0].code, "MDL101");
  const forward = lineOf(text, "forward(video:");
  const values = clean.filter((h) => h.includes(" = ") && Number(h.split(":")[0]) < forward);
  assert.ok(values.length > 100, `${values.length} values`);
  assert.equal(await hintsOf(t), values);
  // the text before the model's forward changes: nothing of the model's instances is known
  const header = t.replace("layers: int = 12,", "layers: int = (12,");
  change(header);
  await c.diagnosticsOf(uri, version);
  assert.equal(await hintsOf(header), []);
});

test("a stray bracket anywhere: every hint shown is one the text without it shows at the same place", async () => {
  change(text);
  await c.diagnosticsOf(uri, version);
  const clean = new Set(await hintsOf(text));
  let shown = 0;
  for (let k = 1; k <= 12; k++) {
    // twelve places spread over the file, each a line of its own so later hints move down a line
    const i = text.indexOf("\n", Math.floor((text.length * k) / 13));
    const t = `${text.slice(0, i)}\n  (${text.slice(i)}`;
    change(t);
    await c.diagnosticsOf(uri, version);
    const at = text.slice(0, i).split("\n").length; // the inserted line
    for (const h of await hintsOf(t)) {
      const line = Number(h.split(":")[0]);
      assert.is.not(line, at);
      assert.ok(
        clean.has(`${line > at ? line - 1 : line}${h.slice(h.indexOf(":"))}`),
        `stray bracket on line ${at}: ${h}`,
      );
      shown++;
    }
  }
  assert.ok(shown > 12 * 40, `${shown} hints`);
});

test("a declaration being typed above another one, which the parser's recovery then loses, keeps the other's definition and hints", async () => {
  change(text);
  await c.diagnosticsOf(uri, version);
  const t = text.replace("block CrossAttention(", "block\nblock CrossAttention(");
  change(t);
  assert.is(((await c.diagnosticsOf(uri, version)).params as any).diagnostics[0].code, "MDL101");
  const def = (
    await c.request("textDocument/definition", {
      textDocument: { uri },
      position: pos(t, "cross_attn = CrossAttention", 15),
    })
  ).result as any;
  assert.equal(def?.range.start, pos(t, "block CrossAttention", 6));
  const qh = (await hintsOf(t)).filter(
    (h) => Number(h.split(":")[0]) === lineOf(t, "let qh = transpose") && h.includes(": f32"),
  );
  assert.equal(
    qh.map((h) => h.slice(h.indexOf(" ") + 1)),
    [": f32[B, 8, K, 64]"],
  );
});

test("after a syntax error, a block named in the changed text shows no hints: which of its instances comes first is not known", async () => {
  const file = pathToFileURL(resolve("models/carry-over-in-editor.mdl")).href;
  const src = [
    'import { Linear } from "std"',
    "block Proj(d: int) {",
    "  fc = Linear(d, d)",
    "  forward(x: [N, d]) -> [N, d] {",
    "    let y = fc(x)",
    "    return y",
    "  }",
    "}",
    "block Head(d: int) {",
    "  forward(x: [N, d]) -> [N, d] { return x }",
    "}",
    "block Wrap(d: int) {",
    "  p = Proj(d)",
    "  forward(x: [N, d]) -> [N, d] { return p(x) }",
    "}",
    "model M {",
    "  h = Head(4)",
    "  w = Wrap(4)",
    "  forward(x: f32[N, 4]) -> (y: [N, 4]) {",
    "    let z = w(h(x))",
    "    return (y: z)",
    "  }",
    "}",
    "",
  ].join("\n");
  const hints = async (t: string) =>
    (
      (await c.request("textDocument/inlayHint", { textDocument: { uri: file }, range: everywhere(t) })).result as any[]
    ).map((h) => `${h.position.line} ${h.label}`);
  c.notify("textDocument/didOpen", { textDocument: { uri: file, languageId: "mdl", version: 1, text: src } });
  assert.equal(((await c.diagnosticsOf(file, 1)).params as any).diagnostics, []);
  const clean = await hints(src);
  assert.ok(
    clean.includes("4 : f32[N, 4]") &&
      clean.includes("2 = 4") &&
      clean.includes("12 = 4") &&
      clean.includes("19 : f32[N, 4]"),
    clean.join(" | "),
  );
  // Head, half typed, may get an instance of Proj before Wrap's: Proj's hints (d = 4 from w.p) might then be h.p's
  const broken = src.replace("block Head(d: int) {\n", "block Head(d: int) {\n  p = Proj(8\n");
  c.notify("textDocument/didChange", { textDocument: { uri: file, version: 2 }, contentChanges: [{ text: broken }] });
  assert.is(((await c.diagnosticsOf(file, 2)).params as any).diagnostics[0].code, "MDL101");
  const after = await hints(broken);
  assert.equal(
    after.filter((h) => Number(h.split(" ")[0]) < 8),
    [],
  );
  assert.ok(after.includes("13 = 4"), after.join(" | ")); // Wrap's `p = Proj(d)`, one line lower
  assert.not.ok(
    after.some((h) => h.startsWith("20 :")),
    after.join(" | "),
  );
  // a model being typed above M may become the file's first model, the one compiled: then none of M's
  // instances exist, so no hint carries over
  const another = src.replace(
    "model M {",
    "model First(d: int = 2) {\n  forward(x: f32[K, d]) -> (y: [K, d]) { return (y: x\nmodel M {",
  );
  c.notify("textDocument/didChange", { textDocument: { uri: file, version: 3 }, contentChanges: [{ text: another }] });
  assert.is(((await c.diagnosticsOf(file, 3)).params as any).diagnostics[0].code, "MDL101");
  assert.equal(await hints(another), []);
});

test.run();
