/**
 * Recomputation as a transform of the training step: with X-CLIP's frame blocks marked, the step's backward
 * reads no inner value of a marked block's forward (it reads the recomputed copy), and every gradient comes
 * out bit for bit the same as without the marks, on tfjs and on ONNX Runtime.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyRecompute, recomputePlan } from "../../src/compiler/4-ir/recompute.ts";
import { buildTrainStep } from "../../src/compiler/5-train/step.ts";
import { engine, useEngine } from "../../src/runtime/backend/current.ts";
import type { Engine } from "../../src/runtime/backend/engine.ts";
import { createOnnxEngine } from "../../src/runtime/onnx/engine.ts";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { tinyIr } from "../session/helpers.ts";
import { irGrads } from "./ir-grads.ts";

const plain = tinyIr("models/xclip.mdl");
const marked = tinyIr("models/xclip.mdl");
assert.equal(applyRecompute(marked, ["visual.transformer.resblocks"], "test"), []);
const settings = (ir: typeof plain) => ({
  groups: [{ paths: ir.params.map((p) => p.path), lrScale: 1, weightDecay: 0 }],
  smoothing: 0.1,
  adam: { beta1: 0.9, beta2: 0.98, eps: 1e-8 },
  phase: "accumulate" as const,
});

test("the backward reads a marked block's outputs but none of its inner values", () => {
  const plan = recomputePlan(marked);
  assert.ok(plan.size >= 2, "both frame blocks are segments");
  const step = buildTrainStep(marked, settings(marked));
  const without = buildTrainStep(plain, settings(plain));
  assert.ok(step.graph.nodes.length > without.graph.nodes.length, "the copies are in the step");
  // the forward part keeps its node ids through pruning only up to the first dropped node: compare by position
  // instead, as the first forward nodes of both steps are the model's in order
  const forward = marked.graph.nodes.length;
  const inner = new Set<number>();
  for (const s of plan.values())
    for (let i = s.start; i < s.end; i++)
      if (!s.outputs.includes(i) && !["param", "input", "const"].includes(marked.graph.nodes[i].op)) inner.add(i);
  // a forward node keeps its id in the step when nothing before it was pruned: check that assumption, then the reads
  const kept = step.graph.nodes.slice(0, forward).every((n, i) => n.op === marked.graph.nodes[i].op);
  assert.ok(kept, "the step starts with the model's forward, unpruned");
  const lateReads = step.graph.nodes.slice(forward).flatMap((n) => n.args.filter((a) => inner.has(a)));
  assert.equal(lateReads, [], "backward nodes read recomputed copies only");
});

async function grads(e: Engine, ir: typeof plain): Promise<Map<string, Float32Array>> {
  const [, T, C, S] = ir.graph.inputs[0].type.shape as number[];
  const ctx = ir.graph.inputs[1].type.shape[1] as number;
  return (
    await irGrads(e, ir, {
      video: {
        dtype: "f32",
        shape: [2, T, C, S, S],
        data: Float32Array.from({ length: 2 * T * C * S * S }, (_, i) => Math.cos(i * 0.11)),
      },
      text: {
        dtype: "i32",
        shape: [2, ctx],
        data: Int32Array.from({ length: 2 * ctx }, (_, i) => (i % ctx === 4 ? 511 : (i * 13) % 400)),
      },
      labels: [1, 0],
      seed: 5,
    })
  ).grads;
}

test("the gradients are bit for bit those without recomputation, on tfjs-wasm and ONNX Runtime", async () => {
  await initBackend({ backend: "wasm", threads: 1 });
  const tfjs = engine();
  for (const e of [tfjs, await createOnnxEngine({ threads: 1 })]) {
    const [a, b] = [await grads(e, plain), await grads(e, marked)];
    for (const [path, x] of a)
      assert.ok(
        Buffer.from(x.buffer).equals(Buffer.from(b.get(path)!.buffer)),
        `${e.name}: ${path} differs with recomputation`,
      );
  }
  useEngine(tfjs);
});

test("a recomputed block whose output is also collected (EVL's levels): the same gradients on tfjs-wasm", async () => {
  await initBackend({ backend: "wasm", threads: 1 });
  const evl = tinyIr("models/variants/evl.mdl");
  const evlMarked = tinyIr("models/variants/evl.mdl");
  assert.equal(applyRecompute(evlMarked, ["visual.transformer.resblocks"], "test"), []);
  assert.ok(recomputePlan(evlMarked).size >= 2);
  // the decoder's projection and query start at zero; started at random, gradients reach the blocks through the levels
  for (const m of [evl, evlMarked])
    for (const p of m.params)
      if (p.path === "evl_proj" || p.path === "evl_query") p.init = { kind: "normal", args: [0.02] };
  const [a, b] = [await grads(engine(), evl), await grads(engine(), evlMarked)];
  assert.ok(
    a.get("evl_decoder.0.ln_kv.weight")!.some((x) => x !== 0),
    "the first level's gradient is not zero",
  );
  for (const [path, x] of a)
    assert.ok(Buffer.from(x.buffer).equals(Buffer.from(b.get(path)!.buffer)), `${path} differs with recomputation`);
});

test.run();
