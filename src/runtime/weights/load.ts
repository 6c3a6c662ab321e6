/** Load a checkpoint file of any supported format (see checkpoint.ts for what "load" does). */
import { decodeCheckpoint, shapesOf, type Checkpoint } from "./checkpoint.ts";
import { readBytes } from "./fs.ts";

export type { Checkpoint };
export { shapesOf };

export function loadCheckpoint(path: string): Checkpoint {
  return decodeCheckpoint(readBytes(path), path);
}
