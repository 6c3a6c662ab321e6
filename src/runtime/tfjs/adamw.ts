/**
 * AdamW with decoupled weight decay (Loshchilov & Hutter; PyTorch's torch.optim.AdamW) over parameter groups.
 * Moments live in tf variables, or on the host where the engine's memory is what limits training: on wasm they
 * are twice the trained parameters inside a 4 GiB heap (1 GB of X-CLIP-B/32's 4). There the update is one pass
 * over the heap in JavaScript, on as many threads as wasm has (adamw-host.ts, registered by Node's backend.ts:
 * the page has no worker threads and keeps its moments in tf variables).
 * Moments export as plain Float32Arrays so a checkpoint can store them beside the weights.
 */
import * as tf from "@tensorflow/tfjs";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import type { Optimizer } from "../backend/engine.ts";
import { XCLIP_ADAMW, type AdamWOptions, type ParamGroup } from "../train/optimizer.ts";
import { backendInfo, type WasmBackend } from "./started.ts";
import { canUpdateOnHost, hostUpdater, JOB_FIELDS, type HostUpdater } from "./adamw-jobs.ts";

interface Slot {
  param: tf.Variable;
  lrScale: number;
  weightDecay: number;
  /** Moments in tf variables (device moments) */
  m?: tf.Variable;
  v?: tf.Variable;
  /** or where this parameter's moments start in the host arrays */
  at: number;
}

/** Values a host update writes before the parameters it replaced are freed (64 MB). */
const HOST_CHUNK = 16 * 2 ** 20;

/** wasm keeps every tensor in one 4 GiB heap: moments go to the host there, where a host updater is registered (Node). */
const hostMomentsByDefault = () => tf.getBackend() === "wasm" && canUpdateOnHost();

export class AdamW implements Optimizer {
  /** Number of updates made so far (bias correction uses step + 1 for the next one). */
  step = 0;
  readonly slots = new Map<string, Slot>();
  private readonly o: Required<AdamWOptions>;
  /** host moments, all parameters end to end (shared memory, so that worker threads can update them) */
  private m: Float32Array = new Float32Array(0);
  private v: Float32Array = new Float32Array(0);
  private host?: HostUpdater;

  /** `threads`: how many threads update host moments (default: wasm's thread count). */
  constructor(
    variables: Map<string, tf.Variable>,
    groups: readonly ParamGroup[],
    options: AdamWOptions = {},
    readonly hostMoments = hostMomentsByDefault(),
    threads = backendInfo()?.threads ?? 1,
  ) {
    this.o = { ...XCLIP_ADAMW, ...options };
    invariant(
      !hostMoments || tf.getBackend() === "wasm",
      `AdamW's host moments need the wasm backend, not ${tf.getBackend()}`,
    );
    let at = 0;
    for (const g of groups) {
      for (const path of g.paths) {
        const param = variables.get(path);
        invariant(param, `parameter group names unknown parameter ${path}`);
        invariant(!this.slots.has(path), `parameter ${path} is in two groups`);
        const zeros = () => (hostMoments ? undefined : tf.variable(tf.zerosLike(param), false));
        this.slots.set(path, { param, m: zeros(), v: zeros(), lrScale: g.lrScale, weightDecay: g.weightDecay, at });
        at += param.size;
      }
    }
    if (hostMoments) {
      this.m = new Float32Array(new SharedArrayBuffer(4 * at));
      this.v = new Float32Array(new SharedArrayBuffer(4 * at));
      this.host = hostUpdater(threads);
      invariant(this.host, "AdamW's host moments need a host updater (backend.ts registers adamw-host.ts's)");
    }
  }

  /** How many threads the last update of host moments ran on (0: moments in tf variables). */
  get updateThreads(): number {
    return this.host?.lastThreads ?? 0;
  }

  /** The parameters this optimizer updates; the others are frozen. */
  get paths(): string[] {
    return [...this.slots.keys()];
  }

  /** One update with the scheduled rate `lr`. `grads` may omit parameters that got no gradient. */
  async apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number): Promise<void> {
    const { beta1, beta2, eps } = this.o;
    const t = this.step + 1;
    // Scalar factors in float64 on the host; only the tensor arithmetic is float32.
    const bc1 = 1 - beta1 ** t;
    const sqrtBc2 = Math.sqrt(1 - beta2 ** t);
    if (this.host) await this.applyHost(grads, lr, bc1, sqrtBc2);
    else
      for (const [path, s] of this.slots) {
        const g = grads.get(path);
        if (!g) continue;
        const groupLr = lr * s.lrScale;
        tf.tidy(() => {
          const m = tf.add(tf.mul(s.m!, beta1), tf.mul(g, 1 - beta1));
          const v = tf.add(tf.mul(s.v!, beta2), tf.mul(tf.square(g), 1 - beta2));
          // PyTorch's form: p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), after p *= 1 - lr * wd.
          const denom = tf.add(tf.div(tf.sqrt(v), sqrtBc2), eps);
          const decayed = s.weightDecay ? tf.mul(s.param, 1 - groupLr * s.weightDecay) : s.param;
          s.param.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), groupLr / bc1)));
          s.m!.assign(m);
          s.v!.assign(v);
        });
      }
    this.step = t;
  }

  /**
   * The same update on the host: new parameters are written into fresh heap buffers, then assigned. A few
   * parameters at a time (HOST_CHUNK values), so the old buffers are freed for the next ones and the heap holds at
   * most one chunk twice.
   */
  private async applyHost(
    grads: ReadonlyMap<string, tf.Tensor>,
    lr: number,
    bc1: number,
    sqrtBc2: number,
  ): Promise<void> {
    let chunk: [Slot, tf.Tensor][] = [];
    let size = 0;
    for (const [path, s] of this.slots) {
      const g = grads.get(path);
      if (!g) continue;
      chunk.push([s, g]);
      size += s.param.size;
      if (size >= HOST_CHUNK) {
        await this.updateHost(chunk, lr, bc1, sqrtBc2);
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length) await this.updateHost(chunk, lr, bc1, sqrtBc2);
  }

  private async updateHost(chunk: [Slot, tf.Tensor][], lr: number, bc1: number, sqrtBc2: number): Promise<void> {
    const backend = tf.backend() as unknown as WasmBackend;
    const index = (t: tf.Tensor | tf.TensorInfo) => {
      const d = backend.dataIdMap.get(t.dataId);
      invariant(d && t.dtype === "float32", "AdamW's host update reads float32 tensors of the wasm heap");
      return d.memoryOffset / 4;
    };
    const jobs: number[] = [];
    const fresh: tf.Tensor[] = [];
    try {
      for (const [s, g] of chunk) {
        const groupLr = lr * s.lrScale;
        const out = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([...s.param.shape], "float32"));
        fresh.push(out);
        jobs.push(index(s.param), index(g), index(out), s.at, s.param.size, 1 - groupLr * s.weightDecay, groupLr / bc1);
      }
      invariant(jobs.length === chunk.length * JOB_FIELDS, "one job per updated parameter");
      // the heap's buffer after the allocations above (a shared wasm memory hands out a longer one once it grew)
      const heap = backend.wasm.wasmMemory?.buffer ?? backend.wasm.HEAPU8.buffer;
      await this.host!.run(heap, this.m, this.v, Float64Array.from(jobs), {
        b1: this.o.beta1,
        b2: this.o.beta2,
        eps: this.o.eps,
        sqrtBc2,
      });
      chunk.forEach(([s], i) => s.param.assign(fresh[i]));
    } finally {
      tf.dispose(fresh);
    }
  }

  /**
   * Moments by name (`exp_avg.<path>`, `exp_avg_sq.<path>`, PyTorch's names), read to the host. Host moments are
   * handed out as they are, not copied (1 GB for X-CLIP-B/32): valid until the next `apply`.
   */
  async exportState(): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
    const out = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [path, s] of this.slots) {
      const read = async (device: tf.Variable | undefined, host: Float32Array) =>
        device ? ((await device.data()) as Float32Array) : host.subarray(s.at, s.at + s.param.size);
      out.set(`exp_avg.${path}`, { shape: [...s.param.shape], data: await read(s.m, this.m) });
      out.set(`exp_avg_sq.${path}`, { shape: [...s.param.shape], data: await read(s.v, this.v) });
    }
    return out;
  }

  /** Restore moments saved by exportState; returns the names that were missing or misshapen (empty = ok). */
  importState(step: number, tensors: ReadonlyMap<string, { shape: number[]; data: ArrayLike<number> }>): string[] {
    const bad: string[] = [];
    for (const [path, s] of this.slots) {
      const load = (name: string, device: tf.Variable | undefined, host: Float32Array) => {
        const t = tensors.get(name);
        if (!t || t.shape.join(",") !== s.param.shape.join(",")) return void bad.push(name);
        if (device) tf.tidy(() => device.assign(tf.tensor(Float32Array.from(t.data), s.param.shape)));
        else host.set(t.data, s.at);
      };
      load(`exp_avg.${path}`, s.m, this.m);
      load(`exp_avg_sq.${path}`, s.v, this.v);
    }
    if (bad.length === 0) this.step = step;
    return bad;
  }

  dispose(): void {
    for (const s of this.slots.values()) tf.dispose([s.m, s.v].filter((m) => m !== undefined));
    this.slots.clear();
    this.host?.close();
  }
}
