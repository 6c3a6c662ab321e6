/**
 * Every block checked on its own (issue 12 point 1). The golden samples test/check/samples/error-unused-*
 * and error-blocks-only hold the exact messages per error class; here: the repo's own blocks (std,
 * CLIP, X-CLIP) raise nothing when checked generically, the divisibility they need is listed as a
 * requirement, and `mdl check` on a file of blocks or a folder reports what it finds, once, with exit 1.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolveProgram } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { checkBlocksGenerically } from "../../src/compiler/3-check/generic.ts";

const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/mdl.js", ...args], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NODE_OPTIONS: "" },
  });
const SAMPLES = "test/check/samples";

test("std, CLIP and X-CLIP blocks check generically without a false error, and list what must divide", () => {
  const files = Object.fromEntries(["models/clip.mdl", "models/xclip.mdl"].map((f) => [f, readFileSync(f, "utf8")]));
  const { value: program, diagnostics } = resolveProgram("models/xclip.mdl", memoryHost(files));
  assert.equal(diagnostics, []);
  const checked: string[] = [];
  for (const file of program.files.keys()) {
    const r = checkBlocksGenerically(program, file, new Set());
    assert.equal(
      r.diagnostics.map((d) => `${d.file}: ${d.message}`),
      [],
      `generic check of ${file}`,
    );
    checked.push(file);
    if (file === "std") assert.equal(r.requirements.get("MultiheadAttention"), ["dim / heads"]);
    if (file === "models/clip.mdl") assert.ok(r.requirements.get("VisionTransformer")?.includes("resolution / patch"));
  }
  assert.equal(checked.sort(), ["models/clip.mdl", "models/xclip.mdl", "std"]);
});

test("a symbolic shape mismatch is an error; the same block with matching widths is not", () => {
  const text = (out: string) => `import { Linear } from "std"
block B(d: int, h: int) {
  fc = Linear(d, ${out})
  forward(x: [N, d]) -> [N, d] { return x + fc(x) }
}`;
  const run = (src: string) => {
    const { value } = resolveProgram("b.mdl", memoryHost({ "b.mdl": src }));
    return checkBlocksGenerically(value, "b.mdl", new Set()).diagnostics.map((d) => d.code);
  };
  assert.equal(run(text("h")), ["MDL301"]);
  assert.equal(run(text("d")), []);
  assert.equal(run(text("2 * d / 2")), []);
});

test("what needs concrete sizes is left to instantiation: conv's spatial output, attention's default scale", () => {
  const src = (body: string) => `block B(c: int, d: int) {
  param weight: [8, c, 3, 3] = zeros
  forward(x: [N, c, H, W], q: [N, 4, d]) -> [N, 8, ...] { ${body} }
}`;
  const run = (text: string) => {
    const { value } = resolveProgram("b.mdl", memoryHost({ "b.mdl": text }));
    return checkBlocksGenerically(value, "b.mdl", new Set()).diagnostics.map((d) => d.code);
  };
  assert.equal(run(src("let a = attention(q, q, q)\n return conv2d(x, weight, stride: 2)")), []);
  // a mistake that does not hang on a size is still reported in the same block
  assert.equal(run(src("let a = attention(q, q, q)\n let b = q + weight\n return conv2d(x, weight, stride: 2)")), [
    "MDL301",
  ]);
});

test("a derived block nobody instantiates is checked as its chain merged: inherited names resolve, new mistakes do not", () => {
  const src = (extra: string) => `import { Linear, ResidualAttentionBlock } from "std"
block Adapted(r: int = 4) extends ResidualAttentionBlock {
  adapter = Linear(dim, dim)
  forward(x: [B, N, dim]) -> [B, N, dim] {
    x = x + adapter(attn(ln_1(x)))
    return x + mlp(ln_2(${extra}))
  }
}`;
  const run = (text: string) => {
    const { value } = resolveProgram("a.mdl", memoryHost({ "a.mdl": text }));
    return checkBlocksGenerically(value, "a.mdl", new Set()).diagnostics.map((d) => d.code);
  };
  assert.equal(run(src("x")), []);
  assert.equal(run(src("y")), ["MDL201"]);
});

test("mdl check on a file of blocks: the undefined name, the arity and the shape mismatch, exit 1", () => {
  const r = mdl("check", `${SAMPLES}/error-blocks-only/input.mdl`);
  assert.is(r.status, 1, r.stderr);
  for (const at of ["input.mdl:9:13: error MDL303", "input.mdl:10:24: error MDL201", "input.mdl:18:12: error MDL301"])
    assert.ok(r.stderr.includes(at), at);
  assert.match(r.stdout, /3 errors \(0 configurations\)/);
});

test("mdl check DIR checks every .mdl under it; a mistake shared by 12 layers and 4 presets is printed once", () => {
  const r = mdl("check", `${SAMPLES}/error-stack-once`, "models/variants", "--all-presets");
  assert.is(r.status, 1, r.stderr);
  assert.is(r.stderr.match(/error MDL304/g)?.length, 1, r.stderr);
  assert.match(r.stdout, /error-stack-once\/input\.mdl: 1 error/);
  assert.match(r.stdout, /models\/variants\/clip-meanpool\.mdl: ok/);
  assert.match(r.stdout, /models\/variants\/xclip-no-prompts\.mdl: ok/);
});

test.run();
