/**
 * The tensor files of `mdl predict`: a model's inputs are read from tensors named `input.<name>` (other
 * tensors are ignored, so a fixture's io.safetensors works as is); its outputs are written as `out.<name>`.
 */
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import type { ModelIR } from "../../compiler/4-ir/schema.ts";
import { fail, MdlError } from "../../compiler/diagnostics/diagnostic.ts";
import { bindSymbols } from "../tfjs/lower.ts";
import { decodeSafetensors, writeSafetensors } from "../weights/safetensors.ts";
import { isFloat, toFloat32, type HostTensor } from "../weights/tensor.ts";

export const INPUT_PREFIX = "input.";
export const OUTPUT_PREFIX = "out.";

function readTensorFile(path: string): Map<string, HostTensor> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") fail("not_found", path, "inputs file");
    fail("file_unreadable", path, code === "EISDIR" ? "it is a directory" : String((err as Error).message));
  }
  return decodeSafetensors(bytes, path).tensors;
}

/** The model's inputs among host tensors, checked: a missing input, a wrong dtype or shape names `file`. */
export function hostModelInputs(ir: ModelIR, tensors: Map<string, HostTensor>, file: string): Record<string, HostTensor> {
  const host: Record<string, HostTensor> = {};
  for (const port of ir.graph.inputs) {
    const t = tensors.get(INPUT_PREFIX + port.name);
    if (!t) fail("input_missing", file, INPUT_PREFIX + port.name, file);
    const wantFloat = port.type.dtype === "f32";
    if (wantFloat !== isFloat(t.dtype) || t.dtype === "bool")
      fail("input_dtype", file, INPUT_PREFIX + port.name, wantFloat ? "a float tensor" : "an integer tensor", t.dtype);
    host[port.name] = t;
  }
  try {
    bindSymbols(ir, Object.fromEntries(Object.entries(host).map(([k, t]) => [k, { shape: t.shape, rank: t.shape.length }])) as unknown as Record<string, tf.Tensor>);
  } catch (err) {
    // The lowering places a shape error in the model file; here the inputs file is what is wrong.
    if (err instanceof MdlError) throw new MdlError({ ...err.diagnostic, file, span: undefined });
    throw err;
  }
  return host;
}

/** Host tensors -> tfjs inputs of the model (checked as hostModelInputs does). */
export function toModelInputs(ir: ModelIR, tensors: Map<string, HostTensor>, file: string): Record<string, tf.Tensor> {
  const host = hostModelInputs(ir, tensors, file);
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(host)) {
      // tfjs has no int64: token ids and indices fit in int32.
      out[name] = isFloat(t.dtype) ? tf.tensor(toFloat32(t), t.shape, "float32") : tf.tensor(Int32Array.from(toFloat32(t)), t.shape, "int32");
    }
    return out;
  });
}

export function readModelInputs(ir: ModelIR, path: string): Record<string, tf.Tensor> {
  return toModelInputs(ir, readTensorFile(path), path);
}

export function readHostInputs(ir: ModelIR, path: string): Record<string, HostTensor> {
  return hostModelInputs(ir, readTensorFile(path), path);
}

export function toHost(t: tf.Tensor): HostTensor {
  const data = t.dataSync();
  if (t.dtype === "float32") return { dtype: "f32", shape: [...t.shape], data: new Float32Array(data as Float32Array) };
  if (t.dtype === "int32") return { dtype: "i32", shape: [...t.shape], data: new Int32Array(data as Int32Array) };
  if (t.dtype === "bool") return { dtype: "bool", shape: [...t.shape], data: new Uint8Array(data as Uint8Array) };
  throw new Error(`mdl internal error: output of dtype ${t.dtype}`);
}

/** Every output as `out.<name>`, written atomically. */
export function writeOutputs(path: string, outputs: Record<string, tf.Tensor>, metadata?: Record<string, string>): void {
  writeHostOutputs(path, Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, toHost(t)])), metadata);
}

export function writeHostOutputs(path: string, outputs: Record<string, HostTensor>, metadata?: Record<string, string>): void {
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of Object.entries(outputs)) tensors.set(OUTPUT_PREFIX + name, t);
  writeSafetensors(path, tensors, metadata);
}

export function disposeAll(ts: Record<string, tf.Tensor>): void {
  for (const t of Object.values(ts)) t.dispose();
}
