/**
 * Running a compiled model in the page on TensorFlow.js: the same lowering (lowerToTfjs, predict) and
 * param loading as the CLI, on the best backend the browser has (a software GPU only when asked for by
 * name). Loaded on first use (a separate chunk).
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { ModelIR } from "../../../src/compiler/0-core/schema.ts";
import { bindSymbols, createParams, lowerToTfjs, paramStore, predict } from "../../../src/runtime/tfjs/lower.ts";
import type { Checkpoint } from "../../../src/runtime/weights/checkpoint.ts";
import { coverage, type Coverage } from "../../../src/runtime/weights/coverage.ts";
import { isFloat, toFloat32, type HostTensor } from "../../../src/runtime/weights/tensor.ts";
import { webglRenderer, webgpuAdapter } from "./adapters.ts";

export type BackendChoice = "auto" | "webgpu" | "webgl" | "wasm";
const ORDER = ["webgpu", "webgl", "wasm"] as const;

setWasmPaths(new URL("wasm/", document.baseURI).href);

export interface BackendInUse {
  name: string;
  /** The adapter or renderer's name when it is software (SwiftShader): asked for by name, never by "auto". */
  software?: string;
  /** What "auto" passed over, and why. */
  skipped: string[];
}

/** Why `name` cannot serve `choice`, or the software GPU it would run on (undefined: a hardware GPU or wasm). */
async function gpuOf(name: (typeof ORDER)[number], choice: BackendChoice): Promise<{ refused?: string; software?: string }> {
  if (name === "wasm") return {};
  const gpu = name === "webgpu" ? await webgpuAdapter() : webglRenderer();
  if (typeof gpu === "string") return { refused: `${name}: ${gpu}` };
  if (gpu.software && choice === "auto") return { refused: `${name}: software adapter (${gpu.name})` };
  return gpu.software ? { software: gpu.name } : {};
}

/** Switch to `choice` (auto: webgpu, else webgl, else wasm, on hardware GPUs only) and say what is in use. */
export async function useBackend(choice: BackendChoice): Promise<BackendInUse> {
  const tried: string[] = [];
  for (const name of choice === "auto" ? ORDER : [choice]) {
    const gpu = await gpuOf(name, choice);
    if (gpu.refused) {
      tried.push(gpu.refused);
      continue;
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        // Otherwise small ops silently run on the CPU and the page would not say what really ran.
        if (name === "webgl") tf.env().set("WEBGL_CPU_FORWARD", false);
        if (name === "webgpu") tf.env().set("WEBGPU_CPU_FORWARD", false);
        return { name: tf.getBackend(), software: gpu.software, skipped: tried };
      }
      tried.push(`${name}: not available`);
    } catch (e) {
      tried.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no backend could start (${tried.join("; ")})`);
}

export interface OutputValues {
  shape: number[];
  data: Float32Array;
}

/** Host tensors named `input.<port>` -> the model's input tensors, checked against the declared shapes. */
function modelInputs(ir: ModelIR, tensors: Map<string, HostTensor>): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const port of ir.graph.inputs) {
    const t = tensors.get(`input.${port.name}`);
    if (!t) throw new Error(`the inputs file has no tensor input.${port.name}`);
    // tfjs has no int64: token ids and indices fit in int32.
    out[port.name] = isFloat(t.dtype) ? tf.tensor(toFloat32(t), t.shape, "float32") : tf.tensor(Int32Array.from(toFloat32(t)), t.shape, "int32");
  }
  bindSymbols(ir, out);
  return out;
}

function loadParams(ir: ModelIR, ckpt: Checkpoint, trainable: boolean): { params: Map<string, tf.Tensor>; coverage: Coverage } {
  const cov = coverage(ir.params.map((p) => ({ path: p.path, shape: p.shape })), ckpt.tensors);
  const source = new Map(cov.loaded.map((name) => [name, { shape: ckpt.tensors.get(name)!.shape, data: toFloat32(ckpt.tensors.get(name)!) }]));
  return { params: createParams(ir, source, { trainable, seed: 0 }) as Map<string, tf.Tensor>, coverage: cov };
}

const disposeAll = (ts: Iterable<tf.Tensor>) => {
  for (const t of ts) t.dispose();
};

export async function runModel(ir: ModelIR, ckpt: Checkpoint, io: Map<string, HostTensor>): Promise<{ outputs: Record<string, OutputValues>; coverage: Coverage; ms: number }> {
  const { params, coverage: cov } = loadParams(ir, ckpt, false);
  const inputs = modelInputs(ir, io);
  try {
    const t0 = performance.now();
    const { outputs } = predict(lowerToTfjs(ir), inputs, paramStore(params));
    const values: Record<string, OutputValues> = {};
    for (const [name, t] of Object.entries(outputs)) values[name] = { shape: [...t.shape], data: new Float32Array(await t.data()) };
    const ms = performance.now() - t0;
    disposeAll(Object.values(outputs));
    return { outputs: values, coverage: cov, ms };
  } finally {
    disposeAll(Object.values(inputs));
    disposeAll(params.values());
  }
}

/**
 * A few Adam steps on the loaded inputs, cross-entropy of the logits against fixed labels (sample b is
 * class b mod K): enough to watch the loss fall, which is what the page shows.
 */
export async function trainSteps(ir: ModelIR, ckpt: Checkpoint, io: Map<string, HostTensor>, steps: number, onLoss: (step: number, loss: number) => void): Promise<void> {
  const logitsName = ir.graph.outputs.find((o) => o.name === "logits")?.name ?? ir.graph.outputs[0].name;
  const { params } = loadParams(ir, ckpt, true);
  const inputs = modelInputs(ir, io);
  const lowered = lowerToTfjs(ir);
  const store = paramStore(params);
  const opt = tf.train.adam(1e-3);
  try {
    for (let step = 1; step <= steps; step++) {
      const loss = opt.minimize(() => {
        const logits = lowered.run(inputs, store, { training: true }).outputs[logitsName] as tf.Tensor2D;
        const [b, k] = logits.shape;
        const labels = tf.oneHot(tf.tensor1d(Array.from({ length: b }, (_, i) => i % k), "int32"), k);
        return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
      }, true)!;
      onLoss(step, (await loss.data())[0]);
      loss.dispose();
    }
  } finally {
    opt.dispose();
    disposeAll(Object.values(inputs));
    disposeAll(params.values());
  }
}
