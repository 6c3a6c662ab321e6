/** Shape ops whose attributes are IR dims (numbers or polynomials over the batch symbols). */
import * as tf from "@tensorflow/tfjs";
import { evalDim } from "../../../compiler/4-ir/dim.ts";
import type { Dim } from "../../../compiler/4-ir/schema.ts";

export type Env = Readonly<Record<string, number>>;

export const dims = (shape: readonly Dim[], env: Env): number[] => shape.map((d) => evalDim(d, env));

/** slice{begin, size}: one entry per axis; a size of -1 runs to the end of the axis. */
export function slice(x: tf.Tensor, begin: readonly Dim[], size: readonly Dim[], env: Env): tf.Tensor {
  return tf.slice(x, dims(begin, env), dims(size, env));
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
