/** Load a checkpoint file of any supported format (see checkpoint.ts for what "load" does). */
import { decodeCheckpoint, shapesOf, type Checkpoint } from "./checkpoint.ts";
import { fileIdentity } from "./file-digest.ts";
import { readBytes } from "./fs.ts";

export type { Checkpoint };
export { shapesOf };

export function loadCheckpoint(path: string): Checkpoint {
  const before = fileIdentity(path);
  const ckpt = decodeCheckpoint(readBytes(path), path);
  const after = fileIdentity(path);
  // The file's identity vouches for the loaded bytes only if nothing changed it during the read.
  if (before && after && JSON.stringify(before) === JSON.stringify(after)) ckpt.identity = before;
  return ckpt;
}
