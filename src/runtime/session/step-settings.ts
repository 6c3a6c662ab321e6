/**
 * The training step's settings from a model and the run's choices: which parameters train (the model's own
 * `train` groups, --freeze, --train-only, --lr-group), their AdamW groups (no decay on embeddings, norms and
 * biases), label smoothing and accumulation. `mdl ir --train`, `mdl export --train` and fit all read it here.
 */
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import type { StepSettings } from "../../compiler/5-train/step.ts";
import { groupsFor, XCLIP_ADAMW, type AdamWOptions } from "../train/optimizer.ts";
import { frozenParams, modelLrScales, type LrGroup } from "./select.ts";

export interface TrainingChoices {
  freeze?: string[];
  trainOnly?: string[];
  lrGroups?: LrGroup[];
  weightDecay?: number;
  smoothing?: number;
  accum?: number;
  adam?: AdamWOptions;
  /** Mixup or cutmix on: the step takes mixed targets (`mix_labels`, `mix_lambda`). */
  mix?: boolean;
}

/** X-CLIP's defaults: weight decay 0.001, label smoothing 0.1. */
export const DEFAULT_WEIGHT_DECAY = 0.001;
export const DEFAULT_SMOOTHING = 0.1;

export function stepSettings(ir: ModelIR, c: TrainingChoices = {}): StepSettings & { frozen: Set<string> } {
  const frozen = frozenParams(ir, { freeze: c.freeze, trainOnly: c.trainOnly });
  const scales = modelLrScales(ir, c.lrGroups ?? []);
  const paths = ir.params.map((p) => p.path).filter((p) => !frozen.has(p));
  return {
    frozen,
    groups: groupsFor(paths, { baseDecay: c.weightDecay ?? DEFAULT_WEIGHT_DECAY, lrScale: scales }),
    smoothing: c.smoothing ?? DEFAULT_SMOOTHING,
    adam: { ...XCLIP_ADAMW, ...c.adam },
    accum: c.accum ?? 1,
    ...(c.mix ? { mix: true } : {}),
  };
}
