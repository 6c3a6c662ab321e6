/**
 * Sharded checkpoints as transformers saves them: `model.safetensors.index.json` (or
 * `pytorch_model.bin.index.json`) maps every tensor name to the shard file beside it that holds it,
 * `{"metadata": {"total_size": N}, "weight_map": {name: file}}`. The shards are merged into one state dict
 * before names are normalised, since one layer's q/k/v projections can sit in different shards.
 */
import { dirname, isAbsolute, join } from "node:path";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import type { RawCheckpoint } from "./checkpoint.ts";
import { readBytes } from "./fs.ts";
import type { HostTensor } from "./tensor.ts";

/** What a model folder (a snapshot, a save_pretrained output) may hold, in the order transformers prefers. */
export const WEIGHT_FILES = [
  "model.safetensors",
  "model.safetensors.index.json",
  "pytorch_model.bin",
  "pytorch_model.bin.index.json",
];

export const isShardIndex = (path: string) => path.endsWith(".index.json");

export interface ShardIndex {
  file: string;
  /** Shard paths, in the order of their names. */
  shards: string[];
  /** Tensor name -> shard path. */
  weightMap: Map<string, string>;
}

export function readShardIndex(file: string): ShardIndex {
  const bytes = readBytes(file);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    fail("corrupt", file, `the shard index is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  const map = (json as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== "object" || map === null || Array.isArray(map))
    fail("corrupt", file, "the shard index has no `weight_map` object");
  const folder = dirname(file);
  const weightMap = new Map<string, string>();
  for (const [name, shard] of Object.entries(map)) {
    if (typeof shard !== "string") fail("corrupt", file, `\`weight_map\` entry \`${name}\` is not a file name`);
    // Shards sit beside the index; a name that leaves the folder is not one transformers writes.
    if (!shard || isAbsolute(shard) || shard.split(/[\\/]/).some((s) => s === ".." || s === ""))
      fail(
        "corrupt",
        file,
        `\`weight_map\` entry \`${name}\` names \`${shard}\`, which is not a file beside the index`,
      );
    weightMap.set(name, join(folder, shard));
  }
  if (!weightMap.size) fail("corrupt", file, "the shard index lists no tensors");
  return { file, shards: [...new Set(weightMap.values())].sort(), weightMap };
}

export const shardFilesOf = (file: string) => readShardIndex(file).shards;

/** One state dict from the decoded shards (in `index.shards` order), checked against the index. */
export function mergeShards(index: ShardIndex, shards: RawCheckpoint[]): RawCheckpoint {
  const tensors = new Map<string, HostTensor>();
  const from = new Map<string, string>();
  for (const shard of shards) {
    for (const [name, t] of shard.tensors) {
      if (from.has(name))
        fail("corrupt", index.file, `\`${name}\` is in two shards, ${from.get(name)} and ${shard.file}`);
      tensors.set(name, t);
      from.set(name, shard.file);
    }
  }
  for (const [name, shard] of index.weightMap) {
    if (from.get(name) !== shard)
      fail(
        "corrupt",
        index.file,
        `\`${name}\` is listed in ${shard}, but ${from.has(name) ? `it is in ${from.get(name)}` : "no shard holds it"}`,
      );
  }
  const notes = [...new Set(shards.flatMap((s) => s.notes))];
  notes.unshift(`merged ${shards.length} shard${shards.length === 1 ? "" : "s"} listed in ${index.file}`);
  const [first] = shards;
  return {
    file: index.file,
    format: first.format,
    tensors,
    notes,
    ...(first.metadata ? { metadata: first.metadata } : {}),
  };
}
