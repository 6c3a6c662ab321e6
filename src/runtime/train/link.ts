import { copyFileSync, linkSync } from "node:fs";
import { fsyncFile } from "./durable.ts";

/**
 * A second name for a file that is never written in place (checkpoints and best/ are replaced whole): a hard
 * link where the file system has them, else a copy, fsync'd.
 */
export function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
    fsyncFile(to);
  }
}
