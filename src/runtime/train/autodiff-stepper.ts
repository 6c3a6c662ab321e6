/**
 * The engine's own autodiff (tfjs) as the loop's Stepper, for models given as a loss function over parameters
 * rather than as a compiled training step. The options it takes are defined here, beside it; loop.ts takes
 * them (and calls it) without this file reading anything of loop.ts's.
 */
import { engine, training } from "../backend/current.ts";
import type { HostF32, Tensor } from "../backend/engine.ts";
import type { HostTensor } from "../weights/tensor.ts";
import type { Stepper } from "./ir-stepper.ts";
import type { AdamWOptions, ParamGroup } from "./optimizer.ts";
import type { Rng } from "./rng.ts";

/** Gradients by the engine's own autodiff (tfjs): a loss function over parameters the loop's AdamW updates. */
export interface AutodiffSteps {
  variables: Map<string, Tensor>;
  /** Parameters in no group are frozen. */
  groups: ParamGroup[];
  /** Mean loss over one micro-batch of example indices; `rng` is for sampling and augmentation. */
  lossFn: (batch: Int32Array, rng: Rng) => Tensor;
}

/** How weights go to and from checkpoints, whose tensors are in torch's layout, from a runtime layout that may differ. */
export interface WeightIo {
  save(path: string, v: Tensor): Promise<HostTensor>;
  load(path: string, t: HostTensor): Tensor;
}

/** The parameter a moment belongs to: `exp_avg.<path>` or `exp_avg_sq.<path>`. */
const momentPath = (name: string) => name.replace(/^exp_avg(_sq)?\./, "");

/**
 * The engine's own autodiff as a Stepper: gradients of `lossFn` summed over the micro-batches, averaged, then
 * AdamW. A non-finite loss leaves the parameters as they were (the loop then stops). The micro-batch arrives as
 * `{ batch, rng }` (the loss function draws its own inputs).
 */
export function autodiffStepper(
  o: AutodiffSteps,
  weightIo: WeightIo | undefined,
  adam: AdamWOptions | undefined,
): Stepper {
  const e = engine();
  const t = training();
  const opt = t.adamw(o.variables, o.groups, adam);
  const trainable = new Map(opt.paths.map((p) => [p, o.variables.get(p)!]));
  let sum: Map<string, Tensor> | undefined;
  let lossSum = 0;
  return {
    get step() {
      return opt.step;
    },
    params: () => o.variables,
    async micro(inputs, j, accum, lr) {
      const { batch, rng } = inputs as unknown as { batch: Int32Array; rng: Rng };
      const { value, grads } = t.valueAndGrads(() => o.lossFn(batch, rng), trainable);
      const loss = Number((await e.read(value)).data[0]);
      value.dispose();
      lossSum += loss;
      sum = accumulate(sum, grads);
      if (j < accum - 1) return loss;
      const total = accum > 1 ? scale(sum, 1 / accum) : sum;
      sum = undefined;
      const finite = Number.isFinite(lossSum);
      lossSum = 0;
      if (finite) await opt.apply(total, lr);
      e.dispose(total.values());
      return loss;
    },
    load(path, w) {
      const v = o.variables.get(path)!;
      const loaded = weightIo ? weightIo.load(path, w) : e.fromHost(w);
      const fits = loaded.shape.join(",") === v.shape.join(",");
      if (fits) t.assign(v, loaded);
      loaded.dispose();
      return fits;
    },
    // moments leave and come back in torch's layout, as the parameters do, so a run resumes on any engine
    async exportState() {
      const state = await opt.exportState();
      if (!weightIo) return state;
      const out = new Map<string, HostF32>();
      for (const [name, m] of state) {
        const t = e.fromHost({ dtype: "f32", shape: m.shape, data: m.data });
        const h = await weightIo.save(momentPath(name), t);
        t.dispose();
        out.set(name, { shape: h.shape, data: h.data as Float32Array });
      }
      return out;
    },
    async importState(step, tensors) {
      if (!weightIo) return opt.importState(step, tensors);
      const runtime = new Map<string, { shape: number[]; data: ArrayLike<number> }>();
      for (const [name, m] of tensors) {
        const path = momentPath(name);
        if (!o.variables.has(path)) continue;
        const t = weightIo.load(path, { dtype: "f32", shape: m.shape, data: Float32Array.from(m.data) });
        runtime.set(name, { shape: [...t.shape], data: (await e.read(t)).data as Float32Array });
        t.dispose();
      }
      return opt.importState(step, runtime);
    },
    async dispose() {
      if (sum) e.dispose(sum.values());
      opt.dispose();
    },
  };
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
