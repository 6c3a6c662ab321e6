/**
 * TensorFlow.js as an Engine (src/runtime/backend/engine.ts) in the page, so that running and training go
 * through the CLI's code: run/runner.ts and train/steps.ts with the compiled training step (AdamW in the IR).
 * It is runtime/tfjs/engine.ts's engine less what reaches Node: the webgpu binding-size check (webgpu.ts
 * reads node:fs) and the autodiff half, whose AdamW can keep moments on worker threads (node:worker_threads).
 * Without `training`, the page trains as ONNX Runtime does, through the compiler's training step.
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelIR } from "../../../src/compiler/0-core/schema.ts";
import type { CompiledProgram, CompileOptions, Engine, HostF32, Params, Program, Tensor } from "../../../src/runtime/backend/engine.ts";
import { inTorchLayout } from "../../../src/runtime/tfjs/layout.ts";
import { createParams, lowerToTfjs, paramStore, predict, toRuntimeLayout, toTorchLayout } from "../../../src/runtime/tfjs/lower.ts";
import { isFloat, toFloat32, type HostTensor } from "../../../src/runtime/weights/tensor.ts";

const T = (t: Tensor) => t as tf.Tensor;

function program(ir: ModelIR): Program {
  const lowered = lowerToTfjs(ir);
  const store = (p: Params) => paramStore(p as ReadonlyMap<string, tf.Tensor>);
  return {
    predict: (inputs, params, opts) => predict(lowered, inputs as Record<string, tf.Tensor>, store(params), opts),
    run: (inputs, params, opts) => lowered.run(inputs as Record<string, tf.Tensor>, store(params), opts),
  };
}

/** An inference program owning its parameters, in the layout the kernels prefer. */
function baked(ir: ModelIR, bake: NonNullable<CompileOptions["bake"]>): CompiledProgram {
  const read = new Set(ir.graph.nodes.filter((n) => n.op === "param").map((n) => n.attrs.path as string));
  const own = { ...ir, params: ir.params.filter((p) => read.has(p.path)) };
  const params = createParams(own, bake.weights as Map<string, HostF32>, { trainable: false, seed: bake.seed });
  const p = program(own);
  return {
    inputNames: ir.graph.inputs.map((i) => i.name),
    run: async (inputs) => p.predict(inputs, params).outputs,
    dispose: () => params.forEach((t) => t.dispose()),
  };
}

export const pageEngine: Engine = {
  get name() {
    return `tfjs-${tf.getBackend()}`;
  },
  fromHost(t: HostTensor) {
    // tfjs has no int64: token ids and indices fit in int32.
    return isFloat(t.dtype) ? tf.tensor(toFloat32(t), t.shape, "float32") : tf.tensor(Int32Array.from(toFloat32(t)), t.shape, "int32");
  },
  async read(t) {
    const x = T(t);
    const data = await x.data();
    if (x.dtype === "float32") return { dtype: "f32", shape: [...x.shape], data: new Float32Array(data as Float32Array) };
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
  createParams: (ir, source, opts) => createParams(opts.compiled ? inTorchLayout(ir) : ir, source as Map<string, HostF32> | undefined, opts) as Map<string, tf.Tensor>,
  toTorchLayout: (ir, path, t) => toTorchLayout(ir, path, T(t)),
  fromTorchLayout: (ir, path, t) => toRuntimeLayout(ir, path, t),
  concat: (ts, axis) => tf.concat(ts as tf.Tensor[], axis),
  viewProbabilities: (logits, groups, reduce) =>
    tf.tidy(() => {
      const probs = tf.reshape(tf.softmax(T(logits), -1), [groups, -1, T(logits).shape[1]!]);
      return reduce === "mean" ? tf.mean(probs, 1) : tf.sum(probs, 1);
    }),
};
