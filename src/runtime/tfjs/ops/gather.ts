/**
 * Embedding lookups and their inverse. tfjs's gather gradient needs UnsortedSegmentSum, which the wasm
 * backend lacks, so the table gradient is a ScatterNd (which sums repeated ids); scatter_add is that
 * ScatterNd as an op, its gradient a gather. Ids arrive as int32 (tfjs has no int64).
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

const int32 = (ids: tf.Tensor) => (ids.dtype === "int32" ? ids : tf.cast(ids, "int32"));

/** gather(table, ids): table [V, ...], ids int [...] -> [...ids, ...table[1:]]. */
export function gather(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const flat = tf.reshape(int32(ids), [-1]);
  return tf.reshape(rows(table, flat), [...ids.shape, ...table.shape.slice(1)]);
}

/** gather_rows(x, idx): x [N, S, ...], idx int [N] -> [N, ...]; row n takes x[n, idx[n]]. */
export function gatherRows(x: tf.Tensor, idx: tf.Tensor): tf.Tensor {
  const [n, s] = x.shape;
  const flatIdx = tf.add(tf.mul(tf.range(0, n, 1, "int32"), s), tf.cast(idx, "int32"));
  return gather(tf.reshape(x, [n * s, ...x.shape.slice(2)]), flatIdx);
}

/** scatter_add(ids, updates){rows}: ids int [...], updates [...ids, ...rest] -> [rows, ...rest], repeated ids summed. */
export function scatterAdd(ids: tf.Tensor, updates: tf.Tensor, rows: number): tf.Tensor {
  // one id: tf.scatterND reads rank-1 indices as a batch, so the id and its update become a batch of one
  if (ids.rank === 0) return scatterAdd(tf.reshape(ids, [1]), tf.expandDims(updates, 0), rows);
  const shape = [rows, ...updates.shape.slice(ids.rank)];
  const f = customGrad(([index, u], save) => {
    save([index]);
    return {
      value: tf.scatterND(index, u, shape),
      // each update's cotangent is its row of dy
      gradFunc: (dy: tf.Tensor, [sindex]: tf.Tensor[]) => [tf.zerosLike(sindex), tf.gatherND(dy, sindex)],
    };
  });
  return f(tf.expandDims(int32(ids), -1), updates);
}

/** one_hot(ids){depth}: f32 [..., depth], 1 at each id; an id outside [0, depth) gives a zero row. */
export function oneHot(ids: tf.Tensor, depth: number): tf.Tensor {
  return tf.cast(tf.oneHot(int32(ids), depth), "float32");
}
