import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { toDot } from "../../src/tools/viz/dot.ts";
import { checkXml } from "./xml.ts";

const mdl = (args: string[]) => spawnSync(process.execPath, [resolve("bin/mdl.js"), ...args], { encoding: "utf8" });
const unescape = (s: string) =>
  s
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#45;", "-")
    .replaceAll("&amp;", "&");

test("the checker itself refuses broken XML", () => {
  assert.is(checkXml('<a x="1"><b/><c>t</c></a>').root, "a");
  for (const bad of ["<a><b></a></b>", "<a>", "<a></a><b></b>", '<a x="1></a>', "text<a></a>"])
    assert.throws(() => checkXml(bad), /not well-formed/, bad);
});

test("mdl viz models/xclip.mdl writes a well-formed SVG naming every top-level module", () => {
  const out = join(mkdtempSync(join(tmpdir(), "mdl-viz-")), "xclip.svg");
  const r = mdl(["viz", "models/xclip.mdl", "-o", out]);
  assert.is(r.status, 0, r.stderr);
  const { root, text } = checkXml(readFileSync(out, "utf8"));
  assert.is(root, "svg");
  const content = unescape(text);
  for (const name of [
    "visual: CrossFrameViT",
    "mit: MIT",
    "prompts_generator: VideoSpecificPrompt",
    "project_patches: PromptVisualProjection",
    "encode_text: TextTransformer",
  ])
    assert.ok(content.includes(name), name);
  assert.ok(content.includes("f32[8*B, 768]"), "the frame features leave ln_post as it makes them");
  assert.ok(!content.includes("CrossFrameBlock ×12"), "at depth 2 the visual transformer is one box");
});

test("mdl viz at depth 3 says how many times each stack repeats", () => {
  const r = mdl(["viz", "models/xclip.mdl", "--format", "dot", "--depth", "3"]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, '"visual.transformer.resblocks" [label="resblocks: CrossFrameBlock ×12"];');
  assert.match(r.stdout, '"encode_text.transformer.resblocks" [label="resblocks: ResidualAttentionBlock ×12"];');
  assert.match(r.stdout, 'label="decoder: PromptGeneratorLayer ×2";');
});

test("the token ids' edges carry their integer dtype, and each edge the shape its producer made", () => {
  const src = `import { Embedding, Linear } from "std"
block Layer(d: int) {
  fc = Linear(d, d)
  forward(x: [N, L, d]) -> [N, L, d] { return fc(x) }
}
model Tokens(d: int = 4, v: int = 10) {
  emb = Embedding(v, d)
  layers = repeat 3 { Layer(d) }
  head = Linear(d, 2)
  # as TextTransformer picks each row's end-of-text token
  forward(ids: i64[N, 2]) -> (y: [N, 2]) { return (y: head(gather_rows(layers(emb(ids)), argmax(ids, axis: -1)))) }
}
`;
  const c = compile("tokens.mdl", memoryHost({ "tokens.mdl": src }));
  assert.ok(c.value, c.diagnostics.map((d) => d.message).join("\n"));
  const lines = toDot(c.value!, { depth: 1 })
    .split("\n")
    .map((l) => l.trim());
  assert.ok(lines.includes('"layers" [label="layers: Layer ×3"];'), lines.join("\n"));
  const edges = lines.filter((l) => l.includes("->")).sort();
  assert.equal(edges, [
    '"emb" -> "layers" [label="f32[N, 2, 4]"];',
    '"head" -> "output:y" [label="f32[N, 2]"];',
    '"input:ids" -> "emb" [label="i64[N, 2]"];',
    '"input:ids" -> "head" [label="i64[N, 2]"];', // not the f32[N, 4] rows that the ids pick
    '"layers" -> "head" [label="f32[N, 2, 4]"];', // as the stack outputs it, not as gather_rows hands it to head
  ]);
});

test("DOT of a tiny model: clusters, boxes, and shape-labelled edges through glue ops", () => {
  const src = `import { Linear, LayerNorm } from "std"
block Body(d: int) {
  norm = LayerNorm(d)
  fc = Linear(d, d)
  forward(x: [N, d]) -> [N, d] { return x + fc(norm(x)) }
}
model Tiny(d: int = 4) {
  body = Body(d)
  head = Linear(d, 2)
  forward(x: f32[N, d]) -> (y: [N, 2]) { return (y: head(body(x) * 2.0)) }
}
`;
  const ir = compile("tiny.mdl", memoryHost({ "tiny.mdl": src })).value!;
  const dot = toDot(ir, { depth: 2 });
  const lines = dot.split("\n").map((l) => l.trim());
  for (const n of [
    '"body.norm" [label="norm: LayerNorm"];',
    '"body.fc" [label="fc: Linear"];',
    '"head" [label="head: Linear"];',
    'label="body: Body";',
  ])
    assert.ok(lines.includes(n), n);
  const edges = lines.filter((l) => l.includes("->")).sort();
  assert.equal(edges, [
    '"body.fc" -> "head" [label="f32[N, 4]"];', // through body's residual add and the model's scaling
    '"body.norm" -> "body.fc" [label="f32[N, 4]"];',
    '"head" -> "output:y" [label="f32[N, 2]"];',
    '"input:x" -> "body.norm" [label="f32[N, 4]"];',
    '"input:x" -> "head" [label="f32[N, 4]"];', // the residual carries the input past body.fc
  ]);
  const shallow = toDot(ir, { depth: 1 })
    .split("\n")
    .filter((l) => l.includes("->"))
    .map((l) => l.trim())
    .sort();
  assert.equal(shallow, [
    '"body" -> "head" [label="f32[N, 4]"];',
    '"head" -> "output:y" [label="f32[N, 2]"];',
    '"input:x" -> "body" [label="f32[N, 4]"];',
  ]);
});

test.run();
