/**
 * A compiled model ready to run: lowered once, params loaded once, then any number of predictions.
 * Each prediction frees its intermediates, so only the returned tensors outlive it.
 */
import type { ModelIR } from "../../compiler/4-ir/schema.ts";
import { engine, lowerSync } from "../backend/current.ts";
import type { RunResult, Tensor } from "../backend/engine.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import type { Coverage } from "../weights/coverage.ts";
import { disposeParams, loadParams } from "./load-params.ts";

export interface Runner {
  ir: ModelIR;
  coverage: Coverage;
  /** Outputs by name, and the values of the `keep` node ids; the caller disposes them. */
  run(inputs: Record<string, Tensor>, keep?: number[]): RunResult;
  dispose(): void;
}

export function createRunner(ir: ModelIR, ckpt: Checkpoint | undefined, opts: { strict?: boolean; seed?: number } = {}): Runner {
  const program = lowerSync(ir);
  const { params, coverage } = loadParams(ir, ckpt, opts);
  return {
    ir,
    coverage,
    run: (inputs, keep) => program.predict(inputs, params, { keep }),
    dispose: () => disposeParams(params),
  };
}
