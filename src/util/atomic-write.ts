/**
 * Write a file atomically: a temp file beside it, then a rename, so a kill never leaves half a file.
 * Shared by the CLI and the runtime (outputs, synthetic data, weights). Training checkpoints want more
 * (fsync before and after the rename): see runtime/train/durable.ts.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fail } from "../compiler/diagnostics/diagnostic.ts";

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path) || ".", { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    fail("output_unwritable", path, String((err as Error).message));
  }
}
