/**
 * A compiled model ready to run: lowered once, params loaded once, then any number of predictions.
 * Each prediction runs inside one tf.tidy, so only the returned tensors outlive it.
 */
import type * as tf from "@tensorflow/tfjs";
import type { ModelIR } from "../../compiler/4-ir/schema.ts";
import { lowerToTfjs, paramStore, predict, type Lowered } from "../tfjs/lower.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import type { Coverage } from "../weights/coverage.ts";
import { disposeParams, loadParams } from "./load-params.ts";

export interface Runner {
  ir: ModelIR;
  coverage: Coverage;
  /** Outputs by name, and the values of the `keep` node ids; the caller disposes them. */
  run(inputs: Record<string, tf.Tensor>, keep?: number[]): { outputs: Record<string, tf.Tensor>; kept: Map<number, tf.Tensor> };
  dispose(): void;
}

export function createRunner(ir: ModelIR, ckpt: Checkpoint | undefined, opts: { strict?: boolean; seed?: number } = {}): Runner {
  const lowered: Lowered = lowerToTfjs(ir);
  const { params, coverage } = loadParams(ir, ckpt, opts);
  const store = paramStore(params);
  return {
    ir,
    coverage,
    run: (inputs, keep) => predict(lowered, inputs, store, { keep }),
    dispose: () => disposeParams(params),
  };
}
