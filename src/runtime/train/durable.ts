/**
 * Writes that survive a kill or a power cut: data is fsync'd before the rename that publishes it, and the
 * directory is fsync'd after, so the name never points at bytes still in the page cache.
 * (util/atomic-write.ts's writeFileAtomic is enough against a kill; checkpoints also want the fsyncs.)
 */
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** `data` as pieces is written one after the other (a checkpoint streams its tensors instead of concatenating them). */
export function writeSynced(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  const pieces = typeof data === "string" ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
  const fd = openSync(path, "w");
  try {
    for (const bytes of pieces) {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    }
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
