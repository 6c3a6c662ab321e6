/**
 * Write a file atomically: a temp file beside it, then a rename, so a kill never leaves half a file.
 * Shared by the CLI and the runtime (outputs, synthetic data, weights). Training checkpoints want more
 * (fsync before and after the rename): see runtime/train/durable.ts.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { ioWhy, isSystemError } from "./io-error.ts";

/** `data` as pieces is written one after the other (a large file need not be concatenated first). */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  mkdirSync(dirname(path) || ".", { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, "w");
    try {
      writeAll(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    fail("output_unwritable", path, isSystemError(err) ? ioWhy(err, byteLength(data)) : String((err as Error).message));
  }
}

/** Every byte of `data`, however short the writes come back (writeSync may write less than it was given). */
export function writeAll(fd: number, data: string | Uint8Array | readonly Uint8Array[]): void {
  const pieces = typeof data === "string" ? [Buffer.from(data)] : data instanceof Uint8Array ? [data] : data;
  for (const bytes of pieces) {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  }
}

export function byteLength(data: string | Uint8Array | readonly Uint8Array[]): number {
  if (typeof data === "string") return Buffer.byteLength(data);
  if (data instanceof Uint8Array) return data.byteLength;
  return data.reduce((n, p) => n + p.byteLength, 0);
}
