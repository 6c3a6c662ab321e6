/**
 * attention(q, k, v){scale, causal}: softmax(scale * q k^T + mask) v, one fused op with a hand-written
 * backward: its products go through bmm (XNNPACK on wasm) and no softmax graph is taped.
 * attention_probs(q, k){scale, causal} is its first half, the weights p, with the same backward for p.
 */
import * as tf from "@tensorflow/tfjs";
import { customGrad } from "./custom-grad.ts";
import { bmm, broadcastShapes } from "./matmul.ts";
import { replayed } from "./replay.ts";

/** [n, m] additive mask: 0 on and below the diagonal, -inf above it. */
export function causalMask(n: number, m: number): tf.Tensor2D {
  const data = new Float32Array(n * m);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < m; j++) data[i * m + j] = -Infinity;
  return tf.tensor2d(data, [n, m]);
}

/** p = softmax(scale * q k^T + mask) on [g, n, d], [g, m, d] -> [g, n, m]. */
function probs(q: tf.Tensor3D, k: tf.Tensor3D, scale: number, causal: boolean): tf.Tensor3D {
  let s: tf.Tensor = tf.mul(bmm(q, k, false, true), scale);
  if (causal) s = tf.add(s, causalMask(q.shape[1], k.shape[1]));
  return tf.softmax(s) as tf.Tensor3D;
}

/** The cotangents of q and k from dp, the cotangent of p: ds = p (dp - sum(dp p)) scale, dq = ds k, dk = ds^T q. */
function probsGrad(dp: tf.Tensor3D, p: tf.Tensor3D, q: tf.Tensor3D, k: tf.Tensor3D, scale: number): tf.Tensor3D[] {
  const ds = tf.mul(tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), -1, true))), scale) as tf.Tensor3D;
  return [bmm(ds, k), bmm(ds, q, true, false)];
}

function attentionCore(scale: number, causal: boolean) {
  return customGrad<tf.Tensor3D>(([q, k, v], save) => {
    const [p, value] = replayed(2, () => {
      const p = probs(q as tf.Tensor3D, k as tf.Tensor3D, scale, causal);
      return [p, bmm(p, v as tf.Tensor3D)];
    });
    save([q, k, v, p]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp] = saved as tf.Tensor3D[];
        const d = dy as tf.Tensor3D;
        return [...probsGrad(bmm(d, sv, false, true), sp, sq, sk, scale), bmm(sp, d, true, false)];
      },
    };
  });
}

function probsCore(scale: number, causal: boolean) {
  return customGrad<tf.Tensor3D>(([q, k], save) => {
    const [p] = replayed(1, () => [probs(q as tf.Tensor3D, k as tf.Tensor3D, scale, causal)]);
    save([q, k, p]);
    return {
      value: p,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sp] = saved as tf.Tensor3D[];
        return probsGrad(dy as tf.Tensor3D, sp, sq, sk, scale);
      },
    };
  });
}

/** One core per (scale, causal), made on first use. */
function cached(make: (scale: number, causal: boolean) => (...x: tf.Tensor[]) => tf.Tensor3D) {
  const cores = new Map<string, ReturnType<typeof make>>();
  return (scale: number, causal: boolean) => {
    const key = `${scale}/${causal}`;
    let f = cores.get(key);
    if (!f) cores.set(key, (f = make(scale, causal)));
    return f;
  };
}
const attentionCores = cached(attentionCore);
const probsCores = cached(probsCore);

/** Operands [..., r, c] broadcast to one batch shape and folded into one leading axis, for the 3-D cores. */
function folded(ts: tf.Tensor[]): { batch: number[]; flat: tf.Tensor3D[] } {
  const batch = ts.reduce<number[]>((b, t) => broadcastShapes(b, t.shape.slice(0, -2)), []);
  const size = batch.reduce((p, x) => p * x, 1);
  const flat = ts.map((t) => {
    const [r, c] = t.shape.slice(-2);
    return tf.reshape(tf.broadcastTo(t, [...batch, r, c]), [size, r, c]) as tf.Tensor3D;
  });
  return { batch, flat };
}

export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number, causal: boolean): tf.Tensor {
  const { batch, flat } = folded([q, k, v]);
  return tf.reshape(attentionCores(scale, causal)(...flat), [...batch, q.shape[q.rank - 2], v.shape[v.rank - 1]]);
}

/** attention_probs(q, k): q [..., n, d], k [..., m, d] -> [..., n, m]. */
export function attentionProbs(q: tf.Tensor, k: tf.Tensor, scale: number, causal: boolean): tf.Tensor {
  const { batch, flat } = folded([q, k]);
  return tf.reshape(probsCores(scale, causal)(...flat), [...batch, q.shape[q.rank - 2], k.shape[k.rank - 2]]);
}
