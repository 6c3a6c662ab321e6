/**
 * A checkpoint into runtime params: every declared parameter the checkpoint has (by name, same shape) is
 * loaded; the others keep their declared init, seeded, as torch's `load_state_dict(strict=False)` leaves
 * freshly initialised modules. `strict` turns any gap into an error instead.
 */
import type { ModelIR } from "../../compiler/4-ir/schema.ts";
import { engine } from "../backend/current.ts";
import type { HostF32, Tensor } from "../backend/engine.ts";
import { assertStrict, coverage, type Coverage } from "../weights/coverage.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import { toFloat32 } from "../weights/tensor.ts";

export interface LoadedParams {
  params: Map<string, Tensor>;
  coverage: Coverage;
}

export function checkpointCoverage(ir: ModelIR, ckpt: Checkpoint): Coverage {
  return coverage(
    ir.params.map((p) => ({ path: p.path, shape: p.shape })),
    ckpt.tensors,
  );
}

export function loadParams(ir: ModelIR, ckpt: Checkpoint | undefined, opts: { strict?: boolean; seed?: number } = {}): LoadedParams {
  const cov = ckpt ? checkpointCoverage(ir, ckpt) : coverage(ir.params.map((p) => ({ path: p.path, shape: p.shape })), new Map());
  if (opts.strict && ckpt) assertStrict(cov, ckpt.file);
  // Only exact matches are used; a mismatched tensor is reported and the param keeps its init.
  const source = new Map<string, HostF32>();
  for (const name of cov.loaded) {
    const t = ckpt!.tensors.get(name)!;
    source.set(name, { shape: t.shape, data: toFloat32(t) });
  }
  const params = engine().createParams(ir, source, { trainable: false, seed: opts.seed ?? 0 });
  return { params, coverage: cov };
}

export function disposeParams(params: Map<string, Tensor>): void {
  engine().dispose(params.values());
}
