/** Tensor values as ONNX raw_data: little-endian, in the element type's width. */
import type { DType } from "../../compiler/0-core/schema.ts";

export function rawBytes(dtype: DType, values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  switch (dtype) {
    case "f32": {
      const a = values instanceof Float32Array ? values : Float32Array.from(values);
      return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    }
    case "i64":
      return new Uint8Array(BigInt64Array.from(Array.from({ length: n }, (_, i) => BigInt(values[i]))).buffer);
    case "i32":
      return new Uint8Array(Int32Array.from(values).buffer);
    case "bool":
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
  }
}
