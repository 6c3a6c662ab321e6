/**
 * AdamW with decoupled weight decay (Loshchilov & Hutter; PyTorch's torch.optim.AdamW) over parameter groups.
 * Moments live in tf variables; they export as plain Float32Arrays (read asynchronously) so a checkpoint can
 * store them beside the weights.
 */
import * as tf from "@tensorflow/tfjs";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import type { Optimizer } from "../backend/engine.ts";
import { XCLIP_ADAMW, type AdamWOptions, type ParamGroup } from "../train/optimizer.ts";

interface Slot {
  param: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
  lrScale: number;
  weightDecay: number;
}

export class AdamW implements Optimizer {
  /** Number of updates made so far (bias correction uses step + 1 for the next one). */
  step = 0;
  readonly slots = new Map<string, Slot>();
  private readonly o: Required<AdamWOptions>;

  constructor(variables: Map<string, tf.Variable>, groups: readonly ParamGroup[], options: AdamWOptions = {}) {
    this.o = { ...XCLIP_ADAMW, ...options };
    for (const g of groups) {
      for (const path of g.paths) {
        const param = variables.get(path);
        invariant(param, `parameter group names unknown parameter ${path}`);
        invariant(!this.slots.has(path), `parameter ${path} is in two groups`);
        this.slots.set(path, {
          param,
          m: tf.variable(tf.zerosLike(param), false),
          v: tf.variable(tf.zerosLike(param), false),
          lrScale: g.lrScale,
          weightDecay: g.weightDecay,
        });
      }
    }
  }

  /** The parameters this optimizer updates; the others are frozen. */
  get paths(): string[] {
    return [...this.slots.keys()];
  }

  /** One update with the scheduled rate `lr`. `grads` may omit parameters that got no gradient. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    const { beta1, beta2, eps } = this.o;
    const t = this.step + 1;
    // Scalar factors in float64 on the host; only the tensor arithmetic is float32.
    const bc1 = 1 - beta1 ** t;
    const sqrtBc2 = Math.sqrt(1 - beta2 ** t);
    for (const [path, s] of this.slots) {
      const g = grads.get(path);
      if (!g) continue;
      const groupLr = lr * s.lrScale;
      tf.tidy(() => {
        const m = tf.add(tf.mul(s.m, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(s.v, beta2), tf.mul(tf.square(g), 1 - beta2));
        // PyTorch's form: p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), after p *= 1 - lr * wd.
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBc2), eps);
        const decayed = s.weightDecay ? tf.mul(s.param, 1 - groupLr * s.weightDecay) : s.param;
        s.param.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), groupLr / bc1)));
        s.m.assign(m);
        s.v.assign(v);
      });
    }
    this.step = t;
  }

  /** Moments by name (`exp_avg.<path>`, `exp_avg_sq.<path>`, PyTorch's names), read to the host. */
  async exportState(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [path, s] of this.slots) {
      out.set(`exp_avg.${path}`, { shape: [...s.m.shape], data: (await s.m.data()) as Float32Array });
      out.set(`exp_avg_sq.${path}`, { shape: [...s.v.shape], data: (await s.v.data()) as Float32Array });
    }
    return out;
  }

  /** Restore moments saved by exportState; returns the names that were missing or misshapen (empty = ok). */
  importState(step: number, tensors: ReadonlyMap<string, { shape: number[]; data: ArrayLike<number> }>): string[] {
    const bad: string[] = [];
    const load = (name: string, into: tf.Variable) => {
      const t = tensors.get(name);
      if (!t || t.shape.join(",") !== into.shape.join(",")) return void bad.push(name);
      tf.tidy(() => into.assign(tf.tensor(Float32Array.from(t.data), into.shape)));
    };
    for (const [path, s] of this.slots) {
      load(`exp_avg.${path}`, s.m);
      load(`exp_avg_sq.${path}`, s.v);
    }
    if (bad.length === 0) this.step = step;
    return bad;
  }

  dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }
}

