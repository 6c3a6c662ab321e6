/**
 * Which TensorFlow.js backend is running: backend.ts starts one and records it here, and what depends on it
 * (adamw.ts sizes its thread pool by it) reads it here, without importing the code that starts a backend.
 */
import type * as tf from "@tensorflow/tfjs";
import type { AdapterReport } from "./webgpu.ts";

export interface BackendInfo {
  name: string;
  threads: number;
  tried: { name: string; ok: boolean; why?: string }[];
  /** The GPU adapter, when the backend is webgpu. */
  adapter?: AdapterReport;
}

let current: BackendInfo | undefined;

/** The backend started by `initBackend`, if any. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

export function setBackendInfo(info: BackendInfo): BackendInfo {
  return (current = info);
}

/** What mdl reads of tfjs-backend-wasm's internals: its heap, where a tensor lives in it, fresh output buffers. */
export interface WasmBackend {
  wasm: { HEAPU8: Uint8Array; wasmMemory?: WebAssembly.Memory };
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}
