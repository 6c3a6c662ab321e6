/**
 * The compiler's whole training step (forward, backward, AdamW: compiler/5-train with X-CLIP's recipe) of tiny
 * X-CLIP on tfjs, as the playground and `fit`'s gradients: "ir" run it, against tfjs's own autodiff. Its
 * backward pass slices a scalar, which tf.slice refuses ("Slicing scalar is not possible"): the slice kernel
 * passes a scalar through (ops/shape.ts's sliceRuns).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildTrainStep } from "../../src/compiler/5-train/step.ts";
import { engine } from "../../src/runtime/backend/current.ts";
import { stepSettings } from "../../src/runtime/session/step-settings.ts";
import { IrStepper } from "../../src/runtime/train/ir-stepper.ts";
import { tinyBatch, tinyIr } from "../session/helpers.ts";
import { wasm1 } from "./helpers.ts";

await wasm1();

const ir = tinyIr("models/xclip.mdl");
const settings = stepSettings(ir);
const { video, text, labels } = tinyBatch(ir);

test("the step's backward pass holds a slice of a scalar (what this test exercises)", () => {
  const step = buildTrainStep(ir, { ...settings, phase: "update" });
  assert.ok(step.graph.nodes.some((n) => n.op === "slice" && n.type.shape.length === 0));
});

test("one compiled training step of tiny X-CLIP on tfjs: its loss is tfjs autodiff's within 1e-5, and AdamW moves every trained parameter", async () => {
  const e = engine();
  const before = e.numTensors();
  // tfjs autodiff: the forward program in training mode, label-smoothed cross-entropy, gradients by tf
  const vars = e.createParams(ir, undefined, { trainable: true, seed: 3 });
  const feeds = { video: e.fromHost(video), text: e.fromHost(text) };
  const fwd = e.lower!(ir);
  const { value, grads } = e.training!.valueAndGrads(
    () => e.training!.crossEntropy(fwd.run(feeds, vars, { training: true }).outputs.logits, labels, settings.smoothing),
    vars,
  );
  const want = (await e.read(value)).data[0] as number;
  e.dispose([value, ...grads.values(), ...vars.values()]);

  const params = e.createParams(ir, undefined, { trainable: false, seed: 3, compiled: true });
  const start = new Map<string, Float32Array>();
  for (const [path, t] of params) start.set(path, (await e.read(t)).data as Float32Array);
  const stepper = await IrStepper.create(e, ir, settings, params);
  const y = e.fromHost({ dtype: "i32", shape: [labels.length], data: Int32Array.from(labels) });
  const got = await stepper.micro({ ...feeds, labels: y }, 0, 1, 1e-3);
  assert.ok(Math.abs(got - want) <= 1e-5 * Math.abs(want), `compiled step ${got}, autodiff ${want}`);

  const trained = settings.groups.flatMap((g) => [...g.paths]);
  assert.ok(trained.length > 90, `${trained.length} trained parameters`);
  const after = stepper.params();
  for (const path of trained) {
    const now = (await e.read(after.get(path)!)).data as Float32Array;
    assert.ok(now.every(Number.isFinite), `${path} is not finite after the step`);
    assert.ok(
      now.some((v, i) => v !== start.get(path)![i]),
      `${path} did not move`,
    );
  }
  await stepper.dispose();
  e.dispose(after.values());
  e.dispose([y, ...Object.values(feeds)]);
  assert.is(e.numTensors(), before, "tensors left allocated");
});

test.run();
