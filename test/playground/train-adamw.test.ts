/**
 * The playground trains as `mdl train` does, with AdamW: its training path (playground/src/run/train.ts on the
 * tfjs engine, run here in Node on tfjs's cpu backend) against PyTorch's AdamW written out below in float64,
 * on a linear classifier whose gradient is written out too. Adam as tf.train.adam has it (what the page
 * used before) is followed as well, to show that the comparison tells the two apart.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { DEFAULT_SMOOTHING, DEFAULT_WEIGHT_DECAY } from "../../src/runtime/session/step-settings.ts";
import { XCLIP_ADAMW } from "../../src/runtime/train/optimizer.ts";
import { decodeCheckpoint } from "../../src/runtime/weights/checkpoint.ts";
import { encodeSafetensors } from "../../src/runtime/weights/safetensors-format.ts";
import { tfjsEngine } from "../../src/runtime/tfjs/engine.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { PAGE_TRAINING, trainModel } from "../../playground/src/run/train.ts";

const B = 5,
  D = 4,
  K = 3;
/** The page's own run (20 steps): over fewer, Adam's beta2 and epsilon move the weights too little to tell. */
const STEPS = PAGE_TRAINING.steps;
const SRC = `import { Linear } from "std"
model Lin(d: int = ${D}, k: int = ${K}) {
  head = Linear(d, k)
  forward(x: f32[B, d]) -> (logits: [B, k]) { return (logits: head(x)) }
}
`;
const ir = compile("lin.mdl", memoryHost({ "lin.mdl": SRC })).value!;
const x = Float64Array.from({ length: B * D }, (_, i) => Math.sin(1.7 * i + 0.3) * 2);
const w0 = Float64Array.from({ length: K * D }, (_, i) => Math.cos(0.9 * i) * 0.4);
const b0 = Float64Array.from({ length: K }, (_, i) => 0.1 * i - 0.05);
const f32 = (shape: number[], a: Float64Array): HostTensor => ({ dtype: "f32", shape, data: Float32Array.from(a) });
const ckpt = decodeCheckpoint(
  encodeSafetensors(
    new Map([
      ["head.weight", f32([K, D], w0)],
      ["head.bias", f32([K], b0)],
    ]),
  ),
  "lin.safetensors",
);
const io = new Map([["input.x", f32([B, D], x)]]);

/** d(loss)/d(W, b) in float64: mean over the batch of cross-entropy against (1 - s) one_hot(b mod K) + s / K. */
function gradients(w: Float64Array, b: Float64Array, s: number): [Float64Array, Float64Array] {
  const gw = new Float64Array(K * D),
    gb = new Float64Array(K);
  for (let n = 0; n < B; n++) {
    const z = Array.from(
      { length: K },
      (_, k) => b[k] + x.subarray(n * D, n * D + D).reduce((a, v, d) => a + v * w[k * D + d], 0),
    );
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, v) => a + v, 0);
    for (let k = 0; k < K; k++) {
      const dz = (e[k] / sum - ((k === n % K ? 1 - s : 0) + s / K)) / B;
      gb[k] += dz;
      for (let d = 0; d < D; d++) gw[k * D + d] += dz * x[n * D + d];
    }
  }
  return [gw, gb];
}

/** The page's rate at step t (0-based): `mdl train`'s shape, a 10% linear warm-up, then cosine to lr / 100. */
function rate(t: number): number {
  const { lr } = PAGE_TRAINING;
  const w = Math.round(0.1 * STEPS),
    min = lr / 100;
  return t < w ? (lr * (t + 1)) / w : min + 0.5 * (lr - min) * (1 + Math.cos((Math.PI * (t - w)) / (STEPS - w)));
}

interface Update {
  beta1: number;
  beta2: number;
  eps: number;
  /** Weight decay of the weight (decoupled, as torch.optim.AdamW); the bias has none. */
  decay: number;
  smoothing: number;
}

/** STEPS updates of torch.optim.AdamW's algorithm (decay 0: Adam) in float64; the weight and bias after them. */
function reference(u: Update): [Float64Array, Float64Array] {
  const p = [Float64Array.from(w0), Float64Array.from(b0)];
  const m = p.map((a) => new Float64Array(a.length)),
    v = p.map((a) => new Float64Array(a.length));
  for (let t = 1; t <= STEPS; t++) {
    const lr = rate(t - 1);
    const g = gradients(p[0], p[1], u.smoothing);
    for (let j = 0; j < 2; j++) {
      const decay = j === 0 ? u.decay : 0;
      for (let i = 0; i < p[j].length; i++) {
        p[j][i] *= 1 - lr * decay;
        m[j][i] = u.beta1 * m[j][i] + (1 - u.beta1) * g[j][i];
        v[j][i] = u.beta2 * v[j][i] + (1 - u.beta2) * g[j][i] ** 2;
        const denom = Math.sqrt(v[j][i]) / Math.sqrt(1 - u.beta2 ** t) + u.eps;
        p[j][i] -= (lr / (1 - u.beta1 ** t)) * (m[j][i] / denom);
      }
    }
  }
  return [p[0], p[1]];
}

/** |got - want| / |want - start| over both tensors: the error relative to how far training moved them. */
function offBy(got: ArrayLike<number>[], want: Float64Array[]): number {
  let num = 0,
    den = 0;
  [w0, b0].forEach((start, j) => {
    for (let i = 0; i < start.length; i++) {
      num += (got[j][i] - want[j][i]) ** 2;
      den += (want[j][i] - start[i]) ** 2;
    }
  });
  return Math.sqrt(num / den);
}

test("the page's training takes the AdamW steps of torch.optim.AdamW, and not Adam's", async () => {
  await tf.setBackend("cpu");
  const before = tf.memory().numTensors;
  const losses: number[] = [];
  let got: Float32Array[] = [];
  await trainModel(tfjsEngine, ir, ckpt, io, {
    onStep: (s) => losses.push(s.loss),
    onEnd: async (params) => {
      got = [];
      for (const path of ["head.weight", "head.bias"])
        got.push((await tfjsEngine.read(params.get(path)!)).data as Float32Array);
    },
  });
  assert.is(losses.length, STEPS);
  assert.ok(losses[STEPS - 1] < losses[0], losses.join(", "));
  assert.is(tf.memory().numTensors, before, "tensors left allocated");

  const adamw = reference({ ...XCLIP_ADAMW, decay: DEFAULT_WEIGHT_DECAY, smoothing: DEFAULT_SMOOTHING });
  // tf.train.adam's defaults: beta2 0.999, epsilon 1e-7, no weight decay
  const adam = reference({ beta1: 0.9, beta2: 0.999, eps: 1e-7, decay: 0, smoothing: DEFAULT_SMOOTHING });
  const vsAdamW = offBy(got, adamw),
    vsAdam = offBy(got, adam);
  assert.ok(vsAdamW < 3e-5, `off AdamW by ${vsAdamW} of the distance moved`);
  assert.ok(
    vsAdam > 100 * vsAdamW && vsAdam > 1e-3,
    `Adam is as close (${vsAdam}) as AdamW (${vsAdamW}): the test cannot tell them apart`,
  );
  // the weight decay alone is visible too: AdamW without it is further off than float32 rounding
  const noDecay = reference({ ...XCLIP_ADAMW, decay: 0, smoothing: DEFAULT_SMOOTHING });
  assert.ok(offBy(got, noDecay) > 10 * vsAdamW, `without decay ${offBy(got, noDecay)}, with ${vsAdamW}`);
});

test.run();
