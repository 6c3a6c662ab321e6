/**
 * Which GPU the browser would run webgpu and webgl on, and whether it is software (SwiftShader, llvmpipe):
 * "auto" never picks a software adapter (on SwiftShader webgpu ran the tiny X-CLIP in 14.3 s, wasm in
 * 0.24 s), and one asked for by name is said to be software. The rule is the CLI's (software-adapter.ts).
 */
import { isSoftwareAdapter, isSoftwareRenderer } from "../../../src/runtime/tfjs/software-adapter.ts";

export interface Gpu {
  /** What the browser says the adapter or renderer is. */
  name: string;
  software: boolean;
}

type GpuAdapterInfo = {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
};
type NavigatorGpu = {
  gpu?: { requestAdapter(): Promise<{ info?: GpuAdapterInfo; isFallbackAdapter?: boolean } | null> };
};

/** The adapter webgpu would get, or why there is none. */
export async function webgpuAdapter(): Promise<Gpu | string> {
  const gpu = (navigator as Navigator & NavigatorGpu).gpu;
  if (!gpu) return "navigator.gpu is missing";
  const a = await gpu.requestAdapter();
  if (!a) return "the browser gives no adapter";
  // GPUAdapterInfo's fields are getters on its prototype: copy them, or Object.values sees nothing
  const i = a.info ?? {};
  const info = {
    vendor: i.vendor,
    architecture: i.architecture,
    device: i.device,
    description: i.description,
    isFallbackAdapter: i.isFallbackAdapter,
  };
  const name =
    [info.vendor, info.architecture, info.description || info.device].filter(Boolean).join(" ") || "unnamed adapter";
  return { name, software: isSoftwareAdapter({ info, isFallbackAdapter: a.isFallbackAdapter }) };
}

/** The renderer WebGL2 would draw with, or why there is none. */
export function webglRenderer(): Gpu | string {
  const gl = document.createElement("canvas").getContext("webgl2");
  if (!gl) return "no WebGL2 context";
  const ext = gl.getExtension("WEBGL_debug_renderer_info");
  const name = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension("WEBGL_lose_context")?.loseContext();
  return { name, software: isSoftwareRenderer(name) };
}
