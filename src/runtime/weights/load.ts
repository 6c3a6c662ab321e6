/**
 * Load a checkpoint of any supported format (see checkpoint.ts for what "load" does) from what `--weights`
 * names: a file, a shard index (`*.index.json`), a model folder, or `hf:org/name[@revision]` in the local
 * Hugging Face cache (hf-cache.ts).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { decodeRawCheckpoint, normaliseCheckpoint, shapesOf, type Checkpoint } from "./checkpoint.ts";
import { fileIdentity } from "./file-digest.ts";
import { readBytes } from "./fs.ts";
import { isFolder } from "../../util/path-kind.ts";
import { isHfReference, resolveHfReference } from "./hf-cache.ts";
import { WEIGHT_FILES, isShardIndex, mergeShards, readShardIndex } from "./shards.ts";

export type { Checkpoint };
export { shapesOf };

export function loadCheckpoint(spec: string): Checkpoint {
  let path = spec;
  const notes: string[] = [];
  if (isHfReference(spec)) {
    const found = resolveHfReference(spec);
    path = found.path;
    notes.push(found.note);
  } else if (isFolder(spec)) {
    const file = WEIGHT_FILES.find((f) => existsSync(join(spec, f)));
    if (!file) fail("not_found", spec, `a checkpoint in this folder (looked for ${WEIGHT_FILES.join(", ")})`);
    path = join(spec, file);
    notes.push(`read ${file} from the folder`);
  }
  const ckpt = isShardIndex(path) ? loadShards(path) : loadFile(path);
  ckpt.notes.unshift(...notes);
  // Messages name what the user gave; the note says which file that was.
  if (path !== spec) ckpt.file = spec;
  return ckpt;
}

function loadFile(path: string): Checkpoint {
  const before = fileIdentity(path);
  const ckpt = normaliseCheckpoint(decodeRawCheckpoint(readBytes(path), path));
  const after = fileIdentity(path);
  // The file's identity vouches for the loaded bytes only if nothing changed it during the read.
  if (before && after && JSON.stringify(before) === JSON.stringify(after)) ckpt.identity = before;
  return ckpt;
}

/** No identity: it covers one file, so callers hash a sharded checkpoint's tensors instead. */
function loadShards(indexFile: string): Checkpoint {
  const index = readShardIndex(indexFile);
  const shards = index.shards.map((p) => {
    if (!existsSync(p)) fail("not_found", p, `shard listed in ${indexFile}`);
    return decodeRawCheckpoint(readBytes(p), p);
  });
  return normaliseCheckpoint(mergeShards(index, shards), shards.length);
}
