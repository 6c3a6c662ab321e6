/**
 * Train and test several models under the same budget and seeds, for side-by-side tables (the demo, the
 * train-variants example). Everything runs in this process, one model at a time, each into its own run folder.
 */
import { analyze } from "../../compiler/4-ir/analyze.ts";
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import type { DatasetEntry } from "../data/dataset.ts";
import { evaluate, type EvalResult } from "./evaluate.ts";
import { fit, type FitOptions } from "./fit.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import type { StepInfo } from "../train/steps.ts";
import type { ProgressMode } from "../train/progress.ts";
import { disposeModel } from "./model.ts";

export interface Contender {
  name: string;
  ir: ModelIR;
}

export interface RunOutcome {
  model: string;
  seed: number;
  losses: number[];
  secondsPerStep: number;
  test: EvalResult;
  /** Share of test videos whose predicted class is in the right pair (ignores time direction). */
  pairAccuracy: number;
  /** Among videos with the right pair, the share with the right direction (chance: 50%). */
  directionAccuracy: number;
}

export type Budget = Pick<
  FitOptions,
  "steps" | "batch" | "lr" | "accum" | "warmup" | "smoothing" | "weightDecay" | "lrGroups" | "freeze" | "jitter"
>;

/**
 * Train `c` into the run folder `out`, then test it inside the run's last step, so the test scores are the
 * run's final evaluation line in metrics.jsonl (`{ step, eval: { top1, top5, pair, direction } }`) as well as
 * the returned outcome: `mdl runs` reads them from there.
 */
export async function trainAndTest(
  c: Contender,
  seed: number,
  data: { classes: string[]; train: DatasetEntry[]; test: DatasetEntry[] },
  budget: Budget,
  out: string,
  o: { onStep?: (s: StepInfo) => void; progress?: ProgressMode } = {},
): Promise<RunOutcome> {
  const losses: number[] = [];
  const labels = data.test.map((e) => e.label);
  let test: EvalResult | undefined;
  const t0 = performance.now();
  const res = await fit({
    ...budget,
    ir: c.ir,
    classes: data.classes,
    entries: data.train,
    out,
    seed,
    progress: o.progress ?? "none",
    onStep: (s) => {
      losses.push(s.loss);
      o.onStep?.(s);
    },
    evalEvery: budget.steps ?? Number.MAX_SAFE_INTEGER,
    evalFn: async (m) => {
      test = await evaluate(m, data.classes, data.test);
      const p = pairScores(test, labels);
      return { top1: test.top1, top5: test.top5, pair: p.pairAccuracy, direction: p.directionAccuracy };
    },
  });
  const secondsPerStep = (performance.now() - t0) / 1000 / res.step;
  disposeModel(res.model);
  invariant(test, "the run ended without its final evaluation");
  return { model: c.name, seed, losses, secondsPerStep, test, ...pairScores(test, labels) };
}

/** Classes 2p and 2p+1 form a pair that differs only in time direction (the synthetic data set's layout). */
export function pairScores(
  r: EvalResult,
  labels: readonly number[],
): { pairAccuracy: number; directionAccuracy: number } {
  let pair = 0;
  let direction = 0;
  r.predictions.forEach((p, i) => {
    if (p >> 1 !== labels[i] >> 1) return;
    pair++;
    if (p === labels[i]) direction++;
  });
  return { pairAccuracy: pair / labels.length, directionAccuracy: pair ? direction / pair : NaN };
}

/** Parameters and MACs for one video of the given shape and K class texts. */
export function costOf(ir: ModelIR, K: number): { params: number; macs: number } {
  return analyze(ir, { B: 1, K }).total;
}

export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}
