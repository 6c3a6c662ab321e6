/**
 * The compiled training path (fit's gradients: "ir", the IR's training step run by IrStepper) holds its live
 * tensor count flat from step to step, on tfjs and on ONNX Runtime (whose engine counts its undisposed
 * OrtTensors): a run of 2N steps ends with as many live tensors as one of N, and once the trained model is
 * freed nothing of the run is left. Each micro-batch's inputs are new tensors (video, labels, mix targets),
 * so a step that did not free them would add a few per step; accumulation's gradient-sum buffers likewise
 * (tfjs writes no output in place, and a third micro-batch takes a second buffer).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { engine, useEngine } from "../../src/runtime/backend/current.ts";
import type { Engine } from "../../src/runtime/backend/engine.ts";
import { XCLIP_RECIPE } from "../../src/runtime/data/augment.ts";
import { createOnnxEngine } from "../../src/runtime/onnx/engine.ts";
import { loadSplit } from "../../src/runtime/session/data.ts";
import { fit, type FitOptions } from "../../src/runtime/session/fit.ts";
import { disposeModel } from "../../src/runtime/session/model.ts";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { cleanup, scratch, smallData, tinyIr } from "../session/helpers.ts";

let tfjs: Engine;
let ort: Engine;
let data: string;
test.before(async () => {
  await initBackend({ backend: "wasm", threads: 1 });
  tfjs = engine();
  ort = await createOnnxEngine({ threads: 1 });
  data = smallData();
});
test.after(() => {
  useEngine(tfjs);
  cleanup();
});

const ir = tinyIr("models/xclip.mdl");
const N = 3;

/** Live tensors after each step of a compiled run of `steps` steps, over those before it, and what is left once its model is freed. */
async function liveCounts(
  e: Engine,
  steps: number,
  extra: Partial<FitOptions>,
): Promise<{ counts: number[]; left: number }> {
  useEngine(e);
  const train = await loadSplit(data, "train");
  const before = e.numTensors();
  const counts: number[] = [];
  const res = await fit({
    ir,
    classes: train.classes,
    entries: train.entries,
    out: scratch(`leak-${e.name}`),
    seed: 1,
    batch: 2,
    steps,
    lr: 1e-3,
    progress: "none",
    gradients: "ir",
    onStep: () => counts.push(e.numTensors() - before),
    ...extra,
  });
  disposeModel(res.model);
  return { counts, left: e.numTensors() - before };
}

for (const [name, extra] of [
  ["one micro-batch", {}],
  ["two micro-batches", { accum: 2 }],
  ["three micro-batches", { accum: 3 }],
  ["mixup and cutmix", { augment: XCLIP_RECIPE }],
] as const) {
  test(`compiled training (${name}): 2N steps end with the live tensors of N, on tfjs and on ONNX Runtime`, async () => {
    const got = [];
    for (const e of [tfjs, ort]) {
      const short = await liveCounts(e, N, extra);
      const long = await liveCounts(e, 2 * N, extra);
      assert.is(long.counts.length, 2 * N);
      // what each step added, the 2N-step run against the N-step one, and what outlived the run
      got.push({
        engine: e.name,
        perStep: long.counts.slice(1).map((n, i) => n - long.counts[i]),
        grewOverN: long.counts[2 * N - 1] - short.counts[N - 1],
        left: long.left,
      });
    }
    const flat = (engine: string) => ({ engine, perStep: Array(2 * N - 1).fill(0), grewOverN: 0, left: 0 });
    assert.equal(got, [flat(tfjs.name), flat(ort.name)]);
  });
}

test.run();
