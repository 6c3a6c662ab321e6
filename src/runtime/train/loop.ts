/**
 * The training loop, independent of any model and engine: it takes named parameters (trainable tensors of the
 * current engine), parameter groups and a loss function over example indices. Data order, the RNG handed to the loss and every number saved make a run
 * reproducible bit for bit, including across a kill and `resume`. One process at a time trains into a run folder
 * (run-lock.ts); SIGINT and SIGTERM stop it after the current step with a checkpoint (signals.ts). The steps
 * themselves are steps.ts's, which the browser playground runs too; what is here is the Node half around them.
 */
import { basename, join } from "node:path";
import { diag, fail, type Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";
import { renderDiagnostic } from "../../compiler/diagnostics/render.ts";
import { engine } from "../backend/current.ts";
import type { Tensor } from "../backend/engine.ts";
import type { HostTensor } from "../weights/tensor.ts";
import {
  CHECKPOINT_FORMAT,
  clearRun,
  latestCheckpoint,
  pointTo,
  readPointer,
  removeLeftovers,
  saveCheckpoint,
  stepOf,
  type CheckpointState,
  type SavePhase,
} from "./checkpoint.ts";
import { BEST, BEST_IN_CHECKPOINT, improves, removeBest, restoreBest, saveBest, type Best } from "./best.ts";
import { MetricsLog } from "./metrics.ts";
import type { AdamWOptions } from "./optimizer.ts";
import { createProgress, type ProgressMode } from "./progress.ts";
import { Rng } from "./rng.ts";
import type { LrSchedule } from "./schedule.ts";
import { mkdirSync } from "node:fs";
import type { Stepper } from "./ir-stepper.ts";
import { autodiffStepper, type AutodiffSteps, type WeightIo } from "./autodiff-stepper.ts";
import { checkpointToResume } from "./recover.ts";
import { acquireRunLock } from "./run-lock.ts";
import { Interrupted, exitCodeOf, watchStopSignals, type StopWatch } from "./signals.ts";
import { checkPlan, inputRng, runSteps, type BatchPlan, type StepInfo } from "./steps.ts";

/** Gradients and the update by a compiled training step (compiler/5-train) on any engine. */
export interface CompiledSteps {
  stepper: Stepper;
  /** One micro-batch's inputs (labels included); `rng` is for sampling and augmentation. */
  inputsFn: (batch: Int32Array, rng: Rng) => Record<string, Tensor>;
}

export type TrainOptions = (AutodiffSteps | CompiledSteps) & LoopOptions;

/** The data set, batch, accum and run length are steps.ts's BatchPlan. */
interface LoopOptions extends BatchPlan {
  lr: LrSchedule;
  adam?: AdamWOptions;
  seed: number;
  /** Save every N steps (and always at the end). */
  checkpointEvery?: number;
  keep?: number;
  out: string;
  /** true: continue from the newest checkpoint of `out` that verifies (latest.json's, else an older one, with a
   * notice), or start fresh when there is none, so a restart loop can always pass it;
   * a string: from that checkpoint (`ckpt-N` of `out`, or a directory). */
  resume?: boolean | string;
  /** Warnings and notes along the way (a stale lock taken over, a damaged checkpoint skipped); default: stderr. */
  notice?: (d: Diagnostic) => void;
  config?: unknown;
  irHash?: string;
  /** Extra state to save with each checkpoint (the caller restores it from the result's `resumed`). */
  stateExtra?: () => unknown;
  onStep?: (info: StepInfo) => void;
  onCheckpoint?: (dir: string, step: number) => void;
  onSavePhase?: (phase: SavePhase, step: number) => void;
  evalEvery?: number;
  evalFn?: (step: number) => Promise<Record<string, number>> | Record<string, number>;
  /** Keep RUN/best/ by this metric of `evalFn`'s (best.ts; `loss` is lower-better, anything else higher-better). */
  bestMetric?: string;
  /** A fresh start into a folder that holds a run replaces it (else that is MDL546). */
  overwrite?: boolean;
  /** Under the lock, once the start is settled: `resumedStep` is the checkpoint's step, undefined for a fresh start. */
  onStart?: (resumedStep: number | undefined) => void;
  progress?: ProgressMode;
  /** How weights go to and from checkpoints (default: as the variables hold them). A model whose runtime layout
   * differs from torch's saves torch's, so a checkpoint loads anywhere a torch state dict does. */
  weightIo?: WeightIo;
}

export interface TrainResult {
  step: number;
  totalSteps: number;
  loss: number | undefined;
  lastEval?: Record<string, number>;
  resumed?: { step: number; extra: unknown };
}

/**
 * Train under the run folder's lock, with SIGINT and SIGTERM turned into a save and an `Interrupted` error
 * (the CLI exits 130 or 143); a second signal exits at once. A signal once the last step is made lets the run end.
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const notice = o.notice ?? ((d: Diagnostic) => void process.stderr.write(renderDiagnostic(d) + "\n"));
  const shown = { stopProgress: () => {} };
  const stop = watchStopSignals((s) => {
    shown.stopProgress();
    removeLeftovers(o.out);
    const last = latestCheckpoint(o.out);
    return diag("interrupted_now", last ?? o.out, s, last ? stepOf(basename(last)) : undefined);
  });
  let lock: ReturnType<typeof acquireRunLock> | undefined;
  try {
    lock = acquireRunLock(o.out, notice);
    removeLeftovers(o.out);
    return await trainLocked(o, notice, stop, shown);
  } finally {
    lock?.release();
    stop.close();
  }
}

async function trainLocked(
  o: TrainOptions,
  notice: (d: Diagnostic) => void,
  stop: StopWatch,
  shown: { stopProgress: () => void },
): Promise<TrainResult> {
  const { accum, totalSteps } = checkPlan(o);
  const schedule = { seed: o.seed, dataSize: o.dataSize, batch: o.batch, accum, totalSteps };

  const e = engine();
  const stepper = "stepper" in o ? o.stepper : autodiffStepper(o, o.weightIo, o.adam);
  // the autodiff stepper's loss function draws its own inputs from the indices
  const inputsOf =
    "stepper" in o
      ? o.inputsFn
      : (batch: Int32Array, rng: Rng) => ({ batch, rng }) as unknown as Record<string, Tensor>;
  const metrics = new MetricsLog(o.out);
  let rng = inputRng(o.seed);
  let step = 0;
  let resumed: TrainResult["resumed"];
  let lastEval: Record<string, number> | undefined;
  let best: Best | undefined;
  let loss: number | undefined;

  const from = o.resume ? checkpointToResume(o.out, o.resume, notice) : undefined;
  /** The newest checkpoint of this run: where an interrupted run says it can go on from. */
  let saved: { dir: string; step: number } | undefined;
  if (from) {
    const c = from.checkpoint;
    await restore(c.state, c.weights, c.optimizer, c.dir);
    // latest.json named a damaged checkpoint, or --resume-from went back: it names this one before training goes on
    if (from.repoint) pointTo(o.out, c.state.step);
    saved = { dir: c.dir, step: c.state.step };
    rng = Rng.restore(c.state.rng);
    step = c.state.step;
    loss = c.state.metrics.loss;
    lastEval = c.state.metrics.eval;
    best = c.state.best;
    restoreBest(o.out, c.dir, best);
    resumed = { step, extra: c.state.extra };
  } else {
    const held = readPointer(o.out);
    if (held && !o.overwrite) fail("run_exists", o.out, held.step);
    if (held) clearRun(o.out);
    // best/ of a start that saved no checkpoint is of evaluations no run goes on from
    removeBest(o.out);
  }
  try {
    mkdirSync(o.out, { recursive: true });
  } catch (err) {
    fail("output_unwritable", o.out, (err as Error).message);
  }
  metrics.reset(step);
  o.onStart?.(from ? step : undefined);

  async function restore(
    s: CheckpointState,
    weights: Map<string, HostTensor>,
    moments: Map<string, HostTensor>,
    where: string,
  ) {
    const mismatch = (k: keyof CheckpointState["schedule"]) => s.schedule?.[k] !== schedule[k] && k !== "totalSteps";
    const bad = (Object.keys(schedule) as (keyof typeof schedule)[]).filter(mismatch);
    if (bad.length)
      fail(
        "checkpoint_state",
        where,
        `it was made with different ${bad.join(", ")} (${bad.map((k) => `${s.schedule?.[k]} vs ${schedule[k]}`).join(", ")})`,
      );
    if (o.irHash && s.irHash && o.irHash !== s.irHash)
      fail("checkpoint_state", where, "the model has changed since the checkpoint (IR hash differs)");
    for (const path of stepper.params().keys()) {
      const w = weights.get(path);
      if (!w || w.dtype !== "f32" || !stepper.load(path, w))
        fail("checkpoint_state", where, `parameter \`${path}\` is missing or has another shape in the checkpoint`);
    }
    const missing = await stepper.importState(
      s.optimizerStep,
      new Map([...moments].map(([k, t]) => [k, { shape: t.shape, data: t.data as Float32Array }])),
    );
    if (missing.length)
      fail("checkpoint_state", where, `optimizer state for \`${missing[0]}\` is missing or misshapen`);
  }

  const hostWeights = async () => {
    const weights = new Map<string, HostTensor>();
    for (const [path, v] of stepper.params())
      weights.set(path, o.weightIo ? await o.weightIo.save(path, v) : await e.read(v));
    return weights;
  };

  const save = async () => {
    metrics.sync();
    const weights = await hostWeights();
    const optimizer = new Map<string, HostTensor>();
    for (const [k, m] of await stepper.exportState()) optimizer.set(k, { dtype: "f32", shape: m.shape, data: m.data });
    const state: CheckpointState = {
      format: CHECKPOINT_FORMAT,
      step,
      rng: rng.state(),
      optimizerStep: stepper.step,
      schedule,
      config: o.config,
      irHash: o.irHash,
      metrics: { loss, eval: lastEval },
      extra: o.stateExtra?.(),
      ...(best ? { best } : {}),
    };
    const links = best ? { [BEST_IN_CHECKPOINT]: join(o.out, BEST, "weights.safetensors") } : undefined;
    const dir = saveCheckpoint(
      o.out,
      { state, weights, optimizer },
      { keep: o.keep, links, onPhase: (p) => o.onSavePhase?.(p, step) },
    );
    saved = { dir, step };
    o.onCheckpoint?.(dir, step);
  };

  const progress = createProgress(o.progress ?? "auto", step, totalSteps);
  shown.stopProgress = () => progress.stop();
  const first = step;
  try {
    await runSteps({
      ...o,
      accum,
      stepper,
      inputsOf,
      rng,
      from: step,
      where: o.out,
      // a signal that came during the step or the save before (both complete now) is handled here, not after another step
      stop: async () => {
        await new Promise((next) => setImmediate(next));
        return stop.signal !== undefined;
      },
      afterStep: async (info) => {
        step = info.step;
        loss = info.loss;
        metrics.append({
          step,
          loss,
          lr: info.lr,
          examples_per_s: Number(info.examplesPerS.toFixed(2)),
          epoch: info.epoch,
        });
        progress.update(info);
        o.onStep?.(info);
        if (o.evalFn && o.evalEvery && (step % o.evalEvery === 0 || step === totalSteps)) {
          lastEval = await o.evalFn(step);
          metrics.append({ step, eval: lastEval });
          const value = o.bestMetric === undefined ? undefined : lastEval[o.bestMetric];
          // a resume that changed --best-metric starts its best over: values of two metrics do not compare
          const sofar = best?.metric === o.bestMetric ? best : undefined;
          if (value !== undefined && improves(sofar, o.bestMetric!, value))
            best = saveBest(o.out, await hostWeights(), { step, metric: o.bestMetric!, value });
        }
        if ((o.checkpointEvery && step % o.checkpointEvery === 0) || step === totalSteps) await save();
      },
    });
    if (stop.signal && step < totalSteps) {
      if (step > first && saved?.step !== step) await save();
      const d = saved
        ? diag("interrupted", saved.dir, stop.signal, saved.step)
        : diag("interrupted", o.out, stop.signal);
      throw new Interrupted(d, exitCodeOf(stop.signal));
    }
  } finally {
    progress.stop();
    await stepper.dispose();
  }
  return { step, totalSteps, loss, lastEval, resumed };
}
