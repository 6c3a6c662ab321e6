/**
 * The training loop, independent of any model and engine: it takes named parameters (trainable tensors of the
 * current engine), parameter groups and a loss function over example indices. Data order, the RNG handed to the loss and every number saved make a run
 * reproducible bit for bit, including across a kill and `resume`.
 */
import { fail, invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { engine, training } from "../backend/current.ts";
import type { Tensor } from "../backend/engine.ts";
import type { HostTensor } from "../weights/tensor.ts";
import { CHECKPOINT_FORMAT, latestCheckpoint, loadCheckpoint, saveCheckpoint, type CheckpointState, type SavePhase } from "./checkpoint.ts";
import { MetricsLog } from "./metrics.ts";
import type { AdamWOptions, ParamGroup } from "./optimizer.ts";
import { createProgress, type ProgressMode } from "./progress.ts";
import { Rng } from "./rng.ts";
import { lrAt, type LrSchedule } from "./schedule.ts";
import { mkdirSync } from "node:fs";

export interface TrainOptions {
  variables: Map<string, Tensor>;
  /** Parameters in no group are frozen. */
  groups: ParamGroup[];
  /** Mean loss over one micro-batch of example indices; `rng` is for sampling and augmentation. */
  lossFn: (batch: Int32Array, rng: Rng) => Tensor;
  dataSize: number;
  /** Examples per micro-batch; one optimizer step sees batch * accum examples. */
  batch: number;
  accum?: number;
  /** Either steps, or epochs (an incomplete last micro-batch of an epoch is dropped, as X-CLIP's loader does). */
  steps?: number;
  epochs?: number;
  lr: LrSchedule;
  adam?: AdamWOptions;
  seed: number;
  /** Save every N steps (and always at the end). */
  checkpointEvery?: number;
  keep?: number;
  out: string;
  /** true: continue from out/latest.json if there is one (else start fresh, so a restart loop can always pass it);
   * a string: from that checkpoint directory. */
  resume?: boolean | string;
  config?: unknown;
  irHash?: string;
  /** Extra state to save with each checkpoint (the caller restores it from the result's `resumed`). */
  stateExtra?: () => unknown;
  onStep?: (info: StepInfo) => void;
  onCheckpoint?: (dir: string, step: number) => void;
  onSavePhase?: (phase: SavePhase, step: number) => void;
  evalEvery?: number;
  evalFn?: (step: number) => Promise<Record<string, number>> | Record<string, number>;
  progress?: ProgressMode;
  /** How weights go to and from checkpoints (default: as the variables hold them). A model whose runtime layout
   * differs from torch's saves torch's, so a checkpoint loads anywhere a torch state dict does. */
  weightIo?: { save(path: string, v: Tensor): Promise<HostTensor>; load(path: string, t: HostTensor): Tensor };
}

export interface StepInfo {
  step: number;
  loss: number;
  lr: number;
  examplesPerS: number;
  epoch: number;
}

export interface TrainResult {
  step: number;
  totalSteps: number;
  loss: number | undefined;
  lastEval?: Record<string, number>;
  resumed?: { step: number; extra: unknown };
}

// RNG streams: 1 for the loss function's draws, EPOCH_STREAM + e for epoch e's data order.
const LOSS_STREAM = 1;
const EPOCH_STREAM = 0x10000;

export async function train(o: TrainOptions): Promise<TrainResult> {
  const accum = o.accum ?? 1;
  invariant(o.batch > 0 && accum > 0 && Number.isInteger(o.batch) && Number.isInteger(accum), "batch and accum must be positive integers");
  const perEpoch = Math.floor(o.dataSize / o.batch); // micro-batches per epoch
  if (perEpoch === 0) fail("usage", undefined, `the batch size ${o.batch} is larger than the data set (${o.dataSize} examples)`);
  const totalSteps = o.steps ?? Math.floor(((o.epochs ?? 1) * perEpoch) / accum);
  const schedule = { seed: o.seed, dataSize: o.dataSize, batch: o.batch, accum, totalSteps };

  const e = engine();
  const t = training();
  const opt = t.adamw(o.variables, o.groups, o.adam);
  const trainable = new Map(opt.paths.map((p) => [p, o.variables.get(p)!]));
  const metrics = new MetricsLog(o.out);
  let rng = Rng.seeded(o.seed, LOSS_STREAM);
  let step = 0;
  let resumed: TrainResult["resumed"];
  let lastEval: Record<string, number> | undefined;
  let loss: number | undefined;

  const from = o.resume === true ? latestCheckpoint(o.out) : typeof o.resume === "string" ? o.resume : undefined;
  if (from) {
    const c = loadCheckpoint(from);
    restore(c.state, c.weights, c.optimizer, from);
    rng = Rng.restore(c.state.rng);
    step = c.state.step;
    loss = c.state.metrics.loss;
    lastEval = c.state.metrics.eval;
    resumed = { step, extra: c.state.extra };
  } else if (latestCheckpoint(o.out)) {
    fail("checkpoint_state", o.out, "the directory already holds a training run; resume it or choose another output directory");
  }
  try {
    mkdirSync(o.out, { recursive: true });
  } catch (err) {
    fail("output_unwritable", o.out, (err as Error).message);
  }
  metrics.reset(step);

  function restore(s: CheckpointState, weights: Map<string, HostTensor>, moments: Map<string, HostTensor>, where: string) {
    const mismatch = (k: keyof CheckpointState["schedule"]) => s.schedule?.[k] !== schedule[k] && k !== "totalSteps";
    const bad = (Object.keys(schedule) as (keyof typeof schedule)[]).filter(mismatch);
    if (bad.length) fail("checkpoint_state", where, `it was made with different ${bad.join(", ")} (${bad.map((k) => `${s.schedule?.[k]} vs ${schedule[k]}`).join(", ")})`);
    if (o.irHash && s.irHash && o.irHash !== s.irHash) fail("checkpoint_state", where, "the model has changed since the checkpoint (IR hash differs)");
    for (const [path, v] of o.variables) {
      const w = weights.get(path);
      const loaded = w && w.dtype === "f32" ? (o.weightIo ? o.weightIo.load(path, w) : e.fromHost(w)) : undefined;
      if (!loaded || loaded.shape.join(",") !== v.shape.join(",")) {
        loaded?.dispose();
        fail("checkpoint_state", where, `parameter \`${path}\` is missing or has another shape in the checkpoint`);
      }
      t.assign(v, loaded);
      loaded.dispose();
    }
    const missing = opt.importState(s.optimizerStep, new Map([...moments].map(([k, t]) => [k, { shape: t.shape, data: t.data as Float32Array }])));
    if (missing.length) fail("checkpoint_state", where, `optimizer state for \`${missing[0]}\` is missing or misshapen`);
  }

  let epochCache: { epoch: number; order: Int32Array } | undefined;
  const microBatch = (k: number): { idx: Int32Array; epoch: number } => {
    const epoch = Math.floor(k / perEpoch);
    if (epochCache?.epoch !== epoch) epochCache = { epoch, order: Rng.seeded(o.seed, EPOCH_STREAM + epoch).permutation(o.dataSize) };
    const off = (k % perEpoch) * o.batch;
    return { idx: epochCache.order.subarray(off, off + o.batch), epoch };
  };

  const save = async () => {
    metrics.sync();
    const weights = new Map<string, HostTensor>();
    for (const [path, v] of o.variables) weights.set(path, o.weightIo ? await o.weightIo.save(path, v) : await e.read(v));
    const optimizer = new Map<string, HostTensor>();
    for (const [k, m] of await opt.exportState()) optimizer.set(k, { dtype: "f32", shape: m.shape, data: m.data });
    const state: CheckpointState = {
      format: CHECKPOINT_FORMAT,
      step,
      rng: rng.state(),
      optimizerStep: opt.step,
      schedule,
      config: o.config,
      irHash: o.irHash,
      metrics: { loss, eval: lastEval },
      extra: o.stateExtra?.(),
    };
    const dir = saveCheckpoint(o.out, { state, weights, optimizer }, { keep: o.keep, onPhase: (p) => o.onSavePhase?.(p, step) });
    o.onCheckpoint?.(dir, step);
  };

  const progress = createProgress(o.progress ?? "auto", step, totalSteps);
  try {
    while (step < totalSteps) {
      const t0 = performance.now();
      const lr = lrAt(step, o.lr);
      let sum: Map<string, Tensor> | undefined;
      let lossSum = 0;
      let epoch = 0;
      for (let j = 0; j < accum; j++) {
        const mb = microBatch(step * accum + j);
        epoch = mb.epoch;
        const { value, grads } = t.valueAndGrads(() => o.lossFn(mb.idx, rng), trainable);
        lossSum += Number((await e.read(value)).data[0]);
        value.dispose();
        sum = accumulate(sum, grads);
      }
      if (accum > 1) sum = scale(sum!, 1 / accum);
      const stepLoss = lossSum / accum;
      if (!Number.isFinite(stepLoss)) {
        e.dispose(sum!.values());
        fail("non_finite_loss", o.out, step + 1);
      }
      await opt.apply(sum!, lr);
      e.dispose(sum!.values());
      step++;
      loss = stepLoss;
      const examplesPerS = (o.batch * accum) / ((performance.now() - t0) / 1000);
      metrics.append({ step, loss, lr, examples_per_s: Number(examplesPerS.toFixed(2)), epoch });
      const info = { step, loss, lr, examplesPerS, epoch };
      progress.update(info);
      o.onStep?.(info);
      if (o.evalFn && o.evalEvery && (step % o.evalEvery === 0 || step === totalSteps)) {
        lastEval = await o.evalFn(step);
        metrics.append({ step, eval: lastEval });
      }
      if ((o.checkpointEvery && step % o.checkpointEvery === 0) || step === totalSteps) await save();
    }
  } finally {
    progress.stop();
    opt.dispose();
  }
  return { step, totalSteps, loss, lastEval, resumed };
}

/** Add one micro-batch's gradients (by path) into the running sums. */
function accumulate(sum: Map<string, Tensor> | undefined, grads: Map<string, Tensor>): Map<string, Tensor> {
  if (!sum) return grads;
  const t = training();
  for (const [path, g] of grads) {
    const prev = sum.get(path);
    if (prev) {
      sum.set(path, t.add(prev, g));
      prev.dispose();
      g.dispose();
    } else sum.set(path, g);
  }
  return sum;
}

function scale(sum: Map<string, Tensor>, k: number): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [path, g] of sum) {
    out.set(path, training().scale(g, k));
    g.dispose();
  }
  return out;
}
