/**
 * TensorFlow.js's webgpu backend in Node, on Dawn (the npm package `webgpu`, which ships its binary).
 * A real GPU adapter may be chosen automatically; a software one (SwiftShader, llvmpipe) only when the
 * webgpu backend is asked for by name: it proves correctness at a fraction of a CPU backend's speed.
 * Without a configured Vulkan driver and without a GPU device node, Debian chromium's SwiftShader ICD is
 * used when it is installed (VK_ICD_FILENAMES is set for this process only, and `mdl env` says so).
 */
import * as tf from "@tensorflow/tfjs";
import { existsSync, readdirSync } from "node:fs";
import { isSoftwareAdapter } from "./software-adapter.ts";

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** SwiftShader, llvmpipe or another CPU implementation of the GPU API. */
  software: boolean;
  limits: { maxBufferSize: number; maxStorageBufferBindingSize: number };
  /** The Vulkan driver file mdl chose itself, when none was configured. */
  icdSetByMdl?: string;
}

export const SWIFTSHADER_ICD = process.env.MDL_SWIFTSHADER_ICD ?? "/usr/lib/chromium/vk_swiftshader_icd.json";
const ICD_VARS = ["VK_ICD_FILENAMES", "VK_DRIVER_FILES", "VK_ADD_DRIVER_FILES"];

type Gpu = { requestAdapter(o?: object): Promise<Adapter | null> };
type Adapter = { info: Record<string, unknown>; limits: Record<string, number>; isFallbackAdapter?: boolean };

let chosen: AdapterReport | undefined;
let device: { destroy(): void } | undefined;

/** A GPU the kernel exposes (DRM render node, NVIDIA device): only then is a hardware adapter worth looking for. */
function gpuDeviceNode(): boolean {
  try {
    if (readdirSync("/dev/dri").some((f) => f.startsWith("renderD"))) return true;
  } catch {
    // no DRM devices
  }
  return existsSync("/dev/nvidia0") || process.platform === "darwin" || process.platform === "win32";
}

/** Whether a hardware adapter could exist here: a GPU device node, or a Vulkan driver configured by hand. */
export function mayHaveGpu(): boolean {
  return ICD_VARS.some((v) => process.env[v]) || gpuDeviceNode();
}

function report(a: Adapter, icdSetByMdl?: string): AdapterReport {
  const s = (k: string) => String(a.info[k] ?? "");
  return {
    vendor: s("vendor"),
    architecture: s("architecture"),
    device: s("device"),
    description: s("description"),
    software: isSoftwareAdapter(a),
    limits: {
      maxBufferSize: a.limits.maxBufferSize,
      maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize,
    },
    ...(icdSetByMdl ? { icdSetByMdl } : {}),
  };
}

async function dawn(): Promise<{ create(o: string[]): Gpu; globals: object }> {
  try {
    return (await import("webgpu")) as unknown as { create(o: string[]): Gpu; globals: object };
  } catch (err) {
    throw new Error(`the npm package \`webgpu\` cannot load: ${String((err as Error).message).split("\n")[0]}`);
  }
}

/**
 * The adapter webgpu would run on, or an Error saying why there is none. `allowSoftware`: accept a software
 * adapter (asked for by name); otherwise a software adapter is refused with that reason.
 */
export async function findAdapter(allowSoftware: boolean): Promise<{ gpu: Gpu; report: AdapterReport }> {
  const configured = ICD_VARS.some((v) => process.env[v]);
  const hardware = configured || gpuDeviceNode();
  const swiftshader = !configured && allowSoftware && existsSync(SWIFTSHADER_ICD);
  if (!hardware && !swiftshader)
    throw new Error(
      allowSoftware
        ? `no GPU device and no software Vulkan driver (install Debian's chromium for SwiftShader at ${SWIFTSHADER_ICD})`
        : "no GPU device",
    );
  // Each probe runs once per process: Dawn prints its driver warnings every time it creates an instance.
  const found =
    (hardware ? await probe("system") : undefined) ?? (swiftshader ? await probe("swiftshader") : undefined);
  if (!found) {
    const why = configured
      ? `no WebGPU adapter on the Vulkan driver configured by ${ICD_VARS.filter((v) => process.env[v])
          .map((v) => `${v}=${process.env[v]}`)
          .join(" ")}`
      : hardware
        ? "no WebGPU adapter (the GPU's Vulkan driver is missing or refused by Dawn)"
        : `SwiftShader (${SWIFTSHADER_ICD}) gave no WebGPU adapter`;
    throw new Error(why);
  }
  if (found.report.software && !allowSoftware)
    throw new Error(
      `only a software adapter (${describeAdapter(found.report)}); it is used only when asked for with --backend webgpu`,
    );
  return found;
}

const probes = new Map<string, Promise<{ gpu: Gpu; report: AdapterReport } | undefined>>();

function probe(kind: "system" | "swiftshader"): Promise<{ gpu: Gpu; report: AdapterReport } | undefined> {
  let p = probes.get(kind);
  if (!p) {
    p = (async () => {
      const { create, globals } = await dawn();
      // The Vulkan loader reads this when Dawn creates its instance, so setting it here is enough.
      if (kind === "swiftshader") process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      const gpu = create([]);
      const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
      if (!adapter) return undefined;
      Object.assign(globalThis, globals);
      return { gpu, report: report(adapter, kind === "swiftshader" ? SWIFTSHADER_ICD : undefined) };
    })();
    probes.set(kind, p);
  }
  return p;
}

export function describeAdapter(r: AdapterReport): string {
  const name = [r.vendor, r.architecture].filter(Boolean).join(" ") || r.device || "unnamed adapter";
  return `${name}${r.description ? ` (${r.description})` : ""}${r.software ? ", software" : ""}`;
}

/** Start tfjs on webgpu; the device is destroyed by `shutdownWebgpu` before the process exits. */
export async function startWebgpu(allowSoftware: boolean): Promise<AdapterReport> {
  const { gpu, report: r } = await findAdapter(allowSoftware);
  chosen = r;
  // tfjs-backend-webgpu registers itself only when navigator.gpu exists at import time; Node 20 has no navigator.
  const nav = (globalThis as { navigator?: object }).navigator;
  Object.defineProperty(globalThis, "navigator", {
    value: { ...(nav ?? {}), gpu },
    configurable: true,
    writable: true,
  });
  await import("@tensorflow/tfjs-backend-webgpu");
  // Small ops on the CPU would mix engines silently and read synchronously; keep everything on the device.
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  if (!(await tf.setBackend("webgpu"))) throw new Error(`tf.setBackend("webgpu") failed on ${describeAdapter(r)}`);
  await tf.ready();
  device = (tf.backend() as unknown as { device: { destroy(): void } }).device;
  return r;
}

/** The adapter tfjs runs on, when the webgpu backend has been started. */
export function webgpuAdapter(): AdapterReport | undefined {
  return device ? chosen : undefined;
}

/**
 * Free the device before the process ends: Dawn tearing a live device down from its static destructors
 * can crash at exit. Safe to call more than once, or when webgpu never started.
 */
export function shutdownWebgpu(): void {
  if (!device) return;
  try {
    tf.removeBackend("webgpu");
  } catch {
    // already removed
  }
  device.destroy();
  device = undefined;
}
