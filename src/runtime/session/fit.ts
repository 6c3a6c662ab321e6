/**
 * Train a compiled video classifier on a data set: the glue between the IR, its parameters, the clips and the
 * model-free training loop. X-CLIP's recipe: AdamW, no decay on embeddings/norms/biases, the learning-rate groups
 * the model declares (lr x10 on what X-CLIP adds to CLIP), linear warm-up then cosine, label smoothing, logits against the texts of every class each step.
 */
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { engine, training } from "../backend/current.ts";
import type { Tensor } from "../backend/engine.ts";
import type { DatasetEntry } from "../data/dataset.ts";
import { train, type TrainOptions, type TrainResult } from "../train/loop.ts";
import { totalStepsOf, type StepInfo } from "../train/steps.ts";
import { warmupCosine } from "../train/schedule.ts";
import { groupsFor } from "../train/optimizer.ts";
import type { ProgressMode } from "../train/progress.ts";
import type { HostTensor } from "../weights/tensor.ts";
import { ClipBank } from "./clips.ts";
import {
  classLogits,
  classTexts,
  disposeModel,
  frozenTextLogits,
  irHash,
  openModel,
  torchWeightIo,
  type VideoModel,
} from "./model.ts";
import { frozenParams, modelLrScales, type LrGroup } from "./select.ts";
import { classifierShape, frozenTextSplit } from "./model.ts";
import { stepSettings } from "./step-settings.ts";
import { IrStepper } from "../train/ir-stepper.ts";
import { stepPorts } from "../../compiler/5-train/step.ts";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { toFloat32 } from "../weights/tensor.ts";
import { augmentBatch, mixes, NO_AUGMENT, type AugmentRecipe } from "../data/augment.ts";

export interface FitOptions {
  ir: ModelIR;
  /** Start from these torch-layout weights (missing ones are initialised). */
  weights?: Map<string, HostTensor>;
  classes: string[];
  entries: DatasetEntry[];
  out: string;
  seed: number;
  batch: number;
  accum?: number;
  steps?: number;
  epochs?: number;
  lr: number;
  /** Fraction of the steps spent warming up (X-CLIP: 5 of 30 epochs). */
  warmup?: number;
  minLr?: number;
  weightDecay?: number;
  /** Learning-rate groups after the model's own (`train { lr * 10: ... }`); a later group wins. */
  lrGroups?: LrGroup[];
  /** Scale-jittered training crops (default on). */
  jitter?: boolean;
  /** Path patterns (module instances, key prefixes, `*`/`**` wildcards) whose parameters are not trained. */
  freeze?: string[];
  /** Path patterns of the only parameters trained (the rest frozen). */
  trainOnly?: string[];
  smoothing?: number;
  /** The official recipe's mixup, cutmix, colour jitter and grayscale (data/augment.ts); default all off. */
  augment?: AugmentRecipe;
  checkpointEvery?: number;
  /** As the loop's: true for the newest checkpoint of `out` that verifies, a string for that checkpoint. */
  resume?: boolean | string;
  progress?: ProgressMode;
  config?: unknown;
  onStep?: (s: StepInfo) => void;
  /** Called with the trained model before it is freed (evaluation at the end of a run). */
  evalEvery?: number;
  evalFn?: (m: VideoModel, step: number) => Promise<Record<string, number>>;
  onLoaded?: (bank: ClipBank) => void;
  /** The run folder's keeping: checkpoints kept, best/ by a metric of evalFn's, --overwrite, and the start's record. */
  run?: Pick<TrainOptions, "keep" | "bestMetric" | "overwrite" | "onStart">;
  /**
   * Where gradients come from: "engine" (its own autodiff: tfjs) or "ir" (the compiler's training step, which
   * every engine runs). Default: the engine's autodiff where it has one.
   */
  gradients?: "engine" | "ir";
}

export interface FitResult extends TrainResult {
  model: VideoModel;
}

/** Train; the returned model stays allocated (dispose it with disposeModel). */
export async function fit(o: FitOptions): Promise<FitResult> {
  if ((o.gradients ?? (engine().training ? "engine" : "ir")) === "ir") return fitCompiled(o);
  // what trains, and at what rate, is settled before any data is read or memory allocated
  const frozen = frozenParams(o.ir, { freeze: o.freeze, trainOnly: o.trainOnly });
  const scales = modelLrScales(o.ir, o.lrGroups ?? []);
  const bank = await ClipBank.load(o.entries);
  o.onLoaded?.(bank);
  const model = openModel(o.ir, o.weights, { trainable: true, seed: o.seed });
  const variables = model.params;
  const text = classTexts(o.classes, model.context, o.ir);
  const cachedText = frozenTextLogits(model, text, frozen);
  const logitsOf = cachedText?.logits ?? ((video: Tensor, train: boolean) => classLogits(model, video, text, train));
  const { frames, size } = model;
  const labels = Int32Array.from(o.entries, (e) => e.label);
  const per = frames * 3 * size * size;
  try {
    const result = await train({
      variables,
      groups: groupsFor(
        [...variables.keys()].filter((k) => !frozen.has(k)),
        { baseDecay: o.weightDecay ?? 0.001, lrScale: scales },
      ),
      lossFn: (batch, rng) => {
        const data = new Float32Array(batch.length * per);
        batch.forEach((i, b) => bank.sampleInto(i, frames, size, rng, data, b * per, o.jitter ?? true));
        const mixed = augmentBatch(
          rng,
          o.augment ?? NO_AUGMENT,
          data,
          Int32Array.from(batch, (i) => labels[i]),
          frames,
          size,
        );
        const video = engine().fromHost({ dtype: "f32", shape: [batch.length, frames, 3, size, size], data });
        const logits = logitsOf(video, true);
        const t = training();
        const ce = (ys: Int32Array) => t.crossEntropy(logits, ys, o.smoothing ?? 0.1);
        if (!mixes(o.augment ?? NO_AUGMENT)) return ce(mixed.labels);
        // the soft-target cross-entropy is linear in the target: lambda CE(y_a) + (1 - lambda) CE(y_b)
        return t.add(t.scale(ce(mixed.labels), mixed.lambda), t.scale(ce(mixed.mixLabels), 1 - mixed.lambda));
      },
      ...loopOptions(o, torchWeightIo(o.ir), () => model),
    });
    return { ...result, model };
  } catch (err) {
    disposeModel(model);
    throw err;
  } finally {
    cachedText?.dispose();
    text.dispose();
  }
}

/**
 * fit through the compiled training step (compiler/5-train): the same data, schedule, groups and checkpoints,
 * with the gradients and AdamW in the step's IR. What depends only on the class texts and frozen parameters is
 * computed once, as `frozenTextLogits` does, and enters the step as constant inputs.
 */
async function fitCompiled(o: FitOptions): Promise<FitResult> {
  const settings = stepSettings(o.ir, {
    freeze: o.freeze,
    trainOnly: o.trainOnly,
    lrGroups: o.lrGroups,
    weightDecay: o.weightDecay,
    smoothing: o.smoothing,
    accum: o.accum,
    mix: mixes(o.augment ?? NO_AUGMENT),
  });
  if (settings.groups.length === 0) fail("usage", undefined, "nothing left to train");
  const bank = await ClipBank.load(o.entries);
  o.onLoaded?.(bank);
  const e = engine();
  const shape = classifierShape(o.ir);
  const f32 = o.weights && new Map([...o.weights].map(([k, t]) => [k, { shape: t.shape, data: toFloat32(t) }]));
  const params = e.createParams(o.ir, f32, { trainable: false, seed: o.seed, compiled: true });
  const text = classTexts(o.classes, shape.context, o.ir);
  const { stepIr, constants } = await constantSide(o.ir, text, params, settings.frozen);
  const stepper = await IrStepper.create(e, stepIr, settings, params, constants);
  // evaluation runs the compiled forward, which reads parameters in the same layout as the step
  const model: VideoModel = { ir: o.ir, params: new Map(params), compiledLayout: true, ...shape };
  const labels = Int32Array.from(o.entries, (x) => x.label);
  const per = shape.frames * 3 * shape.size * shape.size;
  const current = () => {
    model.params = new Map(stepper.params());
    return model;
  };
  try {
    const result = await train({
      stepper,
      inputsFn: (batch, rng) => {
        const data = new Float32Array(batch.length * per);
        batch.forEach((i, b) => bank.sampleInto(i, shape.frames, shape.size, rng, data, b * per, o.jitter ?? true));
        const mixed = augmentBatch(
          rng,
          o.augment ?? NO_AUGMENT,
          data,
          Int32Array.from(batch, (i) => labels[i]),
          shape.frames,
          shape.size,
        );
        const targets = settings.mix
          ? {
              [stepPorts.mixLabels]: e.fromHost({ dtype: "i32", shape: [batch.length], data: mixed.mixLabels }),
              [stepPorts.mixLambda]: e.fromHost({ dtype: "f32", shape: [], data: Float32Array.of(mixed.lambda) }),
            }
          : {};
        return {
          video: e.fromHost({ dtype: "f32", shape: [batch.length, shape.frames, 3, shape.size, shape.size], data }),
          [stepPorts.labels]: e.fromHost({ dtype: "i32", shape: [batch.length], data: mixed.labels }),
          ...targets,
        };
      },
      // compiled programs hold parameters in torch's layout already
      ...loopOptions(o, { save: (_path, v) => e.read(v), load: (_path, t) => e.fromHost(t) }, current),
    });
    return { ...result, model: current() };
  } catch (err) {
    disposeModel(current());
    throw err;
  } finally {
    // the texts may be the constants themselves: each tensor freed once
    e.dispose(new Set([...Object.values(constants), text]));
  }
}

/** The step's IR and its constant inputs: the video side with the text side's values cached when that side is frozen (else the texts themselves). */
async function constantSide(
  ir: ModelIR,
  text: Tensor,
  params: ReadonlyMap<string, Tensor>,
  frozen: ReadonlySet<string>,
): Promise<{ stepIr: ModelIR; constants: Record<string, Tensor> }> {
  const split = frozenTextSplit(ir, frozen);
  if (!split) return { stepIr: ir, constants: { text } };
  const program = await engine().compile(split.fixed);
  const constants = await program.run({ text }, params);
  await program.dispose();
  return { stepIr: split.varying, constants };
}

/** What the loop takes from fit's options whichever way the gradients come: data, schedule, checkpoints, reporting. */
function loopOptions(o: FitOptions, weightIo: LoopIo, model: () => VideoModel) {
  const plan = { dataSize: o.entries.length, batch: o.batch, accum: o.accum ?? 1, steps: o.steps, epochs: o.epochs };
  return {
    ...plan,
    lr: warmupCosine(o.lr, totalStepsOf(plan), o),
    seed: o.seed,
    checkpointEvery: o.checkpointEvery,
    out: o.out,
    resume: o.resume,
    config: o.config,
    irHash: irHash(o.ir),
    weightIo,
    onStep: o.onStep,
    evalEvery: o.evalEvery,
    evalFn: o.evalFn && ((step: number) => o.evalFn!(model(), step)),
    progress: o.progress,
    ...o.run,
  };
}
type LoopIo = NonNullable<TrainOptions["weightIo"]>;
