/**
 * Writes that survive a kill or a power cut: data is fsync'd before the rename that publishes it, and the
 * directory is fsync'd after, so the name never points at bytes still in the page cache.
 * (util/atomic-write.ts's writeFileAtomic is enough against a kill; checkpoints also want the fsyncs.)
 */
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { byteLength, writeAll } from "../../util/atomic-write.ts";
import { hashFile } from "../../util/hash-file.ts";
import { ioError } from "../../util/io-error.ts";

/** What was written: a checkpoint records it, so a resume can tell a truncated or altered file. */
export interface FileRecord {
  bytes: number;
  sha256: string;
}

/** `data` as pieces is written one after the other (a checkpoint streams its tensors instead of concatenating them). */
export function writeSynced(path: string, data: string | Uint8Array | readonly Uint8Array[]): FileRecord {
  const pieces = typeof data === "string" ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
  const hash = createHash("sha256");
  let bytes = 0;
  const fd = openSync(path, "w");
  try {
    for (const p of pieces) {
      writeAll(fd, p);
      hash.update(p);
      bytes += p.length;
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { bytes, sha256: hash.digest("hex") };
}

/** The SHA-256 a FileRecord holds, of the file as it is now. */
export const sha256File = (path: string) => hashFile(path, "sha256");

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
/** A failure removes the temp file and is MDL007 on `path` (a full disk says how much the file needed). */
export function writeDurableAtomic(path: string, data: string | Uint8Array, staged?: () => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeSynced(tmp, data);
    staged?.();
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw ioError(err, path, "write", byteLength(data));
  }
  try {
    fsyncDir(dirname(path));
  } catch (err) {
    throw ioError(err, dirname(path), "flush the folder to disk");
  }
}
