// The EVL-style variant (models/variants/evl.mdl) collects the tokens of the last `levels` vision blocks in a
// list (issue 22 point 1). The list holds the blocks' own outputs, so the training-memory estimate at B/16 is
// the per-frame baseline's plus the decoder's, and a recomputed block whose output is collected still keeps it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import * as P from "../../src/compiler/0-core/dim.ts";
import { trainingMemory } from "../../src/compiler/4-ir/memory.ts";
import { applyRecompute, recomputePlan } from "../../src/compiler/4-ir/recompute.ts";
import type { ModelIR, Node } from "../../src/compiler/0-core/schema.ts";
import { expectGolden } from "../helpers/golden.ts";
import { mdl } from "../session/helpers.ts";

const EVL = "models/variants/evl.mdl";
const BASELINE = "models/variants/clip-meanpool.mdl";

function ir(file: string, preset: string): ModelIR {
  const r = compile(file, fsHost, { preset });
  if (!r.value) throw new Error(`${file} does not compile: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.value;
}

/** Bytes of the values of the nodes `keep` selects, counted as memory.ts counts them (B = K = 1). */
function bytes(m: ModelIR, keep: (n: Node) => boolean): number {
  const env = Object.fromEntries(m.symbols.map((s) => [s, 1]));
  return m.graph.nodes
    .filter((n) => keep(n) && !["reshape", "input", "param"].includes(n.op))
    .reduce((a, n) => a + n.type.shape.reduce<number>((x, d) => x * P.evalDim(d, env), 4), 0);
}

/** The value the decoder layer `i` reads as its key/value tokens, before the reshape that merges the frames. */
function levelRead(m: ModelIR, i: number): number {
  const call = m.graph.calls.find((c) => c.scope === `evl_decoder.${i}`)!;
  const kv = m.graph.nodes[call.inputs[1]];
  assert.is(kv.op, "reshape", `decoder layer ${i} reads a view of a block's tokens`);
  return kv.args[0];
}

const blockOutput = (m: ModelIR, b: number) =>
  m.graph.calls.find((c) => c.scope === `visual.transformer.resblocks.${b}`)!.outputs[0].value;

test("each decoder layer reads a vision block's own output: the collected list copies nothing", () => {
  const m = ir(EVL, "B/16");
  assert.equal(
    [0, 1, 2, 3].map((i) => levelRead(m, i)),
    [8, 9, 10, 11].map((b) => blockOutput(m, b)),
  );
  assert.not.ok(
    m.graph.nodes.some((n) => n.op === "concat" && n.scope.startsWith("evl_")),
    "no buffer grown with concat",
  );
});

test("B/16 keeps no more activations than the per-frame baseline plus the decoder's own", () => {
  const evl = ir(EVL, "B/16");
  const base = ir(BASELINE, "B/16");
  const decoder = bytes(evl, (n) => n.scope.startsWith("evl_"));
  const kept = trainingMemory(evl).activations;
  const baseline = trainingMemory(base).activations;
  assert.ok(decoder > 0 && decoder < 0.1 * baseline, `decoder ${decoder}`);
  assert.ok(kept <= baseline + decoder, `EVL ${kept} > baseline ${baseline} + decoder ${decoder}`);
  // a buffer of the last four blocks' tokens ([8, 197, 768] each) would have added at least that much again
  assert.ok(baseline + decoder - kept < 4 * 8 * 197 * 768 * 4, "the saving is not a missing part of the model");
});

test("recomputing the vision blocks keeps each collected level as a run's output, and counts it once", () => {
  const m = ir(EVL, "tiny");
  assert.equal(applyRecompute(m, ["visual.transformer.resblocks"], "test"), []);
  const plan = [...recomputePlan(m).values()];
  const outputs = new Set(plan.flatMap((s) => s.outputs));
  for (const i of [0, 1]) assert.ok(outputs.has(levelRead(m, i)), `level ${i} is kept by its run`);
  const mem = trainingMemory(m);
  assert.ok(mem.recomputed && mem.recomputed.kept < mem.activations);
  // kept = everything, less the runs' inner values: each run's output, collected or not, is counted once
  const inner = plan.reduce(
    (a, s) => a + bytes(m, (n) => n.id >= s.start && n.id < s.end && !s.outputs.includes(n.id)),
    0,
  );
  assert.is(mem.recomputed!.kept, mem.activations - inner);
});

test("the summary of the EVL variant at B/16", () => {
  const r = mdl("summary", EVL, "--preset", "B/16");
  assert.is(r.status, 0, r.stderr);
  expectGolden(r.stdout, "test/variants/samples/evl-summary-b16.txt");
});

test.run();
