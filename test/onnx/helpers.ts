/** Shared by the ONNX tests: errors between host tensors. */
import * as assert from "uvu/assert";
import { toFloat32, type HostTensor } from "../../src/runtime/weights/tensor.ts";

/** ||ours - ref|| / ||ref|| in float64, element by element in row-major order. */
export function hostRelError(ours: HostTensor, ref: HostTensor, name: string): number {
  const [a, r] = [toFloat32(ours), toFloat32(ref)];
  assert.is(a.length, r.length, `${name}: [${ours.shape}] against the reference's [${ref.shape}]`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < r.length; i++) {
    num += (a[i] - r[i]) ** 2;
    den += r[i] ** 2;
  }
  return Math.sqrt(num / den);
}
