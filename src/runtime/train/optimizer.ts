/**
 * AdamW with decoupled weight decay (Loshchilov & Hutter; PyTorch's torch.optim.AdamW) over parameter groups,
 * and the X-CLIP grouping recipe. Moments live in tf variables; they export as plain Float32Arrays so a
 * checkpoint can store them beside the weights.
 */
import * as tf from "@tensorflow/tfjs";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";

export interface ParamGroup {
  paths: string[];
  /** Multiplies the scheduled learning rate for this group. */
  lrScale: number;
  weightDecay: number;
}

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/** X-CLIP's AdamW settings (betas 0.9/0.98, eps 1e-8). */
export const XCLIP_ADAMW: Required<AdamWOptions> = { beta1: 0.9, beta2: 0.98, eps: 1e-8 };

interface Slot {
  param: tf.Variable;
  m: tf.Variable;
  v: tf.Variable;
  lrScale: number;
  weightDecay: number;
}

export class AdamW {
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
  exportState(): Map<string, { shape: number[]; data: Float32Array }> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [path, s] of this.slots) {
      out.set(`exp_avg.${path}`, { shape: [...s.m.shape], data: s.m.dataSync() as Float32Array });
      out.set(`exp_avg_sq.${path}`, { shape: [...s.v.shape], data: s.v.dataSync() as Float32Array });
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

export interface GroupOptions {
  baseDecay: number;
  /** Path prefixes of the modules X-CLIP adds on top of CLIP (trained at a higher rate). */
  newModulePrefixes?: readonly string[];
  /** Substrings that also mark a new module wherever they occur (X-CLIP's message tokens live inside CLIP's blocks). */
  newModuleKeywords?: readonly string[];
  newLrScale?: number;
}

const NO_DECAY_NAMES = new Set(["positional_embedding", "class_embedding", "logit_scale", "alpha", "bias"]);

/**
 * Whether a parameter is exempt from weight decay: embeddings of position and class, norms, biases, logit_scale
 * and the prompt generator's alpha. Matched on whole path segments so that, say, `kernel` is not a norm.
 */
export function isNoDecay(path: string): boolean {
  const segs = path.split(".");
  const last = segs[segs.length - 1];
  if (NO_DECAY_NAMES.has(last) || last.endsWith("_bias")) return true;
  return segs.some((s) => s.includes("norm") || s.split("_").some((w) => /^ln\d*$/.test(w)));
}

/**
 * The X-CLIP recipe: weight decay everywhere except isNoDecay parameters; lr x newLrScale for the added modules
 * (`mit.`, `prompts_`, `message_`). Returns up to four groups, empty ones dropped, paths in input order.
 */
export function groupsFor(paths: readonly string[], options: GroupOptions): ParamGroup[] {
  const prefixes = options.newModulePrefixes ?? ["mit.", "prompts_"];
  const keywords = options.newModuleKeywords ?? ["message_"];
  const newScale = options.newLrScale ?? 10;
  const groups = new Map<string, ParamGroup>();
  for (const path of paths) {
    const isNew = prefixes.some((p) => path.startsWith(p)) || keywords.some((k) => path.includes(k));
    const lrScale = isNew ? newScale : 1;
    const weightDecay = isNoDecay(path) ? 0 : options.baseDecay;
    const key = `${lrScale}/${weightDecay}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { paths: [], lrScale, weightDecay }));
    g.paths.push(path);
  }
  return [...groups.values()];
}
