/**
 * The training loop's core, with no Node API, so the CLI (loop.ts) and the browser playground run the same
 * steps: the data order (a seeded permutation per epoch), the learning-rate schedule, micro-batches summed
 * into one optimizer step of a Stepper (AdamW, by the engine or in the compiled training step), the loss and
 * its check. Checkpoints, the run lock, signals, metrics files and the progress bar are loop.ts's: they come
 * in through `afterStep` and `stop`.
 */
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import type { Tensor } from "../backend/engine.ts";
import type { Stepper } from "./ir-stepper.ts";
import { Rng } from "./rng.ts";
import { lrAt, type LrSchedule } from "./schedule.ts";

export interface StepInfo {
  step: number;
  loss: number;
  lr: number;
  examplesPerS: number;
  epoch: number;
}

/** How examples make steps: `batch` examples per micro-batch, `accum` micro-batches per optimizer step. */
export interface BatchPlan {
  dataSize: number;
  /** Examples per micro-batch; one optimizer step sees batch * accum examples. */
  batch: number;
  accum?: number;
  /** Either steps, or epochs (an incomplete last micro-batch of an epoch is dropped, as X-CLIP's loader does). */
  steps?: number;
  epochs?: number;
}

/** Optimizer steps of a run: `steps`, or whole micro-batches of `epochs` epochs (default 1) over `accum`. */
export function totalStepsOf(o: BatchPlan): number {
  return o.steps ?? Math.floor(((o.epochs ?? 1) * Math.floor(o.dataSize / o.batch)) / (o.accum ?? 1));
}

// RNG streams: 1 for the loss function's draws, EPOCH_STREAM + e for epoch e's data order.
const LOSS_STREAM = 1;
const EPOCH_STREAM = 0x10000;

/** The generator handed to the inputs (sampling, augmentation) of a fresh run; a resumed run restores its state. */
export const inputRng = (seed: number) => Rng.seeded(seed, LOSS_STREAM);

/** The checked plan: micro-batches per epoch and optimizer steps. */
export function checkPlan(o: BatchPlan): { accum: number; perEpoch: number; totalSteps: number } {
  const accum = o.accum ?? 1;
  invariant(
    o.batch > 0 && accum > 0 && Number.isInteger(o.batch) && Number.isInteger(accum),
    "batch and accum must be positive integers",
  );
  const perEpoch = Math.floor(o.dataSize / o.batch);
  if (perEpoch === 0)
    fail("usage", undefined, `the batch size ${o.batch} is larger than the data set (${o.dataSize} examples)`);
  return { accum, perEpoch, totalSteps: totalStepsOf(o) };
}

export interface StepsOptions extends BatchPlan {
  seed: number;
  stepper: Stepper;
  /** One micro-batch's inputs from its example indices; `rng` is for sampling and augmentation. */
  inputsOf: (batch: Int32Array, rng: Rng) => Record<string, Tensor>;
  lr: LrSchedule;
  /** The stream `inputsOf` draws from (default: a fresh run's, inputRng(seed)). */
  rng?: Rng;
  /** Steps already made (a resumed run). */
  from?: number;
  /** Asked before each step, once the one before and its `afterStep` are complete: true stops the run there. */
  stop?: () => boolean | Promise<boolean>;
  afterStep?: (info: StepInfo) => void | Promise<void>;
  /** What a non-finite loss error names (the run folder). */
  where?: string;
}

/**
 * Optimizer steps from `from` up to the plan's total, or until `stop` says so. Returns the step reached and its
 * loss. The stepper stays the caller's to dispose.
 */
export async function runSteps(o: StepsOptions): Promise<{ step: number; loss: number | undefined }> {
  const { accum, perEpoch, totalSteps } = checkPlan(o);
  const rng = o.rng ?? inputRng(o.seed);
  let epochCache: { epoch: number; order: Int32Array } | undefined;
  const microBatch = (k: number): { idx: Int32Array; epoch: number } => {
    const epoch = Math.floor(k / perEpoch);
    if (epochCache?.epoch !== epoch)
      epochCache = { epoch, order: Rng.seeded(o.seed, EPOCH_STREAM + epoch).permutation(o.dataSize) };
    const off = (k % perEpoch) * o.batch;
    return { idx: epochCache.order.subarray(off, off + o.batch), epoch };
  };

  let step = o.from ?? 0;
  let loss: number | undefined;
  while (step < totalSteps) {
    if (await o.stop?.()) break;
    const t0 = performance.now();
    const lr = lrAt(step, o.lr);
    let lossSum = 0;
    let epoch = 0;
    for (let j = 0; j < accum; j++) {
      const mb = microBatch(step * accum + j);
      epoch = mb.epoch;
      lossSum += await o.stepper.micro(o.inputsOf(mb.idx, rng), j, accum, lr);
    }
    const stepLoss = lossSum / accum;
    if (!Number.isFinite(stepLoss)) fail("non_finite_loss", o.where, step + 1);
    step++;
    loss = stepLoss;
    const examplesPerS = (o.batch * accum) / ((performance.now() - t0) / 1000);
    await o.afterStep?.({ step, loss, lr, examplesPerS, epoch });
  }
  return { step, loss };
}
