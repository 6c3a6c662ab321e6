/**
 * attention(q, k, v){scale, causal}: softmax(scale * q k^T + mask) v, one fused op with a hand-written
 * backward: its products go through bmm (XNNPACK on wasm) and no softmax graph is taped.
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

function core(scale: number, causal: boolean) {
  return customGrad<tf.Tensor3D>(([q, k, v], save) => {
    const [p, value] = replayed(2, () => {
      let s: tf.Tensor = tf.mul(bmm(q as tf.Tensor3D, k as tf.Tensor3D, false, true), scale);
      if (causal) s = tf.add(s, causalMask(q.shape[1]!, k.shape[1]!));
      const p = tf.softmax(s) as tf.Tensor3D;
      return [p, bmm(p, v as tf.Tensor3D)];
    });
    save([q, k, v, p]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sp] = saved as tf.Tensor3D[];
        const d = dy as tf.Tensor3D;
        const dp = bmm(d, sv, false, true);
        const dv = bmm(sp, d, true, false);
        // softmax backward: p * (dp - sum(dp * p)), then the scale
        const ds = tf.mul(tf.mul(sp, tf.sub(dp, tf.sum(tf.mul(dp, sp), -1, true))), scale) as tf.Tensor3D;
        return [bmm(ds, sk), bmm(ds, sq, true, false), dv];
      },
    };
  });
}

const cores = new Map<string, ReturnType<typeof core>>();

export function attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number, causal: boolean): tf.Tensor {
  const [n, d] = q.shape.slice(-2);
  const m = k.shape[k.rank - 2];
  const e = v.shape[v.rank - 1];
  const batch = broadcastShapes(broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2)), v.shape.slice(0, -2));
  const size = batch.reduce((p, x) => p * x, 1);
  const flat = (t: tf.Tensor, r: number, c: number) => tf.reshape(tf.broadcastTo(t, [...batch, r, c]), [size, r, c]) as tf.Tensor3D;
  const key = `${scale}/${causal}`;
  let f = cores.get(key);
  if (!f) cores.set(key, (f = core(scale, causal)));
  return tf.reshape(f(flat(q, n, d), flat(k, m, d), flat(v, m, e)), [...batch, n, e]);
}
