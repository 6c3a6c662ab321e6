/**
 * Custom gradients of linear, matmul, attention, attention_probs, gather and scatter_add against central finite differences of
 * float64 reference forwards (loss = sum(out * r) for a fixed random r, so every output matters).
 */
import { test } from "uvu";
import * as tf from "@tensorflow/tfjs";
import { at, close, randArr, refAttention, refMatmul, refProbs, toTf, wasm1, type Arr } from "./helpers.ts";
import { numericGrad } from "../ops/reference.ts";
import { linear } from "../../src/runtime/tfjs/ops/linear.ts";
import { matmul } from "../../src/runtime/tfjs/ops/matmul.ts";
import { attention, attentionProbs } from "../../src/runtime/tfjs/ops/attention.ts";
import { gather, scatterAdd } from "../../src/runtime/tfjs/ops/gather.ts";

await wasm1();

function check(fTf: (...xs: tf.Tensor[]) => tf.Tensor, fRef: (xs: Arr[]) => Arr, xs: Arr[]): void {
  const r = randArr(fRef(xs).shape);
  const grads = tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(fTf(...ts), toTf(r))))(xs.map(toTf));
  grads.forEach((g, i) => close(g, numericGrad(fRef, xs, r, i), 2e-4, 2e-3));
}

test("linear: gradients of x, the [in, out] weight and the bias", () => {
  const x = randArr([2, 3, 5]);
  const wT = randArr([5, 4]);
  const b = randArr([4]);
  const ref = ([x, wT, b]: Arr[]) => {
    const y = refMatmul({ shape: [6, 5], data: x.data }, wT);
    return { shape: [2, 3, 4], data: y.data.map((v, i) => v + b.data[i % 4]) };
  };
  check((x, w, b) => linear(x, w, b), ref, [x, wT, b]);
  // few rows against a wide weight: the input gradient takes the (W dY^T)^T form
  const few = randArr([2, 8]);
  const wide = randArr([8, 6]);
  check(
    (x, w) => linear(x, w),
    ([x, w]) => refMatmul(x, w),
    [few, wide],
  );
});

test("matmul: gradients through broadcast batch dims and the flat rank-2 path", () => {
  check(
    (a, b) => matmul(a, b),
    ([a, b]) => refMatmul(a, b),
    [randArr([2, 1, 3, 4]), randArr([3, 4, 2])],
  );
  check(
    (a, b) => matmul(a, b),
    ([a, b]) => refMatmul(a, b),
    [randArr([2, 3, 4]), randArr([4, 5])],
  );
});

test("attention: gradients of q, k, v, plain and causal", () => {
  const q = randArr([1, 2, 3, 4]);
  const k = randArr([1, 2, 3, 4]);
  const v = randArr([1, 2, 3, 5]);
  for (const causal of [false, true])
    check(
      (q, k, v) => attention(q, k, v, 0.5, causal),
      ([q, k, v]) => refAttention(q, k, v, 0.5, causal),
      [q, k, v],
    );
});

test("attention_probs: gradients of q and k through broadcast batch dims, plain and causal", () => {
  const q = randArr([2, 1, 3, 4]);
  const k = randArr([1, 2, 5, 4]);
  for (const causal of [false, true])
    check(
      (q, k) => attentionProbs(q, k, 0.5, causal),
      ([q, k]) => refProbs(q, k, 0.5, causal),
      [q, k],
    );
});

test("gather: the table gradient sums over repeated ids", () => {
  const table = randArr([5, 3]);
  const ids = [4, 1, 4, 0, 4];
  const r = randArr([5, 3]);
  const [g] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(gather(t, tf.tensor1d(ids, "int32")), toTf(r))))([toTf(table)]);
  const want: Arr = { shape: [5, 3], data: new Float64Array(15) };
  ids.forEach((id, row) => {
    for (let c = 0; c < 3; c++) want.data[id * 3 + c] += at(r, [row, c]);
  });
  close(g, want);
});

test("scatter_add: each update's gradient is the cotangent's row at its id, repeated ids included", () => {
  const ids = [2, 0, 2, 2];
  const r = randArr([3, 5]);
  const [g] = tf.grads((u: tf.Tensor) => tf.sum(tf.mul(scatterAdd(tf.tensor2d(ids, [2, 2], "int32"), u, 3), toTf(r))))([
    toTf(randArr([2, 2, 5])),
  ]);
  close(g, {
    shape: [2, 2, 5],
    data: Float64Array.from(ids.flatMap((id) => Array.from(r.data.slice(id * 5, id * 5 + 5)))),
  });
});

test.run();
