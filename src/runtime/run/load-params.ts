/**
 * A checkpoint as a model's weights: every declared parameter the checkpoint has (by name, same shape) is
 * taken, as torch-layout f32 (fp16/bf16 widened); the others keep their declared init, seeded, as torch's
 * `load_state_dict(strict=False)` leaves freshly initialised modules. `strict` turns any gap into an error
 * instead. Engines bake these into inference programs (`compile`'s `bake`); the ONNX export writes them.
 */
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import type { HostF32 } from "../backend/engine.ts";
import { assertShapes, assertStrict, coverage, type Coverage } from "../weights/coverage.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { isFloat, toFloat32, type HostTensor } from "../weights/tensor.ts";

export function checkpointCoverage(ir: ModelIR, ckpt: Checkpoint | undefined): Coverage {
  return coverage(
    ir.params.map((p) => ({ path: p.path, shape: p.shape })),
    ckpt?.tensors ?? new Map(),
  );
}

/**
 * An integer tensor for a float parameter is refused: its values would be read as floats (int8 quantised
 * weights as -128..127, the scales lost), giving garbage outputs with exit 0.
 */
function assertFloatWeights(ir: ModelIR, ckpt: Checkpoint, names: readonly string[]): void {
  const declared = new Map(ir.params.map((p) => [p.path, p.dtype]));
  for (const name of names) {
    const want = declared.get(name);
    const got = ckpt.sourceDtypes.get(name) ?? ckpt.tensors.get(name)!.dtype;
    if (want === "f32" && !isFloat(got)) fail("integer_weight", ckpt.file, name, got, want);
  }
}

export function checkpointWeights(
  ir: ModelIR,
  ckpt: Checkpoint | undefined,
  opts: { strict?: boolean } = {},
): { weights: Map<string, HostF32>; coverage: Coverage } {
  const cov = checkpointCoverage(ir, ckpt);
  if (opts.strict && ckpt) assertStrict(cov, ckpt.file);
  if (ckpt) assertFloatWeights(ir, ckpt, cov.loaded);
  // Only exact matches are used; a mismatched tensor is reported and the param keeps its init.
  const weights = new Map<string, HostF32>();
  for (const name of cov.loaded) {
    const t = ckpt!.tensors.get(name)!;
    weights.set(name, { shape: t.shape, data: toFloat32(t) });
  }
  return { weights, coverage: cov };
}

/**
 * Where training starts: the checkpoint's tensors the model declares, at their declared shapes; a tensor of
 * another shape is an error, as in torch's load_state_dict even with strict=False. So a CLIP state dict
 * starts X-CLIP with CLIP's parameters and the rest (message layers, MIT, prompt generator) as the model
 * declares them, and the coverage is the report torch's `_IncompatibleKeys` gives.
 */
export function trainingStart(ir: ModelIR, ckpt: Checkpoint): { weights: Map<string, HostTensor>; coverage: Coverage } {
  const cov = checkpointCoverage(ir, ckpt);
  assertShapes(cov, ckpt.file);
  assertFloatWeights(ir, ckpt, cov.loaded);
  return { weights: new Map(cov.loaded.map((name) => [name, ckpt.tensors.get(name)!])), coverage: cov };
}
