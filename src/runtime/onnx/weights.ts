/**
 * A checkpoint as the lowering's weights: every declared parameter the checkpoint has with the declared
 * shape, as torch-layout f32 (fp16/bf16 widened). What it lacks starts from the declared init, as
 * `mdl predict` does on tfjs; `strict` makes any gap an error.
 */
import type { ModelIR } from "../../compiler/4-ir/schema.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import { assertStrict, coverage, type Coverage } from "../weights/coverage.ts";
import { toFloat32 } from "../weights/tensor.ts";
import type { TorchTensor } from "./lower.ts";

export function checkpointWeights(ir: ModelIR, ckpt: Checkpoint | undefined, opts: { strict?: boolean } = {}): { weights: Map<string, TorchTensor>; coverage: Coverage } {
  const cov = coverage(ir.params.map((p) => ({ path: p.path, shape: p.shape })), ckpt?.tensors ?? new Map());
  if (opts.strict && ckpt) assertStrict(cov, ckpt.file);
  const weights = new Map<string, TorchTensor>();
  for (const name of cov.loaded) {
    const t = ckpt!.tensors.get(name)!;
    weights.set(name, { shape: t.shape, data: toFloat32(t) });
  }
  return { weights, coverage: cov };
}
