/**
 * AdamW with decoupled weight decay (Loshchilov & Hutter; PyTorch's torch.optim.AdamW) over parameter groups.
 * Moments live in tf variables, or on the host where the engine's memory is what limits training: on wasm they
 * are twice the trained parameters inside a 4 GiB heap (1 GB of X-CLIP-B/32's 4), so there each update uploads
 * one parameter's moments, runs the same kernels and copies them back (2 copies of 8 bytes per value a step).
 * They export as plain Float32Arrays so a checkpoint can store them beside the weights.
 */
import * as tf from "@tensorflow/tfjs";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import type { Optimizer } from "../backend/engine.ts";
import { XCLIP_ADAMW, type AdamWOptions, type ParamGroup } from "../train/optimizer.ts";

/** A moment kept by the engine, or on the host between updates. */
type Moment = tf.Variable | Float32Array;

interface Slot {
  param: tf.Variable;
  m: Moment;
  v: Moment;
  lrScale: number;
  weightDecay: number;
}

/** wasm keeps every tensor in one 4 GiB heap and reads synchronously: moments go to the host there. */
const hostMomentsByDefault = () => tf.getBackend() === "wasm";

export class AdamW implements Optimizer {
  /** Number of updates made so far (bias correction uses step + 1 for the next one). */
  step = 0;
  readonly slots = new Map<string, Slot>();
  private readonly o: Required<AdamWOptions>;

  constructor(
    variables: Map<string, tf.Variable>,
    groups: readonly ParamGroup[],
    options: AdamWOptions = {},
    readonly hostMoments = hostMomentsByDefault(),
  ) {
    this.o = { ...XCLIP_ADAMW, ...options };
    invariant(!hostMoments || tf.getBackend() === "wasm", `AdamW's host moments need the wasm backend, not ${tf.getBackend()}`);
    const zeros = (p: tf.Variable): Moment => (hostMoments ? new Float32Array(p.size) : tf.variable(tf.zerosLike(p), false));
    for (const g of groups) {
      for (const path of g.paths) {
        const param = variables.get(path);
        invariant(param, `parameter group names unknown parameter ${path}`);
        invariant(!this.slots.has(path), `parameter ${path} is in two groups`);
        this.slots.set(path, {
          param,
          m: zeros(param),
          v: zeros(param),
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
        const m = tf.add(tf.mul(this.load(s.m, s.param), beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.load(s.v, s.param), beta2), tf.mul(tf.square(g), 1 - beta2));
        // PyTorch's form: p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), after p *= 1 - lr * wd.
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBc2), eps);
        const decayed = s.weightDecay ? tf.mul(s.param, 1 - groupLr * s.weightDecay) : s.param;
        s.param.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), groupLr / bc1)));
        store(s.m, m);
        store(s.v, v);
      });
    }
    this.step = t;
  }

  /** A moment as a tensor for this update (a host moment is uploaded; the step's tidy frees it). */
  private load(m: Moment, like: tf.Variable): tf.Tensor {
    return m instanceof Float32Array ? tf.tensor(m, like.shape, "float32") : m;
  }

  /**
   * Moments by name (`exp_avg.<path>`, `exp_avg_sq.<path>`, PyTorch's names), read to the host. Host moments are
   * handed out as they are, not copied (1 GB for X-CLIP-B/32): valid until the next `apply`.
   */
  async exportState(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    const read = async (m: Moment) => (m instanceof Float32Array ? m : ((await m.data()) as Float32Array));
    for (const [path, s] of this.slots) {
      out.set(`exp_avg.${path}`, { shape: [...s.param.shape], data: await read(s.m) });
      out.set(`exp_avg_sq.${path}`, { shape: [...s.param.shape], data: await read(s.v) });
    }
    return out;
  }

  /** Restore moments saved by exportState; returns the names that were missing or misshapen (empty = ok). */
  importState(step: number, tensors: ReadonlyMap<string, { shape: number[]; data: ArrayLike<number> }>): string[] {
    const bad: string[] = [];
    const load = (name: string, into: Moment, shape: readonly number[]) => {
      const t = tensors.get(name);
      if (!t || t.shape.join(",") !== shape.join(",")) return void bad.push(name);
      if (into instanceof Float32Array) into.set(t.data);
      else tf.tidy(() => into.assign(tf.tensor(Float32Array.from(t.data), shape as number[])));
    };
    for (const [path, s] of this.slots) {
      load(`exp_avg.${path}`, s.m, s.param.shape);
      load(`exp_avg_sq.${path}`, s.v, s.param.shape);
    }
    if (bad.length === 0) this.step = step;
    return bad;
  }

  dispose(): void {
    for (const s of this.slots.values()) for (const m of [s.m, s.v]) if (!(m instanceof Float32Array)) m.dispose();
    this.slots.clear();
  }
}

/** Keep an updated moment: in its variable, or copied out of the engine (wasm: straight from its heap). */
function store(into: Moment, value: tf.Tensor): void {
  if (!(into instanceof Float32Array)) return void into.assign(value);
  // host moments exist only on wasm (the constructor's invariant), whose heap is readable at once
  into.set((tf.backend() as unknown as { typedArrayFromHeap(t: tf.Tensor): Float32Array }).typedArrayFromHeap(value));
}
