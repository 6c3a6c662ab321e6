/**
 * Matrix products written for the wasm backend: only a 2-D matMul without transpose flags reaches
 * XNNPACK, and tfjs's built-in matMul gradient uses the flags (15x slower), so every product here
 * has a custom gradient that transposes explicitly and multiplies flag-free.
 */
import * as tf from "@tensorflow/tfjs";
import { customGrad } from "./custom-grad.ts";
import { replayed } from "./replay.ts";

/** [m, k] @ [k, n] on the fast path, with a fast backward. */
export const matmul2d = customGrad<tf.Tensor2D>(([a, b], save) => {
  save([a, b]);
  return {
    value: replayed(1, () => [tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D)])[0],
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [
      leftGrad(dy as tf.Tensor2D, sb as tf.Tensor2D),
      tf.matMul(tf.transpose(sa as tf.Tensor2D), dy as tf.Tensor2D),
    ],
  };
});

/**
 * dA = dY B^T for dY [m, n], B [k, n]. XNNPACK packs (and here transposes) the right operand on every new
 * tensor, and a transpose on wasm is a strided pass: transposing the weight costs two passes over k x n.
 * With few rows (a video's tokens against a 768 x 3072 weight) (B dY^T)^T moves only the activations,
 * m x (2n + k) values, and measured 1.2-1.8x faster on X-CLIP-B/32's linear layers (12x with 8 rows).
 */
function leftGrad(dy: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const [m, n] = dy.shape;
  const k = b.shape[0];
  if (m * (2 * n + k) < 2 * k * n) return tf.transpose(tf.matMul(b, tf.transpose(dy))) as tf.Tensor2D;
  return tf.matMul(dy, tf.transpose(b));
}

/**
 * [m, k] @ [k, n] + bias [n] as one fused product (XNNPACK adds the bias in its output loop: no separate
 * pass over the [m, n] result), with the same flag-free backward as matmul2d.
 */
export const matmul2dBias = customGrad<tf.Tensor2D>(([a, b, bias], save) => {
  save([a, b]);
  return {
    value: replayed(1, () => [tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias })])[0],
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [
      leftGrad(dy as tf.Tensor2D, sb as tf.Tensor2D),
      tf.matMul(tf.transpose(sa as tf.Tensor2D), dy as tf.Tensor2D),
      tf.reshape(tf.sum(dy, 0), bias.shape),
    ],
  };
});

/** Swap the last two axes of a 3-D tensor (a 3-D transpose stays on the fast transpose path). */
export const swapLast = (x: tf.Tensor3D): tf.Tensor3D => tf.transpose(x, [0, 2, 1]);

/** [b, m, k] @ [b, k, n] (batched; wasm has no fast path for it, so keep it one call). */
export const bmm3 = customGrad<tf.Tensor3D>(([a, b], save) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor3D, swapLast(sb as tf.Tensor3D)),
      tf.matMul(swapLast(sa as tf.Tensor3D), dy as tf.Tensor3D),
    ],
  };
});

/** numpy broadcasting of two batch shapes. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`cannot broadcast [${a}] with [${b}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** matmul: [..., m, k] @ [..., k, n] -> [..., m, n], batch dims broadcast. */
export function matmul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.rank - 1];
  if (b.rank === 2) {
    // A weight-like right operand: fold a's batch into rows and take the fast 2-D path.
    const y = matmul2d(tf.reshape(a, [-1, k]) as tf.Tensor2D, b as tf.Tensor2D);
    return tf.reshape(y, [...a.shape.slice(0, -1), n]);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const size = batch.reduce((p, d) => p * d, 1);
  // Explicit broadcasts: their gradients (sums over the broadcast axes) are tfjs's own.
  const a3 = tf.reshape(tf.broadcastTo(a, [...batch, m, k]), [size, m, k]) as tf.Tensor3D;
  const b3 = tf.reshape(tf.broadcastTo(b, [...batch, k, n]), [size, k, n]) as tf.Tensor3D;
  return tf.reshape(bmm3(a3, b3), [...batch, m, n]);
}
