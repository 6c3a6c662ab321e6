/** The only part of the weights code that touches the file system (the rest works on bytes). */
import { readFileSync } from "node:fs";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
export { writeFileAtomic } from "../../util/atomic-write.ts";

export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") fail("not_found", path, "checkpoint file");
    if (code === "EISDIR") fail("file_unreadable", path, "it is a directory");
    fail("file_unreadable", path, String((err as Error).message));
  }
}
