/** Numeric options and the backend flags, checked inside the command (exit 2 with a catalogued message). */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { initBackend, type BackendName } from "../runtime/tfjs/backend.ts";

const BACKENDS: readonly BackendName[] = ["node-gpu", "node", "wasm", "cpu", "webgl", "webgpu"];

/** A whole number of at least `min`; anything else is a usage error naming the option. */
export function parseCount(option: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) fail("bad_count", option, option, min, value);
  return n;
}

export function parsePositive(option: string, value: string): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || x <= 0)
    fail("bad_number", option, option, "a positive number", value);
  return x;
}

export function parseFraction(option: string, value: string): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || x < 0 || x >= 1)
    fail("bad_number", option, option, "a number in [0, 1)", value);
  return x;
}

/** --backend and --threads, shared by the commands that run a model. */
export function backendOptions(cmd: Command): Command {
  return cmd
    .option("--backend <name>", `tfjs backend (${BACKENDS.join(", ")}; default: the fastest installed)`)
    .option(
      "--threads <n>",
      "wasm threads (default: all cores; 1 when the load average is at or above the core count)",
    );
}

export function startBackend(flags: { backend?: string; threads?: string }) {
  if (flags.backend !== undefined && !BACKENDS.includes(flags.backend as BackendName))
    fail("usage", undefined, `--backend must be one of ${BACKENDS.join(", ")}, got \`${flags.backend}\``);
  return initBackend({
    backend: flags.backend as BackendName | undefined,
    threads: flags.threads === undefined ? undefined : parseCount("--threads", flags.threads, 1),
  });
}

// --- the inference runtime (ONNX Runtime or tfjs) ---

export type RuntimeName = "onnx" | "tfjs";
const RUNTIMES: readonly RuntimeName[] = ["onnx", "tfjs"];
const DEVICES = ["cpu", "cuda"] as const;

export interface RuntimeFlags {
  runtime?: string;
  device?: string;
  backend?: string;
  threads?: string;
}

export interface RuntimeChoice {
  name: RuntimeName;
  device: "cpu" | "cuda";
  threads?: number;
  why: string;
}

/** --runtime and --device, for the commands that only run inference (predict, classify, eval). */
export function runtimeOptions(cmd: Command): Command {
  return cmd
    .option(
      "--runtime <name>",
      `engine (${RUNTIMES.join(", ")}; default: the fastest available, see \`mdl env\`; onnx trains through the compiled training step)`,
    )
    .option("--device <name>", `device of the onnx runtime (${DEVICES.join(", ")}; default cpu)`);
}

/**
 * The runtime a command uses: the one asked for, else ONNX Runtime when it loads (on X-CLIP-B/32 it runs
 * several times faster than tfjs-wasm, bench/RESULTS.md), else tfjs. Naming a tfjs --backend picks tfjs.
 */
export async function pickRuntime(flags: RuntimeFlags): Promise<RuntimeChoice> {
  if (flags.runtime !== undefined && !RUNTIMES.includes(flags.runtime as RuntimeName))
    fail("usage", undefined, `--runtime must be one of ${RUNTIMES.join(", ")}, got \`${flags.runtime}\``);
  if (flags.device !== undefined && !(DEVICES as readonly string[]).includes(flags.device))
    fail("usage", undefined, `--device must be one of ${DEVICES.join(", ")}, got \`${flags.device}\``);
  const device = (flags.device ?? "cpu") as "cpu" | "cuda";
  const threads = flags.threads === undefined ? undefined : parseCount("--threads", flags.threads, 1);
  const { ortMissing } = await import("../runtime/onnx/session.ts");
  if (flags.runtime === "tfjs" || (flags.runtime === undefined && flags.backend !== undefined)) {
    if (flags.device === "cuda")
      fail("usage", undefined, "--device cuda needs --runtime onnx (tfjs picks its device with --backend)");
    return { name: "tfjs", device, threads, why: flags.runtime ? "--runtime tfjs" : `--backend ${flags.backend}` };
  }
  if (flags.backend !== undefined)
    fail("usage", undefined, "--backend chooses a tfjs backend; it does not apply to --runtime onnx");
  const missing = await ortMissing();
  if (flags.runtime === "onnx" && missing) fail("backend_unavailable", undefined, "onnx", missing);
  if (missing) return { name: "tfjs", device, threads, why: `ONNX Runtime is not available (${missing})` };
  return {
    name: "onnx",
    device,
    threads,
    why: flags.runtime
      ? "--runtime onnx"
      : "the fastest available: onnxruntime-node loads (CPU kernels ship in the package)",
  };
}

/**
 * Starts the engine pickRuntime chooses and makes it the current one: ONNX Runtime on its device, or tfjs
 * through startBackend. The commands that run a model call this once; everything after talks to the Engine.
 */
export async function startEngine(flags: RuntimeFlags): Promise<RuntimeChoice> {
  const choice = await pickRuntime(flags);
  if (choice.name === "tfjs") {
    await startBackend(flags);
    return choice;
  }
  const { createOnnxEngine } = await import("../runtime/onnx/engine.ts");
  const { useEngine } = await import("../runtime/backend/current.ts");
  useEngine(await createOnnxEngine({ device: choice.device, threads: choice.threads }));
  return choice;
}
