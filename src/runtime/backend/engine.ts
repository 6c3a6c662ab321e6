/**
 * What the runtime asks of an engine, modelled on ONNX Runtime's execution providers: code in run/, session/
 * and train/ talks to an `Engine` and never names an engine's package. tfjs (wasm, cpu, webgl, webgpu, node)
 * is the first implementation (runtime/tfjs/engine.ts); ONNX Runtime (runtime/onnx/engine.ts) the second. Every engine
 * compiles an IR into an asynchronous program; a training step is such an IR (compiler/5-train), so every engine
 * trains. tfjs also runs programs synchronously (`lower`) and offers its own autodiff (`training`).
 *
 * Values stay in the engine (device memory) as opaque `Tensor` handles; they come back to the host only
 * through `read`, which is asynchronous because a GPU cannot be read synchronously.
 */
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import type { HostTensor } from "../weights/tensor.ts";
import type { ParamGroup, AdamWOptions } from "../train/optimizer.ts";

/** A value held by an engine. The runtime only looks at its shape and frees it. */
export interface Tensor {
  readonly shape: readonly number[];
  readonly dtype: string;
  dispose(): void;
}

/** torch-layout float32 data, as checkpoints and fixtures hold it. */
export interface HostF32 {
  shape: number[];
  data: Float32Array;
}

export interface RunOptions {
  /** Dropout and other training-only behaviour; intermediates are kept for the gradient. */
  training?: boolean;
  /** Node ids whose values are also returned (intermediates). */
  keep?: number[];
}

export interface RunResult {
  outputs: Record<string, Tensor>;
  kept: Map<number, Tensor>;
}

/** Parameters by path, in the engine's layout. */
export type Params = ReadonlyMap<string, Tensor>;

/** A model's graph, lowered once for an engine. */
export interface Program {
  /** Inference: every intermediate but the outputs and `keep` values is freed; the caller owns the results. */
  predict(inputs: Record<string, Tensor>, params: Params, opts?: { keep?: number[] }): RunResult;
  /** One evaluation inside a caller's scope (a gradient computation, a `scoped` block): nothing is freed here. */
  run(inputs: Record<string, Tensor>, params: Params, opts?: RunOptions): RunResult;
}

export interface CompiledRunOptions {
  /** Dropout and other training-only behaviour. */
  training?: boolean;
  /** Outputs written into these tensors (pre-allocated, of the output's shape) instead of new ones. */
  into?: Record<string, Tensor>;
}

export interface CompileOptions {
  /**
   * Inference: every parameter the graph reads is fixed for the program's life and baked into it, from
   * torch-layout data where given and from its seeded init spec otherwise, laid out as the engine prefers
   * (ONNX Runtime: initializers, which it folds and pre-packs; tfjs: its re-laid weights). `run` then needs no
   * `params`, and the program frees what it baked when disposed.
   */
  bake?: { weights: ReadonlyMap<string, HostF32>; seed: number };
}

/** A program compiled once and run asynchronously: what every engine offers (ONNX Runtime runs only this way). */
export interface CompiledProgram {
  /** The graph's input names, parameters excluded (they come from `params` by path). */
  readonly inputNames: readonly string[];
  /** Outputs by name; the caller owns those not written `into` given tensors. `params` may be left out of a baked program. */
  run(inputs: Record<string, Tensor>, params?: Params, opts?: CompiledRunOptions): Promise<Record<string, Tensor>>;
  dispose(): Promise<void> | void;
}

export interface Optimizer {
  /** Updates made so far. */
  readonly step: number;
  /** The parameters it updates; the others are frozen. */
  readonly paths: string[];
  /** One update at the scheduled rate; `grads` may omit parameters that got no gradient (read them again once it settles). */
  apply(grads: ReadonlyMap<string, Tensor>, lr: number): Promise<void>;
  /** Moments by PyTorch's names (`exp_avg.<path>`, `exp_avg_sq.<path>`), read to the host; valid until the next `apply`. */
  exportState(): Promise<Map<string, HostF32>>;
  /** Restore exportState's tensors; returns the names missing or misshapen (empty = restored). */
  importState(step: number, tensors: ReadonlyMap<string, { shape: number[]; data: ArrayLike<number> }>): string[];
  dispose(): void;
}

/** What training needs beyond inference; an inference-only engine leaves it out. */
export interface Training {
  /** The value of `f` (a scalar) and its gradient with respect to each of `params`, by path. */
  valueAndGrads(f: () => Tensor, params: ReadonlyMap<string, Tensor>): { value: Tensor; grads: Map<string, Tensor> };
  /** AdamW (decoupled weight decay, PyTorch's form) over parameter groups. */
  adamw(params: ReadonlyMap<string, Tensor>, groups: readonly ParamGroup[], options?: AdamWOptions): Optimizer;
  /** Mean over the batch of label-smoothed cross-entropy of logits [B, K] against integer labels. */
  crossEntropy(logits: Tensor, labels: ArrayLike<number>, smoothing: number): Tensor;
  /** Overwrite a parameter with a value of the same shape. */
  assign(param: Tensor, value: Tensor): void;
  add(a: Tensor, b: Tensor): Tensor;
  scale(a: Tensor, k: number): Tensor;
}

export interface Engine {
  /** The engine and its device, e.g. "tfjs-wasm", "tfjs-webgpu". */
  readonly name: string;
  fromHost(t: HostTensor): Tensor;
  read(t: Tensor): Promise<HostTensor>;
  dispose(ts: Tensor | Iterable<Tensor> | Record<string, Tensor> | undefined): void;
  /** Live tensors, for leak checks. */
  numTensors(): number;
  /** Everything `f` allocates but returns is freed when it ends. */
  scoped<T extends Tensor | Tensor[] | Record<string, Tensor>>(f: () => T): T;
  /** A program run synchronously inside scopes and gradient tapes (tfjs); engines that run only asynchronously leave it out. */
  lower?(ir: ModelIR): Program;
  /** The IR compiled for repeated asynchronous runs (inference, a training step, a fixed half of a split graph). */
  compile(ir: ModelIR, opts?: CompileOptions): Promise<CompiledProgram>;
  /** Parameters from torch-layout data where given, the rest from their seeded init specs; `trainable`: updatable in place (training only). */
  /** `compiled`: in the layout `compile`'s programs read (torch's), rather than the one `lower` prefers. */
  createParams(
    ir: ModelIR,
    source: ReadonlyMap<string, HostF32> | undefined,
    opts: { trainable: boolean; seed: number; compiled?: boolean },
  ): Map<string, Tensor>;
  /** A parameter back in torch's layout (for checkpoints). */
  toTorchLayout(ir: ModelIR, path: string, t: Tensor): Promise<HostF32>;
  fromTorchLayout(ir: ModelIR, path: string, t: HostF32): Tensor;
  /** Along `axis`; the inputs are not freed. */
  concat(ts: readonly Tensor[], axis: number): Tensor;
  /** Class probabilities from logits [G * V, K]: softmax over K, then `reduce` over the V views of each group: [G, K]. */
  viewProbabilities(logits: Tensor, groups: number, reduce: "mean" | "sum"): Tensor;
  training?: Training;
}
