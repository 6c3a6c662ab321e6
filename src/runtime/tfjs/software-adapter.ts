/**
 * Whether a GPU adapter is a CPU implementation of the GPU API (SwiftShader, llvmpipe, WARP): one rule for
 * Node's Dawn (webgpu.ts) and the playground's browser, which both refuse such an adapter unless asked for
 * it by name. Browser-safe: no node API.
 */
export interface AdapterLike {
  info?: Record<string, unknown>;
  isFallbackAdapter?: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|warp/i;

export const isSoftwareAdapter = (a: AdapterLike): boolean =>
  a.isFallbackAdapter === true ||
  a.info?.isFallbackAdapter === true ||
  isSoftwareRenderer(Object.values(a.info ?? {}).join(" "));

/** The same rule over a renderer's name, as WebGL reports it (`ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device ...`). */
export const isSoftwareRenderer = (name: string): boolean => SOFTWARE.test(name);
