/**
 * Issue 12 points 3, 4, 6, 7 at the compiler: edits of what a variant replaced, edits by index and pattern,
 * derived blocks whose parameter keys are their base's, command-line blocks from any imported file, and
 * hyperparameters bound from input shapes. Expected values come from the models' own declarations.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { compile, type CompileOptions } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { MODELS, rendered } from "../compiler/helpers.ts";

const files = {
  ...MODELS,
  "models/variants/clip-meanpool.mdl": readFileSync("models/variants/clip-meanpool.mdl", "utf8"),
};
const build = (entry: string, opts: CompileOptions, extra: Record<string, string> = {}) =>
  compile(entry, memoryHost({ ...files, ...extra }), opts);
const clean = (r: ReturnType<typeof build>) => {
  assert.is(rendered(r), "");
  return r.value!;
};
const MEANPOOL = "models/variants/clip-meanpool.mdl";

test("point 3: --replace of a member the variant already replaced replaces the current one", () => {
  const ir = clean(build(MEANPOOL, { preset: "tiny", replace: [["mit", "MeanPool(frames, embed)"]] }));
  const mit = ir.modules.find((m) => m.path === "mit")!;
  assert.equal([mit.block, mit.replaced?.from, mit.hyper], ["MeanPool", "MIT", { T: 8, d: 64 }]);
  // the command line wins over the variant: MIT back in place of the variant's MeanPool
  const back = clean(build(MEANPOOL, { preset: "tiny", replace: [["mit", "MIT(frames, embed, 1)"]] }));
  assert.is(back.modules.find((m) => m.path === "mit")!.block, "MIT");
  assert.ok(back.params.some((p) => p.path === "mit.positional_embedding"));
});

test("point 4: one layer of X-CLIP's vision stack by index, from the command line, keeps its keys", () => {
  const base = clean(build("models/xclip.mdl", { preset: "tiny" }));
  const ir = clean(
    build("models/xclip.mdl", {
      preset: "tiny",
      replace: [["visual.transformer.resblocks.1", "ResidualAttentionBlock(width)"]],
    }),
  );
  const blocks = ir.modules.filter((m) => /^visual\.transformer\.resblocks\.\d+$/.test(m.path)).map((m) => m.block);
  assert.equal(blocks, ["CrossFrameBlock", "ResidualAttentionBlock"]);
  // the replaced layer loses exactly its message_* (cross-frame) parameters; every other key is unchanged
  const keys = (x: typeof ir) => new Set(x.params.map((p) => p.path));
  const lost = [...keys(base)].filter((k) => !keys(ir).has(k));
  assert.ok(
    lost.length > 0 && lost.every((k) => k.startsWith("visual.transformer.resblocks.1.message_")),
    lost.join(" "),
  );
  assert.equal(
    [...keys(ir)].filter((k) => !keys(base).has(k)),
    [],
  );
});

test("point 4: `*` and `**` patterns on the command line; a pattern that matches nothing is located", () => {
  const ir = clean(
    build("models/xclip.mdl", {
      preset: "tiny",
      replace: [["visual.transformer.resblocks.*", "ResidualAttentionBlock(width)"]],
      remove: ["**.prompts_generator"],
    }),
  );
  assert.equal(
    ir.modules.filter((m) => m.replaced).map((m) => m.path),
    ["visual.transformer.resblocks.0", "visual.transformer.resblocks.1"],
  );
  assert.not.ok(ir.modules.some((m) => m.path === "prompts_generator"));
  const bad = build("models/xclip.mdl", {
    preset: "tiny",
    replace: [["visual.*.resblocks.9", "ResidualAttentionBlock(width)"]],
  });
  assert.match(rendered(bad), "error MDL211: `XCLIP` has no sub-module or parameter `visual.*.resblocks.9`");
});

test("point 4: a derived block's inherited parameters have its base's keys and shapes", () => {
  const text = (block: string) => `import { Linear, ResidualAttentionBlock } from "std"
block AdapterBlock(r: int = 2) extends ResidualAttentionBlock {
  adapter = Linear(dim, r)
  up = Linear(r, dim)
  forward(x: [B, N, dim]) -> [B, N, dim] {
    x = x + up(adapter(attn(ln_1(x))))
    return x + mlp(ln_2(x))
  }
}
model M { layer = ${block}(8, heads: 2) forward(x: [1, 3, 8]) -> [1, 3, 8] { return layer(x) } }`;
  const plain = clean(build("m.mdl", {}, { "m.mdl": text("ResidualAttentionBlock") }));
  const derived = clean(build("m.mdl", {}, { "m.mdl": text("AdapterBlock") }));
  const shapes = (ir: typeof plain) => new Map(ir.params.map((p) => [p.path, p.shape.join("x")]));
  const d = shapes(derived);
  for (const [k, s] of shapes(plain)) assert.is(d.get(k), s, k);
  assert.equal(
    [...d.keys()].filter((k) => !shapes(plain).has(k)),
    ["layer.adapter.weight", "layer.adapter.bias", "layer.up.weight", "layer.up.bias"],
  );
  assert.equal(derived.modules.find((m) => m.path === "layer")!.hyper, { dim: 8, heads: 2, causal: false, r: 2 });
});

test("point 6: --replace names a block of a file the entry imports, even one it does not import by name", () => {
  const extra = {
    "v/pools.mdl": `import { MeanPool } from "std"\nblock MaxishPool(T: int, d: int) { forward(x: [B, T, d]) -> [B, d] { return max(x, axis: 1) } }\nblock Unused() {}`,
    "v/entry.mdl": `import { XCLIP } from "../models/xclip.mdl"\nimport { Unused } from "./pools.mdl"\nmodel V extends XCLIP {}`,
  };
  const ir = clean(build("v/entry.mdl", { preset: "tiny", replace: [["mit", "MaxishPool(frames, embed)"]] }, extra));
  assert.is(ir.modules.find((m) => m.path === "mit")!.block, "MaxishPool");
});

test("point 7: a 4-frame input binds frames = 4 once MIT is gone; a given value that disagrees is located", () => {
  const inputs = { file: "in.safetensors", shapes: new Map([["video", [2, 4, 3, 32, 32]]]) };
  const ir = clean(build(MEANPOOL, { preset: "tiny", inputs }));
  assert.equal(
    ir.hyper.find((h) => h.name === "frames"),
    { name: "frames", type: "int", value: 4, source: "input", origin: "in.safetensors" },
  );
  assert.equal(ir.graph.inputs.find((i) => i.name === "video")!.type.shape.slice(1), [4, 3, 32, 32]);
  const given = build(MEANPOOL, { preset: "tiny", inputs, set: [["frames", "8"]] });
  const forwardLine =
    readFileSync("models/xclip.mdl", "utf8")
      .split("\n")
      .findIndex((l) => l.includes("forward(video: f32[B, frames")) + 1;
  assert.is(
    rendered(given).split("\n")[0],
    `models/xclip.mdl:${forwardLine}:25: error MDL314: \`frames\` is 8 (--set), but \`input.video\` with shape [2, 4, 3, 32, 32] implies frames = 4`,
  );
});

test.run();
