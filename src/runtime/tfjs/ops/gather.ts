/**
 * Embedding lookups. tfjs's gather gradient needs UnsortedSegmentSum, which the wasm backend lacks,
 * so the table gradient is a ScatterNd (which sums repeated ids).
 */
import * as tf from "@tensorflow/tfjs";
import { customGrad } from "./custom-grad.ts";

const rows = customGrad(([table, ids], save) => {
  save([ids]);
  const shape = table.shape;
  return {
    value: tf.gather(table, ids, 0),
    gradFunc: (dy: tf.Tensor, [sids]: tf.Tensor[]) => [
      tf.scatterND(tf.reshape(sids, [-1, 1]), dy, shape),
      tf.zerosLike(sids),
    ],
  };
});

/** gather(table, ids): table [V, ...], ids int [...] -> [...ids, ...table[1:]]. */
export function gather(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const flat = tf.reshape(ids.dtype === "int32" ? ids : tf.cast(ids, "int32"), [-1]);
  return tf.reshape(rows(table, flat), [...ids.shape, ...table.shape.slice(1)]);
}

/** gather_rows(x, idx): x [N, S, ...], idx int [N] -> [N, ...]; row n takes x[n, idx[n]]. */
export function gatherRows(x: tf.Tensor, idx: tf.Tensor): tf.Tensor {
  const [n, s] = x.shape;
  const flatIdx = tf.add(tf.mul(tf.range(0, n, 1, "int32"), s), tf.cast(idx, "int32"));
  return gather(tf.reshape(x, [n * s, ...x.shape.slice(2)]), flatIdx);
}
