/**
 * std is compiled into mdl and has no file of its own; to let an editor open a std block's definition,
 * its source is written once per version to a read-only copy in the temp directory (named by a hash of
 * the text, so a stale copy is never shown), and std spans are located in that copy.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { STD_SOURCE } from "../compiler/std/std-source.ts";
import { toRange } from "./positions.ts";

let path: string | undefined;

export function stdPath(): string {
  if (path) return path;
  const p = join(tmpdir(), `mdl-std-${createHash("sha256").update(STD_SOURCE).digest("hex").slice(0, 12)}.mdl`);
  if (!existsSync(p)) writeFileAtomic(p, STD_SOURCE);
  return (path = p);
}

/** An LSP location of a span of std. */
export function stdLocation(span: { start: number; end: number }) {
  return { uri: pathToFileURL(stdPath()).href, range: toRange(STD_SOURCE, span.start, span.end) };
}
