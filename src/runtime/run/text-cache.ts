/**
 * Class-text features on disk, content-addressed: the key hashes what the features are a function of
 * (the text half of the graph, the bytes of every parameter it reads, the token ids, which carry the labels
 * and the template). The same labels over the same weights load in milliseconds the second time; any
 * change gives another key. Files are written atomically, so a killed run leaves no half entry.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ModelIR } from "../../compiler/4-ir/schema.ts";
import { readSafetensors, writeSafetensors } from "../weights/safetensors.ts";
import type { HostTensor } from "../weights/tensor.ts";

const VERSION = "text-features-1";

export function textCacheDir(): string {
  return process.env.MDL_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "mdl", "text-features");
}

/** `param(path)`: the parameter's f32 data as used, or a string saying how it was initialised (no checkpoint value). */
export function textCacheKey(graph: ModelIR, param: (path: string) => Float32Array | string, ids: Int32Array | BigInt64Array, count: number): string {
  const h = createHash("sha256").update(VERSION);
  h.update(JSON.stringify({ graph: graph.graph, hyper: graph.hyper }, (k, v) => (k === "loc" ? undefined : v)));
  const paths = [...new Set(graph.graph.nodes.filter((n) => n.op === "param").map((n) => n.attrs.path as string))].sort();
  for (const path of paths) {
    const v = param(path);
    h.update(`\0${path}\0`);
    h.update(typeof v === "string" ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  h.update(`\0ids ${count}\0`);
  h.update(new Uint8Array(ids.buffer, ids.byteOffset, ids.byteLength));
  return h.digest("hex");
}

const fileOf = (key: string) => join(textCacheDir(), `${key.slice(0, 2)}`, `${key}.safetensors`);

export function readTextCache(key: string): Record<string, HostTensor> | undefined {
  const file = fileOf(key);
  if (!existsSync(file)) return undefined;
  try {
    return Object.fromEntries(readSafetensors(file).tensors);
  } catch {
    return undefined; // an unreadable entry is recomputed and rewritten
  }
}

export function writeTextCache(key: string, values: Record<string, HostTensor>): void {
  writeSafetensors(fileOf(key), new Map(Object.entries(values)), { kind: VERSION });
}
