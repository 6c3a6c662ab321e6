/**
 * Matrix products written for the wasm backend: only a 2-D matMul without transpose flags reaches
 * XNNPACK, and tfjs's built-in matMul gradient uses the flags (15x slower), so every product here
 * has a custom gradient that transposes explicitly and multiplies flag-free; batched products go to
 * XNNPACK as depthwise convolutions (bmm).
 */
import * as tf from "@tensorflow/tfjs";
import { customGrad } from "./custom-grad.ts";
import { replayed } from "./replay.ts";

/**
 * A 2-D transpose. tfjs-wasm's 2-D kernel reads in order and writes with a stride of the row count, which
 * thrashes the cache when the rows are many (measured: [3072, 400] 11.3 ms, [400, 3072] 0.9 ms); its 3-D kernel
 * walks the output in order. With more rows than columns the rows are split in two blocks and the 3-D kernel does
 * it ([3072, 400] in 3.1 ms, [3072, 768] 8.3 ms instead of 20.9). Other backends: tf.transpose.
 */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  const [r, c] = x.shape;
  const f = [2, 3, 5, 7].find((d) => r % d === 0);
  if (tf.getBackend() !== "wasm" || r <= c || !f) return tf.transpose(x);
  return tf.reshape(tf.transpose(tf.reshape(x, [f, r / f, c]), [2, 0, 1]), [c, r]);
}

/** [m, k] @ [k, n] on the fast path, with a fast backward. */
export const matmul2d = customGrad<tf.Tensor2D>(([a, b], save) => {
  save([a, b]);
  return {
    value: replayed(1, () => [tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D)])[0],
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [
      leftGrad(dy as tf.Tensor2D, sb as tf.Tensor2D),
      tf.matMul(transpose2d(sa as tf.Tensor2D), dy as tf.Tensor2D),
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
  if (m * (2 * n + k) < 2 * k * n) return transpose2d(tf.matMul(b, transpose2d(dy)));
  return tf.matMul(dy, transpose2d(b));
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
      tf.matMul(transpose2d(sa as tf.Tensor2D), dy as tf.Tensor2D),
      tf.reshape(tf.sum(dy, 0), bias.shape),
    ],
  };
});

/**
 * Batched [g, m, k] @ [g, k, n]; `ta` / `tb` say an operand is given transposed ([g, k, m], [g, n, k]).
 * tfjs-wasm multiplies a batch larger than 1 in a scalar loop (XNNPACK sees only a batch of 1). Written as a
 * depthwise convolution it reaches XNNPACK's grouped GEMM: a channel per batch entry, a [1, k] filter spanning the
 * shared axis and a channel multiplier of n (input [m, 1, k, g], filter [1, k, g, n], output [m, 1, 1, g * n]).
 * With its transposes that measured 3-4x faster on attention's [96, 51, 64] products. Other backends multiply
 * batches natively and take the flags as they are. wasm has no depthwise gradient kernels: bmm is for forwards and
 * backwards that are custom gradients themselves (bmm3, attention).
 */
export function bmm(a: tf.Tensor3D, b: tf.Tensor3D, ta = false, tb = false): tf.Tensor3D {
  if (tf.getBackend() !== "wasm") return tf.matMul(a, b, ta, tb);
  const [g, m, k] = ta ? [a.shape[0], a.shape[2], a.shape[1]] : a.shape;
  const n = tb ? b.shape[1] : b.shape[2];
  if (g === 1) {
    // XNNPACK's own path: 2-D and flag-free
    const a2 = tf.reshape(a, ta ? [k, m] : [m, k]) as tf.Tensor2D;
    const b2 = tf.reshape(b, tb ? [n, k] : [k, n]) as tf.Tensor2D;
    return tf.reshape(tf.matMul(ta ? transpose2d(a2) : a2, tb ? transpose2d(b2) : b2), [1, m, n]);
  }
  const x = tf.reshape(tf.transpose(a, ta ? [2, 1, 0] : [1, 2, 0]), [m, 1, k, g]) as tf.Tensor4D;
  const filter = tf.reshape(tf.transpose(b, tb ? [2, 0, 1] : [1, 0, 2]), [1, k, g, n]) as tf.Tensor4D;
  return tf.transpose(tf.reshape(tf.depthwiseConv2d(x, filter, 1, "valid"), [m, g, n]), [1, 0, 2]);
}

/** [b, m, k] @ [b, k, n], one call (see bmm), with a backward of two more batched products. */
export const bmm3 = customGrad<tf.Tensor3D>(([a, b], save) => {
  save([a, b]);
  return {
    value: bmm(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [
      bmm(dy as tf.Tensor3D, sb as tf.Tensor3D, false, true),
      bmm(sa as tf.Tensor3D, dy as tf.Tensor3D, true, false),
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
  // an empty sum: XNNPACK refuses k = 0 (tfjs-wasm then returns uninitialised memory) and reshape cannot infer -1
  if (k === 0) return tf.zeros([...broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n]);
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
