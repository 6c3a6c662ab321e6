/**
 * A content digest of a weights file that costs a stat once it is known. Hashing a checkpoint's bytes
 * (hundreds of MB) for every cache look-up took seconds; instead the digest is computed once and kept in a
 * small sidecar index keyed by the file's identity as `stat` gives it (device, inode, size, and the
 * nanosecond mtime and ctime), as git's index and make do. Any write to the file changes its mtime or
 * ctime (ctime cannot be set back by hand) and a replaced file has a new inode, so a changed weight never
 * meets a stale digest. The identity is taken when the checkpoint is read (before and after the read:
 * a file that changed meanwhile gets none and callers fall back to hashing the tensors themselves).
 */
import { createHash } from "node:crypto";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../util/atomic-write.ts";
import { hashFile } from "../../util/hash-file.ts";
import type { FileIdentity } from "./checkpoint.ts";

export type { FileIdentity };

export function fileIdentity(path: string): FileIdentity | undefined {
  try {
    const s = statSync(path, { bigint: true });
    if (!s.isFile()) return undefined;
    const id = (x: bigint) => x.toString();
    return {
      path: realpathSync(path),
      dev: id(s.dev),
      ino: id(s.ino),
      size: id(s.size),
      mtimeNs: id(s.mtimeNs),
      ctimeNs: id(s.ctimeNs),
    };
  } catch {
    return undefined;
  }
}

const same = (a: FileIdentity, b: FileIdentity) =>
  a.path === b.path &&
  a.dev === b.dev &&
  a.ino === b.ino &&
  a.size === b.size &&
  a.mtimeNs === b.mtimeNs &&
  a.ctimeNs === b.ctimeNs;

/**
 * The digest of the file whose identity was `id` when it was read, memoised under `indexDir`; undefined when
 * the file is no longer that one (changed since it was loaded: the loaded bytes cannot be vouched for).
 */
export function fileDigest(id: FileIdentity, indexDir: string): string | undefined {
  const entry = join(indexDir, `${createHash("sha1").update(id.path).digest("hex")}.json`);
  try {
    const known = JSON.parse(readFileSync(entry, "utf8")) as FileIdentity & { sha1: string };
    if (same(known, id) && typeof known.sha1 === "string") return known.sha1;
  } catch {
    // no entry yet, or an unreadable one: computed again below
  }
  const now = fileIdentity(id.path);
  if (!now || !same(now, id)) return undefined;
  const sha1 = hashFile(id.path, "sha1");
  const after = fileIdentity(id.path);
  if (!after || !same(after, id)) return undefined;
  try {
    writeFileAtomic(entry, JSON.stringify({ ...id, sha1 }));
  } catch {
    // a read-only cache still gives the right digest, only not memoised
  }
  return sha1;
}
