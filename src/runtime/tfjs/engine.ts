/**
 * TensorFlow.js as an Engine (backend/engine.ts), whichever tfjs backend is active (wasm, cpu, webgpu, node).
 * Every read goes through `data()`: webgpu in Node cannot read synchronously. No Node API: the playground runs
 * and trains on this engine too; what only Node has (starting a backend, AdamW's worker threads) is backend.ts's.
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import type {
  CompiledProgram,
  CompileOptions,
  Engine,
  HostF32,
  Params,
  Program,
  Tensor,
  Training,
} from "../backend/engine.ts";
import type { HostTensor } from "../weights/tensor.ts";
import { isFloat, toFloat32 } from "../weights/tensor.ts";
import { AdamW } from "./adamw.ts";
import { createParams } from "./init-params.ts";
import { inTorchLayout } from "../backend/param-layout.ts";
import { toRuntimeLayout, toTorchLayout } from "./layout.ts";
import { labelSmoothingCrossEntropy } from "./loss.ts";
import { lowerToTfjs, paramStore, predict } from "./lower.ts";
import { backendInfo } from "./started.ts";

const T = (t: Tensor) => t as tf.Tensor;

function program(ir: ModelIR): Program {
  const lowered = lowerToTfjs(ir);
  const store = (p: Params) => paramStore(p as ReadonlyMap<string, tf.Tensor>);
  return {
    predict: (inputs, params, opts) => predict(lowered, inputs as Record<string, tf.Tensor>, store(params), opts),
    run: (inputs, params, opts) => lowered.run(inputs as Record<string, tf.Tensor>, store(params), opts),
  };
}

/**
 * One storage binding holds a whole tensor on webgpu; a larger weight cannot run there. Checked before allocating,
 * where backend.ts started webgpu and recorded its adapter (Node; the page's browser reports no limits).
 */
function checkBindingSize(ir: ModelIR): void {
  const limit = tf.getBackend() === "webgpu" ? backendInfo()?.adapter?.limits.maxStorageBufferBindingSize : undefined;
  if (!limit) return;
  for (const p of ir.params) {
    const bytes = 4 * p.shape.reduce((a, d) => a * d, 1);
    if (bytes > limit) fail("weight_too_large", ir.file, p.path, bytes, limit);
  }
}

const training: Training = {
  valueAndGrads(f, params) {
    const byName = new Map([...params].map(([path, v]) => [(v as tf.Variable).name, path]));
    const { value, grads } = tf.variableGrads(() => f() as tf.Scalar, [...params.values()] as tf.Variable[]);
    return { value, grads: new Map(Object.entries(grads).map(([name, g]) => [byName.get(name)!, g])) };
  },
  adamw: (params, groups, options) => new AdamW(params as Map<string, tf.Variable>, groups, options),
  crossEntropy: (logits, labels, smoothing) => labelSmoothingCrossEntropy(logits as tf.Tensor2D, labels, smoothing),
  assign: (param, value) => (param as tf.Variable).assign(T(value)),
  add: (a, b) => tf.add(T(a), T(b)),
  scale: (a, k) => tf.mul(T(a), k),
};

/** An inference program owning its parameters, made once in the layout the kernels prefer (as `lower` has them). */
function baked(ir: ModelIR, bake: NonNullable<CompileOptions["bake"]>): CompiledProgram {
  const read = new Set(ir.graph.nodes.filter((n) => n.op === "param").map((n) => n.attrs.path as string));
  const own = { ...ir, params: ir.params.filter((p) => read.has(p.path)) };
  const params = tfjsEngine.createParams(own, bake.weights, { trainable: false, seed: bake.seed });
  const p = program(own);
  return {
    inputNames: ir.graph.inputs.map((i) => i.name),
    run: async (inputs) => p.predict(inputs, params).outputs,
    dispose: () => params.forEach((t) => t.dispose()),
  };
}

export const tfjsEngine: Engine = {
  get name() {
    return `tfjs-${tf.getBackend()}`;
  },
  fromHost(t: HostTensor) {
    // tfjs has no int64: token ids and indices fit in int32.
    return isFloat(t.dtype)
      ? tf.tensor(toFloat32(t), t.shape, "float32")
      : tf.tensor(Int32Array.from(toFloat32(t)), t.shape, "int32");
  },
  async read(t) {
    const x = T(t);
    const data = await x.data();
    if (x.dtype === "float32")
      return { dtype: "f32", shape: [...x.shape], data: new Float32Array(data as Float32Array) };
    if (x.dtype === "int32") return { dtype: "i32", shape: [...x.shape], data: new Int32Array(data as Int32Array) };
    if (x.dtype === "bool") return { dtype: "bool", shape: [...x.shape], data: new Uint8Array(data as Uint8Array) };
    throw new Error(`mdl internal error: output of dtype ${x.dtype}`);
  },
  dispose(ts) {
    if (!ts) return;
    if ("dispose" in ts && typeof ts.dispose === "function") return void (ts as Tensor).dispose();
    const list = Symbol.iterator in ts ? [...(ts as Iterable<Tensor>)] : Object.values(ts as Record<string, Tensor>);
    for (const t of list) t.dispose();
  },
  numTensors: () => tf.memory().numTensors,
  scoped: <R>(f: () => R) => tf.tidy(f as unknown as () => tf.TensorContainer) as unknown as R,
  lower: program,
  async compile(ir, opts = {}) {
    if (opts.bake) return baked(ir, opts.bake);
    const p = program(inTorchLayout(ir));
    return {
      inputNames: ir.graph.inputs.map((i) => i.name),
      // tfjs writes no output in place: `into` is a hint the engine may ignore
      run: async (inputs, params) => p.predict(inputs, params ?? new Map()).outputs,
      dispose: () => {},
    };
  },
  createParams(ir, source, opts) {
    checkBindingSize(ir);
    return createParams(
      opts.compiled ? inTorchLayout(ir) : ir,
      source as Map<string, HostF32> | undefined,
      opts,
    ) as Map<string, tf.Tensor>;
  },
  toTorchLayout: (ir, path, t) => toTorchLayout(ir, path, T(t)),
  fromTorchLayout: (ir, path, t) => toRuntimeLayout(ir, path, t),
  concat: (ts, axis) => tf.concat(ts as tf.Tensor[], axis),
  viewProbabilities: (logits, groups, reduce) =>
    tf.tidy(() => {
      const probs = tf.reshape(tf.softmax(T(logits), -1), [groups, -1, T(logits).shape[1]!]);
      return reduce === "mean" ? tf.mean(probs, 1) : tf.sum(probs, 1);
    }),
  training,
};
