import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { loadSplit } from "../../src/runtime/session/data.ts";
import { fit } from "../../src/runtime/session/fit.ts";
import { evaluate } from "../../src/runtime/session/evaluate.ts";
import { disposeModel, openModel } from "../../src/runtime/session/model.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { latestCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { cleanup, scratch, smallData, tinyIr } from "./helpers.ts";

test.before(() => initBackend({ backend: "wasm", threads: 1 }).then(() => undefined));
test.after(cleanup);

test("the tensor count is flat across training steps of the tiny X-CLIP (accumulation and checkpoints included)", async () => {
  const dir = smallData();
  const train = await loadSplit(dir, "train");
  const counts: number[] = [];
  const res = await fit({
    ir: tinyIr("models/xclip.mdl"),
    classes: train.classes,
    entries: train.entries,
    out: scratch("leak"),
    seed: 1,
    batch: 2,
    accum: 2,
    steps: 5,
    lr: 1e-3,
    checkpointEvery: 2,
    progress: "none",
    onStep: () => counts.push(tf.memory().numTensors),
  });
  disposeModel(res.model);
  assert.is(counts.length, 5);
  assert.ok(
    counts.every((n) => n === counts[0]),
    `tensor counts per step: ${counts.join(" ")}`,
  );
});

test("a saved checkpoint is in torch layout and, loaded back, predicts exactly what the trained model does", async () => {
  const dir = smallData();
  const train = await loadSplit(dir, "train");
  const testSplit = await loadSplit(dir, "test");
  const ir = tinyIr("models/variants/xclip-no-prompts.mdl");
  const out = scratch("layout");
  const res = await fit({
    ir,
    classes: train.classes,
    entries: train.entries,
    out,
    seed: 2,
    batch: 4,
    steps: 3,
    lr: 1e-3,
    progress: "none",
  });
  const saved = readSafetensors(join(latestCheckpoint(out)!, "weights.safetensors")).tensors;
  // torch keeps nn.Linear weights [out, in]: the MIT MLP's c_fc maps 64 -> 256
  assert.equal(saved.get("mit.resblocks.0.mlp.c_fc.weight")!.shape, [256, 64]);
  const live = res.model.params.get("mit.resblocks.0.mlp.c_fc.weight")!;
  assert.equal(live.shape, [64, 256], "the runtime keeps it [in, out] for the fast product");
  const t = tf.transpose(live as tf.Tensor);
  assert.equal([...saved.get("mit.resblocks.0.mlp.c_fc.weight")!.data], [...t.dataSync()]);
  t.dispose();
  const before = await evaluate(res.model, train.classes, testSplit.entries);
  disposeModel(res.model);
  const loaded = openModel(ir, saved, { trainable: false, seed: 99 });
  const after = await evaluate(loaded, train.classes, testSplit.entries);
  disposeModel(loaded);
  assert.equal(after.predictions, before.predictions);
  assert.equal(after.confusion, before.confusion);
});

test.run();
