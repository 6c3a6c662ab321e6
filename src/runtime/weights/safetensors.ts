/** safetensors files: the byte format lives in safetensors-format.ts; this adds reading and atomic writing. */
import { readBytes, writeFileAtomic } from "./fs.ts";
import { decodeSafetensors, encodeSafetensors, safetensorsParts } from "./safetensors-format.ts";
import type { HostTensor } from "./tensor.ts";

export { decodeSafetensors, encodeSafetensors, safetensorsParts };

export function writeSafetensors(
  path: string,
  tensors: Map<string, HostTensor>,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

export function readSafetensors(path: string): { tensors: Map<string, HostTensor>; metadata: Record<string, string> } {
  return decodeSafetensors(readBytes(path), path);
}
