/**
 * The shape and cost rules of conv1d/conv2d/conv3d and pad (ops/conv.ts, ops/pad.ts) through the
 * checker: symbolic lengths where the rule can keep them, the catalogued refusal where it cannot,
 * and MACs against counts worked out here by hand. Error forms (MDL380-382) are golden samples in
 * test/check/samples/error-conv-*.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { analyze } from "../../src/compiler/4-ir/analyze.ts";
import { compileText, rendered } from "./helpers.ts";

const model = (params: string, sig: string, body: string) =>
  `model M {\n${params}\n  forward${sig} {\n    return ${body}\n  }\n}\n`;

function ok(src: string) {
  const r = compileText(src);
  assert.is(rendered(r), "");
  return r.value!;
}

test("stride 1 keeps a symbolic length: [B, 4, L] with k = 3, padding 1 -> [B, 4, L]; dilation 2, no padding -> L - 4", () => {
  ok(model("  param w: [4, 4, 3] = zeros", "(x: f32[B, 4, L]) -> [B, 4, L]", "conv1d(x, w, padding: 1)"));
  ok(model("  param w: [4, 4, 3] = zeros", "(x: f32[B, 4, L]) -> [B, 4, L - 4]", "conv1d(x, w, dilation: 2)"));
});

test("a stride that divides the symbolic span keeps it: tubelet [B, 3, 2*T, 8, 8] -> [B, 6, T, 2, 2]", () => {
  ok(
    model(
      "  param w: [6, 3, 2, 4, 4] = zeros",
      "(x: f32[B, 3, 2 * T, 8, 8]) -> [B, 6, T, 2, 2]",
      "conv3d(x, w, stride: [2, 4, 4])",
    ),
  );
});

test("a stride that does not divide a symbolic span is refused with MDL331, not guessed", () => {
  const r = compileText(
    model("  param w: [4, 4, 3] = zeros", "(x: f32[B, 4, L]) -> [B, 4, L]", "conv1d(x, w, stride: 2)"),
  );
  assert.equal(
    r.diagnostics.map((d) => d.code),
    ["MDL331"],
  );
  assert.match(r.diagnostics[0].message, /stride 2/);
});

test("pad keeps symbolic dims and adds to each; a scalar pads the last axis on both sides", () => {
  ok(model("", "(x: f32[B, 3, L]) -> [B, 5, L + 2]", "pad(x, [1, 1], [1, 1])"));
  ok(model("", "(x: f32[B, 3, L]) -> [B, 3, L + 4]", "pad(x, 2)"));
});

test("MACs: numel(out) * C/groups * kernel volume, and groups divide the count", () => {
  // conv1d: out [1, 6, 8], C/g = 2 (groups 2), k = 3 -> 6*8*2*3 = 288
  const a = ok(
    model("  param w: [6, 2, 3] = zeros", "(x: f32[1, 4, 8]) -> [1, 6, 8]", "conv1d(x, w, padding: 1, groups: 2)"),
  );
  assert.is(analyze(a).total.macs, 6 * 8 * 2 * 3);
  // conv3d tubelet: out [1, 5, 2, 2, 2], C = 3, k = 2*4*4 -> 5*8*3*32 = 3840
  const b = ok(
    model(
      "  param w: [5, 3, 2, 4, 4] = zeros",
      "(x: f32[1, 3, 4, 8, 8]) -> [1, 5, 2, 2, 2]",
      "conv3d(x, w, stride: [2, 4, 4])",
    ),
  );
  assert.is(analyze(b).total.macs, 5 * 8 * 3 * 32);
  // conv2d per-axis: [1, 2, 7, 6], k [3, 2], stride [2, 1], padding [1, 0] -> out [1, 4, 4, 5]; 4*4*5*2*6 = 960
  const c = ok(
    model(
      "  param w: [4, 2, 3, 2] = zeros",
      "(x: f32[1, 2, 7, 6]) -> [1, 4, 4, 5]",
      "conv2d(x, w, stride: [2, 1], padding: [1, 0])",
    ),
  );
  assert.is(analyze(c).total.macs, 4 * 4 * 5 * 2 * 6);
});

test("conv2d's single stride and padding still mean both axes, and the IR leaves dilation and groups out at 1", () => {
  const ir = ok(
    model(
      "  param w: [4, 2, 3, 3] = zeros",
      "(x: f32[1, 2, 7, 7]) -> [1, 4, 4, 4]",
      "conv2d(x, w, stride: 2, padding: 1)",
    ),
  );
  const conv = ir.graph.nodes.find((n) => n.op === "conv2d")!;
  assert.equal(conv.attrs, { stride: [2, 2], padding: [1, 1] });
});

test.run();
