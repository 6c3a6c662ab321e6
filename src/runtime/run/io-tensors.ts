/**
 * The tensor files of `mdl predict`: a model's inputs are read from an inputs file and checked by
 * model-inputs.ts (tensors named `input.<name>`, no file system there, so the playground checks with it too);
 * its outputs are written as `out.<name>`.
 */
import { readFileSync } from "node:fs";
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { fail, type Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";
import { engine } from "../backend/current.ts";
import type { Tensor } from "../backend/engine.ts";
import { decodeSafetensors, writeSafetensors } from "../weights/safetensors.ts";
import type { HostTensor } from "../weights/tensor.ts";
import { toModelInputs } from "./model-inputs.ts";

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

export function readModelInputs(ir: ModelIR, path: string, notice?: (d: Diagnostic) => void): Record<string, Tensor> {
  return toModelInputs(ir, readTensorFile(path), path, notice);
}

/** An engine tensor on the host (an asynchronous read: a GPU cannot be read synchronously). */
export function toHost(t: Tensor): Promise<HostTensor> {
  return engine().read(t);
}

/** Every output as `out.<name>`, written atomically. */
export async function writeOutputs(
  path: string,
  outputs: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of Object.entries(outputs)) tensors.set(OUTPUT_PREFIX + name, await toHost(t));
  writeSafetensors(path, tensors, metadata);
}

export function disposeAll(ts: Record<string, Tensor>): void {
  for (const t of Object.values(ts)) t.dispose();
}
