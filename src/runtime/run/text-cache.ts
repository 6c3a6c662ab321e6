/**
 * Class-text features on disk, content-addressed: the key hashes what the features are a function of
 * (the text half of the graph, the values of every parameter it reads, the token ids, which carry the labels
 * and the template). A parameter loaded from a checkpoint file stands in the key as that file's content
 * digest (memoised by the file's identity, weights/file-digest.ts), so a look-up costs a stat instead of
 * hashing hundreds of MB of text-tower weights; without a digest its bytes are hashed. The same labels
 * over the same weights load in milliseconds the second time; any change gives another key. Files are
 * written atomically, so a killed run leaves no half entry.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import type { Checkpoint } from "../weights/checkpoint.ts";
import { fileDigest } from "../weights/file-digest.ts";
import { readSafetensors, writeSafetensors } from "../weights/safetensors.ts";
import type { HostTensor } from "../weights/tensor.ts";

const VERSION = "text-features-2";

export function textCacheDir(): string {
  return (
    process.env.MDL_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "mdl", "text-features")
  );
}

/** The content digest of the checkpoint's file, when the loaded bytes can be vouched for (see file-digest.ts). */
export function checkpointDigest(ckpt: Checkpoint | undefined): string | undefined {
  return ckpt?.identity ? fileDigest(ckpt.identity, join(textCacheDir(), "files")) : undefined;
}

/**
 * `param(path)`: the parameter's f32 data as used, or a string saying how it was initialised (no checkpoint
 * value). `fromFile`: the digest of the checkpoint file and the parameters taken from it unchanged (by name;
 * their values are a function of the file's bytes), which then enter the key by name instead of by value.
 */
export function textCacheKey(
  graph: ModelIR,
  param: (path: string) => Float32Array | string,
  ids: Int32Array | BigInt64Array,
  count: number,
  fromFile?: { digest: string | undefined; loaded: ReadonlySet<string> },
): string {
  const h = createHash("sha256").update(VERSION);
  h.update(JSON.stringify({ graph: graph.graph, hyper: graph.hyper }, (k, v) => (k === "loc" ? undefined : v)));
  if (fromFile?.digest) h.update(`\0file ${fromFile.digest}\0`);
  const paths = [
    ...new Set(graph.graph.nodes.filter((n) => n.op === "param").map((n) => n.attrs.path as string)),
  ].sort();
  for (const path of paths) {
    h.update(`\0${path}\0`);
    if (fromFile?.digest && fromFile.loaded.has(path)) {
      h.update("from file");
      continue;
    }
    const v = param(path);
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
