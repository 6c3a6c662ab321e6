/** Shared by the ONNX tests: errors between host tensors. */
import * as assert from "uvu/assert";
import { toFloat32, type HostTensor } from "../../src/runtime/weights/tensor.ts";
import { relError } from "../helpers/rel-error.ts";

/** ||ours - ref|| / ||ref|| in float64, element by element in row-major order. */
export function hostRelError(ours: HostTensor, ref: HostTensor, name: string): number {
  const [a, r] = [toFloat32(ours), toFloat32(ref)];
  assert.is(a.length, r.length, `${name}: [${ours.shape}] against the reference's [${ref.shape}]`);
  return relError(a, r, name);
}
