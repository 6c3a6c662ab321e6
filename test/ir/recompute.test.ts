/** `recompute` in the source and --recompute on the command line mark the same modules in the IR. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { compile, type CompileOptions } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { renderAll } from "../../src/compiler/diagnostics/render.ts";
import { matchesPattern, recomputePlan } from "../../src/compiler/4-ir/recompute.ts";
import { trainingMemory } from "../../src/compiler/4-ir/memory.ts";

const FILE = "test/ir/samples/recompute/input.mdl";
const declared = readFileSync(FILE, "utf8");
// the same text without the keyword, blanked to the same length so the spans of everything else stay put
const plain = declared.replace("recompute ", " ".repeat("recompute ".length));

function ir(text: string, opts: CompileOptions = {}) {
  const r = compile(FILE, memoryHost({ [FILE]: text }), opts);
  assert.equal(renderAll(r.diagnostics), "");
  return r.value!;
}
// a member's span starts at its first keyword: where the source text sits is not what is compared
const withoutLocs = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === "loc" ? undefined : x)));
const flagged = (text: string, opts?: CompileOptions) =>
  ir(text, opts)
    .modules.filter((m) => m.recompute)
    .map((m) => m.path);

test("the declaration marks each element of the repeat, not the container or its children", () => {
  assert.equal(flagged(declared), ["blocks.0", "blocks.1"]);
  assert.equal(flagged(plain), []);
});

test("--recompute on the repeat, or on its elements by pattern, gives the declaration's IR exactly", () => {
  assert.ok(plain !== declared && plain.length === declared.length);
  const want = withoutLocs(ir(declared));
  assert.equal(withoutLocs(ir(plain, { recompute: ["blocks"] })), want);
  assert.equal(withoutLocs(ir(plain, { recompute: ["blocks.*"] })), want);
  assert.equal(flagged(plain, { recompute: ["blocks.1"] }), ["blocks.1"]);
});

test("a pattern that names no module is an error naming it", () => {
  const r = compile(FILE, memoryHost({ [FILE]: plain }), { recompute: ["blocks.*.nothing"] });
  assert.equal(r.value, undefined);
  assert.match(renderAll(r.diagnostics), /MDL211.*blocks\.\*\.nothing/);
});

test("patterns match whole segments, one per `*`", () => {
  assert.ok(matchesPattern("visual.transformer.resblocks.*", "visual.transformer.resblocks.11"));
  assert.not.ok(matchesPattern("visual.transformer.resblocks.*", "visual.transformer.resblocks.11.attn"));
  assert.not.ok(matchesPattern("visual.*", "visual"));
  assert.not.ok(matchesPattern("res", "resblocks"));
});

test("each recomputed block is one run: its inputs (activation and parameters) and its one output", () => {
  const segments = [...recomputePlan(ir(declared)).values()];
  // ids as printed in test/ir/samples/recompute/ir.txt
  assert.equal(
    segments.map((s) => [s.start, s.end]),
    [
      [1, 8],
      [8, 15],
    ],
  );
  assert.equal(
    segments.map((s) => s.outputs),
    [[7], [14]],
  );
  assert.equal(
    [...segments[1].inputs].sort((a, b) => a - b),
    [7, 8, 9, 11, 12],
  );
});

test("the training-memory estimate of the sample, counted by hand from its IR (N = 3)", () => {
  const m = trainingMemory(ir(declared), { N: 3 });
  // parameters: 2 x (4 + 4 + 16 + 4) + 8 + 2 = 66 floats
  assert.equal([m.params, m.grads, m.adamw], [264, 264, 528]);
  // values: per block layer_norm, linear, add [3, 4]; the head [3, 2]
  assert.is(m.activations, (2 * 3 * 12 + 6) * 4);
  // recomputed: only each block's output is kept; one block's norm and linear are rebuilt at a time
  assert.equal(m.recomputed, { kept: (2 * 12 + 6) * 4, largestRun: 2 * 12 * 4 });
  assert.is(trainingMemory(ir(plain), { N: 3 }).recomputed, undefined);
});

test.run();
