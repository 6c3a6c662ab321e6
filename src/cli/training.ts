/**
 * The training choices that `mdl train`, `mdl ir --train` and `mdl export --train` share: which parameters
 * train (--freeze, --train-only, --lr-group), weight decay, label smoothing and accumulation. Declared and
 * parsed once here, so the three commands read the same flags the same way.
 */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import type { ModelIR } from "../compiler/0-core/schema.ts";
import { buildTrainStep, type StepSettings } from "../compiler/5-train/step.ts";
import {
  DEFAULT_SMOOTHING,
  DEFAULT_WEIGHT_DECAY,
  stepSettings,
  type TrainingChoices,
} from "../runtime/session/step-settings.ts";
import { parseLrGroup } from "../runtime/session/select.ts";
import { collect } from "./io.ts";
import { parseCount, parseFraction } from "./options.ts";
import { givenRecipeFlags, recipeMixes, recipeOptions, type RecipeFlags } from "./recipe-options.ts";

const SUMS_SO_FAR = "inputs grad.<path> are the gradient sums so far (zeros at the first micro-batch)";

export interface TrainingFlags extends RecipeFlags {
  freeze?: string[];
  trainOnly?: string[];
  lrGroup?: string[];
  weightDecay?: string;
  smoothing?: string;
  accum?: string;
}

/** The flags as parsed; defaults filled in (X-CLIP's: decay 0.001, smoothing 0.1, no accumulation). */
export type Training = Required<
  Pick<TrainingChoices, "freeze" | "trainOnly" | "lrGroups" | "weightDecay" | "smoothing" | "accum" | "mix">
>;

export function trainingOptions(cmd: Command): Command {
  recipeOptions(cmd)
    .option("--accum <n>", "micro-batches per optimizer step (gradient accumulation; default 1)")
    .option(
      "--weight-decay <x>",
      `AdamW weight decay (none on embeddings, norms, biases; default ${DEFAULT_WEIGHT_DECAY})`,
    )
    .option(
      "--lr-group <pattern=scale>",
      "train what the path pattern selects at scale x the base rate, after the model's own groups, e.g. 'mit.**=10' or '**=1' (repeatable)",
      collect,
      [],
    )
    .option("--smoothing <f>", `label smoothing (default ${DEFAULT_SMOOTHING})`);
  return selectionOptions(cmd);
}

/** --freeze and --train-only, also taken by `mdl summary` to show what trains and what that costs. */
export function selectionOptions(cmd: Command): Command {
  return cmd
    .option(
      "--freeze <pattern>",
      "keep the parameters under a path fixed: a module (encode_text, as the official recipe does), a key, or a pattern " +
        "where * is one segment and ** any number ('visual.**', 'visual.transformer.resblocks.*.attn') (repeatable)",
      collect,
      [],
    )
    .option(
      "--train-only <pattern>",
      "train only the parameters these path patterns select, everything else frozen (repeatable)",
      collect,
      [],
    );
}

/** The numbers and groups as given; patterns are checked against the model later (`stepSettings`, `frozenParams`). */
export function parseTraining(o: TrainingFlags): Training {
  return {
    freeze: o.freeze ?? [],
    trainOnly: o.trainOnly ?? [],
    lrGroups: (o.lrGroup ?? []).map((g) => parseLrGroup(g)),
    weightDecay: o.weightDecay === undefined ? DEFAULT_WEIGHT_DECAY : parseFraction("--weight-decay", o.weightDecay),
    smoothing: o.smoothing === undefined ? DEFAULT_SMOOTHING : parseFraction("--smoothing", o.smoothing),
    accum: o.accum === undefined ? 1 : parseCount("--accum", o.accum, 1),
    mix: recipeMixes(o),
  };
}

/** The training flags the user gave, for commands where they apply only with --train. */
export function givenTrainingFlags(o: StepFlags): string[] {
  const out: string[] = [];
  if (o.freeze?.length) out.push("--freeze");
  if (o.trainOnly?.length) out.push("--train-only");
  if (o.lrGroup?.length) out.push("--lr-group");
  if (o.weightDecay !== undefined) out.push("--weight-decay");
  if (o.smoothing !== undefined) out.push("--smoothing");
  if (o.accum !== undefined) out.push("--accum");
  if (o.phase !== undefined) out.push("--phase");
  out.push(...givenRecipeFlags(o));
  return out;
}

// --- the training step as a program (mdl ir --train, mdl export --train) ---

export type Phase = "accumulate" | "update";

export interface StepFlags extends TrainingFlags {
  phase?: string;
}

export function phaseOption(cmd: Command): Command {
  return cmd.option(
    "--phase <name>",
    "with --accum > 1: `update` (the last micro-batch: adds its gradients to the sums, averages, " +
      "steps AdamW; the default) or `accumulate` (the other micro-batches: adds to the sums)",
  );
}

export interface StepChoices {
  training: Training;
  phase: Phase;
}

/** Parsed before compiling, so a bad value stops the command before any work. */
export function parseStep(o: StepFlags): StepChoices {
  const training = parseTraining(o);
  if (o.phase !== undefined && o.phase !== "update" && o.phase !== "accumulate")
    fail("usage", undefined, `--phase must be one of update, accumulate, got \`${o.phase}\``);
  const phase = (o.phase ?? "update") as Phase;
  if (phase === "accumulate" && training.accum < 2)
    fail(
      "usage",
      undefined,
      "--phase accumulate needs --accum 2 or more (with one micro-batch per step, `update` is the whole step)",
    );
  return { training, phase };
}

export interface TrainStep {
  step: ModelIR;
  settings: StepSettings & { frozen: Set<string> };
  phase: Phase;
}

/**
 * The training step of a compiled classifier, as an IR program. With accumulation both phases take the
 * gradient sums so far (`grad.<path>`, zeros for the first micro-batch), so one program serves every micro-batch
 * of its phase.
 */
export function trainStepOf(ir: ModelIR, { training, phase }: StepChoices): TrainStep {
  const logits = ir.graph.outputs.find((p) => p.name === "logits");
  if (!logits || logits.type.dtype !== "f32" || logits.type.shape.length !== 2)
    fail("not_a_classifier", ir.file, "the training step needs an output `logits` f32 [B, K]");
  const settings = stepSettings(ir, training);
  const step = buildTrainStep(ir, { ...settings, phase, carry: training.accum > 1 });
  return { step, settings, phase };
}

/** `#` lines that say what the program is: its phase, what trains, and the recipe's numbers. */
export function describeStep({ step, settings, phase }: TrainStep, total: number): string[] {
  const trained = settings.groups.reduce((n, g) => n + g.paths.length, 0);
  const groups = settings.groups.map((g) => `${g.paths.length} at lr x${g.lrScale}, decay ${g.weightDecay}`).join("; ");
  const accum = settings.accum ?? 1;
  const lines = [
    `# ${step.model}: the ${phase} phase${accum > 1 ? ` of ${accum} micro-batches per update; ${SUMS_SO_FAR}` : ""}`,
    `# trains ${trained} of ${total} parameters (${groups}); ${settings.frozen.size} frozen; label smoothing ` +
      `${settings.smoothing}${settings.mix ? " of targets mixed by mix_lambda (mixup, cutmix)" : ""}; ` +
      `AdamW betas ${settings.adam.beta1}, ${settings.adam.beta2}, eps ${settings.adam.eps}`,
  ];
  if (accum > 1)
    lines.push(
      phase === "update"
        ? "# there is also an `accumulate` program for the other micro-batches: --phase accumulate"
        : "# the last micro-batch runs the `update` program: --phase update",
    );
  return lines;
}
