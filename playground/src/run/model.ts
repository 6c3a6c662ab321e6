/**
 * Running and training a compiled model in the page on TensorFlow.js, through the CLI's code: run/runner.ts
 * (the checkpoint's weights baked into a compiled program, as `mdl predict` runs) and ./train.ts (the compiled
 * training step in the CLI loop's steps), on the CLI's tfjs Engine (runtime/tfjs/engine.ts), on the best
 * backend the browser has (a software GPU only when asked for by name). Loaded on first use (a separate chunk).
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import type { ModelIR } from "../../../src/compiler/0-core/schema.ts";
import { useEngine } from "../../../src/runtime/backend/current.ts";
import { toModelInputs } from "../../../src/runtime/run/model-inputs.ts";
import { createRunner } from "../../../src/runtime/run/runner.ts";
import { tfjsEngine } from "../../../src/runtime/tfjs/engine.ts";
import type { Checkpoint } from "../../../src/runtime/weights/checkpoint.ts";
import type { Coverage } from "../../../src/runtime/weights/coverage.ts";
import type { HostTensor } from "../../../src/runtime/weights/tensor.ts";
import { webglRenderer, webgpuAdapter } from "./adapters.ts";
import { INPUTS_FILE, trainModel } from "./train.ts";

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
async function gpuOf(
  name: (typeof ORDER)[number],
  choice: BackendChoice,
): Promise<{ refused?: string; software?: string }> {
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
        useEngine(tfjsEngine);
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

export async function runModel(
  ir: ModelIR,
  ckpt: Checkpoint,
  io: Map<string, HostTensor>,
): Promise<{ outputs: Record<string, OutputValues>; coverage: Coverage; ms: number }> {
  const runner = createRunner(ir, ckpt);
  const inputs = toModelInputs(ir, io, INPUTS_FILE, undefined, tfjsEngine);
  try {
    // the weights are baked in here, so that `ms` is the prediction's alone
    await runner.ready();
    const t0 = performance.now();
    const { outputs } = await runner.run(inputs);
    const values: Record<string, OutputValues> = {};
    for (const [name, t] of Object.entries(outputs))
      values[name] = { shape: [...t.shape], data: (await tfjsEngine.read(t)).data as Float32Array };
    const ms = performance.now() - t0;
    tfjsEngine.dispose(outputs);
    return { outputs: values, coverage: runner.coverage, ms };
  } finally {
    tfjsEngine.dispose(inputs);
    await runner.dispose();
  }
}

/** A few steps of `mdl train`'s training on the loaded inputs: enough to watch the loss fall, which is what the page shows. */
export async function trainSteps(
  ir: ModelIR,
  ckpt: Checkpoint,
  io: Map<string, HostTensor>,
  steps: number,
  onLoss: (step: number, loss: number) => void,
): Promise<void> {
  await trainModel(tfjsEngine, ir, ckpt, io, { steps, onStep: (s) => onLoss(s.step, s.loss) });
}
