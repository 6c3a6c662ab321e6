/** A file's digest, read 16 MiB at a time: a checkpoint's weights and moments can be gigabytes, never held twice. */
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

export function hashFile(path: string, algorithm: "sha1" | "sha256"): string {
  const hash = createHash(algorithm);
  const buf = Buffer.allocUnsafe(1 << 24);
  const fd = openSync(path, "r");
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}
