/**
 * ONNX Runtime's sessions: `openSession` (a lowered graph, ONNX bytes or a file on a device), which the engine
 * (engine.ts) compiles every program through, and `createSession`, an async `run` over host tensors for
 * running a model file or a lowered IR as is (exported models, lowering tests). onnxruntime-node is loaded
 * only when a session is made, so commands that never run a model do not pay for it.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { toFloat32, type HostTensor } from "../weights/tensor.ts";
import { lowerToOnnx, type LowerOptions, type OnnxGraph } from "./lower.ts";
import { modelBytes, writeModel } from "./model.ts";

export type Device = "cpu" | "cuda";

export interface SessionOptions extends LowerOptions {
  device?: Device;
  /** Intra-op threads (default: ORT's own choice, one per core). */
  threads?: number;
}

export interface OnnxSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  /** Outputs by name; integer inputs may come as any integer or float typed array. */
  run(inputs: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
  dispose(): Promise<void>;
}

type Ort = typeof import("onnxruntime-node");
let ortModule: Promise<Ort> | undefined;
/**
 * ORT 1.30's Linux telemetry reads /proc/self/cmdline when a session starts and overflows the native stack
 * on a command-line argument past ~32 KB (`classify --labels` with a few thousand names: exit 139, no
 * output). mdl sends nothing anywhere, so it is off unless the user set the variable themselves.
 */
export const loadOrt = (): Promise<Ort> => {
  process.env.ORT_DISABLE_TELEMETRY ??= "1";
  return (ortModule ??= import("onnxruntime-node").then((m) => ((m as { default?: Ort }).default ?? m) as Ort));
};

/** Why ONNX Runtime cannot be used here, or undefined when its native library loads. */
export async function ortMissing(): Promise<string | undefined> {
  try {
    await loadOrt();
    return undefined;
  } catch (err) {
    return `onnxruntime-node does not load: ${String((err as Error).message).split("\n")[0]}`;
  }
}

/**
 * Why CUDA cannot be used here, or undefined when it looks usable. The npm package lists a CUDA provider
 * but does not ship it: onnxruntime-node's install script downloads it, which this project's .npmrc keeps from running (ignore-scripts).
 */
export async function cudaMissing(): Promise<string | undefined> {
  const ort = await loadOrt();
  if (!ort.listSupportedBackends().some((b) => b.name === "cuda"))
    return "this onnxruntime-node build has no CUDA provider";
  const bin = dirname(createRequire(import.meta.url).resolve("onnxruntime-node/package.json"));
  const lib = join(bin, "bin", "napi-v6", process.platform, process.arch, "libonnxruntime_providers_cuda.so");
  if (!existsSync(lib))
    return (
      "the CUDA provider of onnxruntime-node is not installed (npm skips its download here; on a machine " +
      "with CUDA 12 run its install script with ONNXRUNTIME_NODE_INSTALL=cuda12, see docs/training.md)"
    );
  if (!existsSync("/proc/driver/nvidia")) return "no NVIDIA driver is loaded";
  return undefined;
}

/** Session options for a device: ORT's full graph optimisation; `threads` intra-op threads (default: ORT's choice). */
function sessionOptions(device: Device, threads: number | undefined) {
  return {
    executionProviders: [device],
    graphOptimizationLevel: "all" as const,
    ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
}

export type OrtSession = Awaited<ReturnType<Ort["InferenceSession"]["create"]>>;

/**
 * An InferenceSession over a lowered graph (or ONNX bytes or a file). A graph whose weights pass 2 GB goes
 * through a temporary model file with its weights beside it, which ORT reads from disk. A device that fails
 * to start is a usage error saying why.
 */
export async function openSession(
  model: OnnxGraph | Uint8Array | string,
  device: Device = "cpu",
  threads?: number,
): Promise<OrtSession> {
  const ort = await loadOrt();
  const noCuda = device === "cuda" ? await cudaMissing() : undefined;
  if (noCuda) fail("backend_unavailable", undefined, "onnx --device cuda", noCuda);
  const options = sessionOptions(device, threads);
  let tmp: string | undefined;
  let source: Uint8Array | string;
  if (typeof model === "string" || model instanceof Uint8Array) source = model;
  else {
    const bytes = modelBytes(model);
    if (bytes) source = bytes;
    else {
      tmp = mkdtempSync(join(tmpdir(), "mdl-onnx-"));
      source = join(tmp, "model.onnx");
      writeModel(source, model);
    }
  }
  try {
    return typeof source === "string"
      ? await ort.InferenceSession.create(source, options)
      : await ort.InferenceSession.create(source, options);
  } catch (err) {
    if (device !== "cpu")
      fail(
        "backend_unavailable",
        undefined,
        `onnx --device ${device}`,
        (await cudaMissing()) ?? String((err as Error).message),
      );
    throw err;
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}

/** A session over host tensors: a model (an IR lowered here with `opts`' weights, or ONNX bytes or a file) run as is. */
export async function createSession(
  model: ModelIR | Uint8Array | string,
  opts: SessionOptions = {},
): Promise<OnnxSession> {
  const ort = await loadOrt();
  const isFile = typeof model === "string" || model instanceof Uint8Array;
  const session = await openSession(isFile ? model : lowerToOnnx(model, opts), opts.device, opts.threads);
  const types = new Map<string, string>();
  for (const m of session.inputMetadata) if (m.isTensor) types.set(m.name, m.type);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(inputs) {
      const feeds: Record<string, InstanceType<Ort["Tensor"]>> = {};
      for (const [name, t] of Object.entries(inputs)) feeds[name] = toOrt(ort, t, types.get(name) ?? "float32");
      const out = await session.run(feeds);
      const result: Record<string, HostTensor> = {};
      for (const [name, t] of Object.entries(out)) result[name] = fromOrt(t);
      return result;
    },
    dispose: () => session.release(),
  };
}

function toOrt(ort: Ort, t: HostTensor, want: string) {
  const dims = t.shape;
  if (want === "float32")
    return new ort.Tensor("float32", t.dtype === "f32" ? (t.data as Float32Array) : toFloat32(t), dims);
  if (want === "int64") {
    const data =
      t.data instanceof BigInt64Array
        ? t.data
        : BigInt64Array.from(Array.from(toFloat32(t), (v) => BigInt(Math.round(v))));
    return new ort.Tensor("int64", data, dims);
  }
  if (want === "int32")
    return new ort.Tensor("int32", t.data instanceof Int32Array ? t.data : Int32Array.from(toFloat32(t)), dims);
  return new ort.Tensor(
    "bool",
    Uint8Array.from(toFloat32(t), (v) => (v ? 1 : 0)),
    dims,
  );
}

function fromOrt(t: { type: string; dims: readonly number[]; data: unknown }): HostTensor {
  const shape = [...t.dims];
  switch (t.type) {
    case "float32":
      return { dtype: "f32", shape, data: t.data as Float32Array };
    case "int64":
      return { dtype: "i64", shape, data: t.data as BigInt64Array };
    case "int32":
      return { dtype: "i32", shape, data: t.data as Int32Array };
    case "bool":
      return { dtype: "bool", shape, data: t.data as Uint8Array };
  }
  throw new Error(`mdl internal error: ORT output of type ${t.type}`);
}
