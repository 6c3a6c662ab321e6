/** Shared by the ONNX tests: checkpoint tensors as torch-layout f32, and errors between host tensors. */
import * as assert from "uvu/assert";
import type { ModelIR } from "../../src/compiler/4-ir/schema.ts";
import type { TorchTensor } from "../../src/runtime/onnx/lower.ts";
import { toFloat32, type HostTensor } from "../../src/runtime/weights/tensor.ts";

export function torchWeights(ir: ModelIR, tensors: ReadonlyMap<string, HostTensor>): Map<string, TorchTensor> {
  const out = new Map<string, TorchTensor>();
  for (const p of ir.params) {
    const t = tensors.get(p.path);
    if (t) out.set(p.path, { shape: t.shape, data: toFloat32(t) });
  }
  return out;
}

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
