/**
 * Writes that survive a kill or a power cut: data is fsync'd before the rename that publishes it, and the
 * directory is fsync'd after, so the name never points at bytes still in the page cache.
 * (util/atomic-write.ts's writeFileAtomic is enough against a kill; checkpoints also want the fsyncs.)
 */
import { closeSync, fsyncSync, openSync, renameSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { writeAll } from "../../util/atomic-write.ts";

/** `data` as pieces is written one after the other (a checkpoint streams its tensors instead of concatenating them). */
export function writeSynced(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const fd = openSync(path, "w");
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Temp file beside the target, fsync, rename, fsync the directory. `staged` runs between the fsync and the rename. */
export function writeDurableAtomic(path: string, data: string | Uint8Array, staged?: () => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeSynced(tmp, data);
  staged?.();
  renameSync(tmp, path);
  fsyncDir(dirname(path));
}
