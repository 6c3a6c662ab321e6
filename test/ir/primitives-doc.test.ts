import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { opNames } from "../../src/compiler/ops/table.ts";
import { primitivesDoc } from "../../src/tools/docs/primitives.ts";
import { stdReference } from "../../src/tools/docs/std-blocks.ts";
import { STD_SOURCE } from "../../src/compiler/std/std-source.ts";

test("docs/primitives.md matches the op table and std.mdl (regenerate: npm run gen)", () => {
  assert.fixture(readFileSync("docs/primitives.md", "utf8"), primitivesDoc());
});

test("the page has a section per op and one per std block", () => {
  const doc = primitivesDoc();
  for (const op of opNames) assert.ok(doc.includes(`## \`${op}\``), op);
  const declared = [...STD_SOURCE.matchAll(/^block\s+(\w+)/gm)].map((m) => m[1]);
  const blocks = stdReference();
  assert.equal(
    blocks.map((b) => b.name),
    declared,
  );
  for (const b of blocks) assert.ok(doc.includes(`## \`${b.name}(`), b.name);
});

test("a std block's entry: hyperparameters, signature, parameter shapes, count formula, example cost", () => {
  const conv = stdReference().find((b) => b.name === "Conv1d")!;
  assert.is(
    conv.hyper,
    "in_channels: int, out_channels: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1, groups: int = 1, has_bias: bool = true",
  );
  assert.is(
    conv.forward,
    "(x: [N, in_channels, L]) -> [N, out_channels, (L + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1]",
  );
  assert.equal(conv.params, [
    "weight: [out_channels, in_channels / groups, kernel] = uniform(-bound, bound)",
    "bias: [out_channels] = uniform(-bound, bound) if has_bias",
  ]);
  assert.is(conv.count, "out_channels * (in_channels / groups) * kernel + out_channels [if has_bias]");
  // depthwise Conv1d(512, 512, 3, padding 1) on 8 frames: 512 * 3 + 512 parameters; 512 * 8 outputs * 3 taps
  assert.equal([conv.example.params, conv.example.macs], [512 * 3 + 512, 512 * 8 * 3]);
  const vit = stdReference().find((b) => b.name === "Conv2d")!;
  // ViT-B/32's patch embedding: 768 * 3 * 32 * 32 weights; 7 * 7 patches * 768 * 3072
  assert.equal([vit.example.params, vit.example.macs], [768 * 3 * 32 * 32, 49 * 768 * 3072]);
  const mha = stdReference().find((b) => b.name === "MultiheadAttention")!;
  assert.equal(mha.members, ["out_proj = Linear(dim, dim)"]);
  assert.is(mha.count, "(3 * dim) * dim + (3 * dim) + params(out_proj)");
});

test.run();
