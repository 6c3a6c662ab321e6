/** Shape ops whose attributes are IR dims (numbers or polynomials over the batch symbols). */
import * as tf from "@tensorflow/tfjs";
import { evalDim } from "../../../compiler/0-core/dim.ts";
import type { Dim } from "../../../compiler/0-core/schema.ts";

export type Env = Readonly<Record<string, number>>;

export const dims = (shape: readonly Dim[], env: Env): number[] => shape.map((d) => evalDim(d, env));

/** slice{begin, size}: one entry per axis; a size of -1 runs to the end of the axis. */
export function slice(x: tf.Tensor, begin: readonly Dim[], size: readonly Dim[], env: Env): tf.Tensor {
  return sliceRuns(x, dims(begin, env), dims(size, env));
}

/**
 * tf.slice with the whole trailing axes folded into the last one that is cut: the same values, copied as
 * fewer, longer runs. tfjs-wasm copies a slice in JavaScript, one run of the innermost axis at a time: q, k and v
 * cut from [8, 36, 51, 64] took 4,896 copies of 64 values each (~12 ms); folded, [8, 36 * 3264], they are
 * 8 copies. The gradient (a pad) gets the same lower rank.
 */
export function sliceRuns(x: tf.Tensor, begin: readonly number[], size: readonly number[]): tf.Tensor {
  const shape = x.shape;
  // a scalar's slice is the scalar (the training step's backward pass makes them); tf.slice refuses rank 0
  if (shape.length === 0) return tf.reshape(x, []);
  const full = (a: number) => begin[a] === 0 && (size[a] === -1 || size[a] === shape[a]);
  let last = shape.length - 1;
  while (last > 0 && full(last)) last--;
  if (last === shape.length - 1) return tf.slice(x, begin as number[], size as number[]);
  const inner = shape.slice(last + 1).reduce((p, d) => p * d, 1);
  const cut = size[last] === -1 ? shape[last] - begin[last] : size[last];
  const folded = tf.slice(
    tf.reshape(x, [...shape.slice(0, last), shape[last] * inner]),
    [...begin.slice(0, last), begin[last] * inner],
    [...size.slice(0, last), cut * inner],
  );
  return tf.reshape(folded, [...folded.shape.slice(0, last), cut, ...shape.slice(last + 1)]);
}

export function fill(shape: readonly Dim[], value: number, dtype: tf.DataType, env: Env): tf.Tensor {
  return tf.fill(dims(shape, env), value, dtype);
}

/** IR dtypes on tfjs: int64 has no tfjs type, ids and indices arrive as int32. */
export function tfDtype(d: string): tf.DataType {
  switch (d) {
    case "f32":
      return "float32";
    case "i64":
    case "i32":
      return "int32";
    case "bool":
      return "bool";
    default:
      throw new Error(`unknown IR dtype ${d}`);
  }
}
