/**
 * The compiler's training step (compiler/5-train) on tiny X-CLIP, against tfjs's own autodiff as the reference:
 * IR gradients of all parameters on tfjs and on ONNX Runtime, 50 training steps on ONNX Runtime against the
 * tfjs loop, and a SIGKILL at a random moment plus --resume ending at the same bits as a straight run.
 */
import { test } from "uvu";
import { runKillable } from "../helpers/killable.ts";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { engine, useEngine } from "../../src/runtime/backend/current.ts";
import type { Engine } from "../../src/runtime/backend/engine.ts";
import { createOnnxEngine } from "../../src/runtime/onnx/engine.ts";
import { loadSplit } from "../../src/runtime/session/data.ts";
import { fit } from "../../src/runtime/session/fit.ts";
import { disposeModel } from "../../src/runtime/session/model.ts";
import { latestCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { labelSmoothingCrossEntropy } from "../../src/runtime/tfjs/loss.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { cleanup, scratch, smallData, tinyBatch, tinyIr } from "../session/helpers.ts";
import { gradErrors, irGrads } from "./ir-grads.ts";

let tfjs: Engine;
let ort: Engine;
test.before(async () => {
  await initBackend({ backend: "wasm", threads: 1 });
  tfjs = engine();
  ort = await createOnnxEngine({ threads: 1 });
});
test.after(() => {
  useEngine(tfjs);
  cleanup();
});

const ir = tinyIr("models/xclip.mdl");
const { video, text, labels } = tinyBatch(ir);

async function autodiffGrads(): Promise<Map<string, Float32Array>> {
  useEngine(tfjs);
  const params = tfjs.createParams(ir, undefined, { trainable: true, seed: 3 });
  const fwd = tfjs.lower!(ir);
  const [v, t] = [tfjs.fromHost(video), tfjs.fromHost(text)];
  const logits = () => fwd.run({ video: v, text: t }, params, { training: true }).outputs.logits as tf.Tensor2D;
  const { value, grads } = tf.variableGrads(() => labelSmoothingCrossEntropy(logits(), labels, 0.1) as tf.Scalar, [
    ...params.values(),
  ] as tf.Variable[]);
  const byName = new Map([...params].map(([p, x]) => [(x as tf.Variable).name, p]));
  const out = new Map<string, Float32Array>();
  for (const [name, g] of Object.entries(grads))
    out.set(byName.get(name)!, (await tfjs.toTorchLayout(ir, byName.get(name)!, g)).data);
  tf.dispose([value, ...Object.values(grads)]);
  tfjs.dispose([v, t, ...params.values()]);
  return out;
}

test("IR gradients of all 98 parameters of tiny X-CLIP match tfjs autodiff, on tfjs and on ONNX Runtime", async () => {
  const want = await autodiffGrads();
  assert.is(want.size, 98);
  for (const [name, e] of [
    ["tfjs-wasm", tfjs],
    ["onnx", ort],
  ] as const) {
    const { whole, worst } = gradErrors((await irGrads(e, ir, { video, text, labels, seed: 3 })).grads, want);
    assert.ok(whole < 1e-5, `${name}: ${whole} relative over all gradients`);
    assert.ok(worst.rel < 1e-4, `${name}: ${worst.path} off by ${worst.rel} relative`);
  }
});

test("50 steps of tiny X-CLIP on ONNX Runtime follow tfjs's training losses within 1e-4 relative per step", async () => {
  const data = smallData();
  const train = await loadSplit(data, "train");
  const run = async (e: Engine) => {
    useEngine(e);
    const losses: number[] = [];
    const res = await fit({
      ir,
      classes: train.classes,
      entries: train.entries,
      out: scratch(e.name),
      seed: 1,
      batch: 2,
      steps: 50,
      lr: 1e-3,
      progress: "none",
      onStep: (s) => losses.push(s.loss),
    });
    disposeModel(res.model);
    return losses;
  };
  const want = await run(tfjs);
  const got = await run(ort);
  assert.is(got.length, 50);
  const bad = got
    .map((l, i) => ({ i, rel: Math.abs(l - want[i]) / Math.abs(want[i]) }))
    .filter((x) => !(x.rel <= 1e-4));
  assert.equal(bad, [], `steps off: ${JSON.stringify(bad.slice(0, 3))}`);
  assert.ok(want[49] < want[0], "the loss falls");
});

const STEPS = 8;

/** The fixture run; with `killAt`, SIGKILLed a random few milliseconds after it reports that step (mid-step or mid-save). */
const child = (out: string, data: string, extra: string[], killAt?: number) =>
  runKillable(
    ["test/train/fixtures/run-xclip-compiled.ts", "--out", out, "--data", data, "--steps", String(STEPS), ...extra],
    killAt,
  );

test("ONNX Runtime training: a SIGKILL at a random moment, then --resume, ends at the same bits as a straight run", async () => {
  const data = smallData();
  const straight = scratch("straight");
  assert.match(await child(straight, data, []), /done/);
  const killed = scratch("killed");
  const at = 1 + Math.floor(Math.random() * (STEPS - 2));
  const first = await child(killed, data, [], at);
  assert.not.match(first, /done/, `the child was not killed in time (after step ${at})`);
  assert.match(await child(killed, data, ["--resume"]), /done/);
  const a = readSafetensors(join(latestCheckpoint(straight)!, "weights.safetensors")).tensors;
  const b = readSafetensors(join(latestCheckpoint(killed)!, "weights.safetensors")).tensors;
  assert.is(a.size, 98);
  for (const [k, t] of a)
    assert.ok(
      Buffer.from((t.data as Float32Array).buffer).equals(Buffer.from((b.get(k)!.data as Float32Array).buffer)),
      `${k} differs after resume (killed after step ${at})`,
    );
});

test.run();
