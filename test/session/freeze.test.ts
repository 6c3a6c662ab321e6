import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { loadSplit } from "../../src/runtime/session/data.ts";
import { fit } from "../../src/runtime/session/fit.ts";
import {
  classLogits,
  classTexts,
  disposeModel,
  frozenTextLogits,
  openModel,
  paramsUnder,
} from "../../src/runtime/session/model.ts";
import { createParams, toTorchLayout } from "../../src/runtime/tfjs/lower.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { latestCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import { cleanup, scratch, smallData, tinyIr } from "./helpers.ts";

test.before(() => initBackend({ backend: "wasm", threads: 1 }).then(() => undefined));
test.after(cleanup);

test("paramsUnder: an instance path names its subtree's keys (a `use` member's keys sit at the top level)", () => {
  const ir = tinyIr("models/xclip.mdl");
  const text = paramsUnder(ir, ["encode_text"]);
  const expected = ir.params
    .map((p) => p.path)
    .filter((k) => /^(token_embedding|positional_embedding|transformer\.|ln_final|text_projection)/.test(k));
  assert.equal([...text].sort(), expected.sort());
  assert.equal([...paramsUnder(ir, ["mit.positional_embedding"])], ["mit.positional_embedding"]);
  assert.throws(
    () => paramsUnder(ir, ["no_such_module"]),
    (e: unknown) => e instanceof MdlError && e.diagnostic.code === "MDL211",
  );
});

test("--freeze keeps the frozen parameters bit-identical while the others train", async () => {
  const dir = smallData();
  const train = await loadSplit(dir, "train");
  const ir = tinyIr("models/xclip.mdl");
  const out = scratch("freeze");
  const res = await fit({
    ir,
    classes: train.classes,
    entries: train.entries,
    out,
    seed: 3,
    batch: 4,
    steps: 3,
    lr: 1e-2,
    freeze: ["encode_text"],
    progress: "none",
  });
  disposeModel(res.model);
  const saved = readSafetensors(join(latestCheckpoint(out)!, "weights.safetensors")).tensors;
  const init = createParams(ir, undefined, { trainable: false, seed: 3 });
  const frozen = paramsUnder(ir, ["encode_text"]);
  let changed = 0;
  for (const [k, t] of init) {
    const a = (await toTorchLayout(ir, k, t)).data;
    const b = saved.get(k)!.data as Float32Array;
    const same = a.every((x, i) => x === b[i]);
    if (frozen.has(k)) assert.ok(same, `${k} is frozen but changed`);
    else if (!same) changed++;
  }
  tf.dispose([...init.values()]);
  assert.ok(changed > 20, `only ${changed} trainable tensors changed`);
});

test("with the text encoder frozen, cached text features give the whole model's logits", () => {
  const ir = tinyIr("models/xclip.mdl");
  const m = openModel(ir, undefined, { trainable: false, seed: 4 });
  const text = classTexts(["an object moving up", "an object shrinking", "a red square"], m.context);
  const video = tf.randomNormal([2, m.frames, 3, m.size, m.size], 0, 1, "float32", 7);
  const cached = frozenTextLogits(m, text, paramsUnder(ir, ["encode_text"]))!;
  assert.ok(cached, "the text side reads only frozen parameters");
  const a = tf.tidy(() => classLogits(m, video, text, false) as tf.Tensor).dataSync();
  const b = tf.tidy(() => cached.logits(video, false) as tf.Tensor).dataSync();
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) <= 1e-5 * Math.max(1, Math.abs(a[i])), `logit ${i}: ${a[i]} vs ${b[i]}`);
  assert.is(frozenTextLogits(m, text, new Set()), undefined, "a trainable text encoder is not cached");
  cached.dispose();
  tf.dispose([video, text as tf.Tensor]);
  disposeModel(m);
});

test.run();
