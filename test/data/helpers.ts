/** Shared by the data tests: a scratch folder, and running ffmpeg for independent references (tests that need it use `needs(test, ffmpegMissing())`). */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";

export const scratch = (name: string): string => mkdtempSync(join(tmpdir(), `mdl-data-${name}-`));

/** Run ffmpeg with quiet logging; returns stdout. */
export function ffmpeg(args: string[]): Buffer {
  const r = spawnSync("ffmpeg", ["-v", "error", "-nostdin", "-y", ...args], { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
  return r.stdout;
}

/** The catalogue code of an MdlError thrown by `fn` (sync or async), or "no error". */
export async function errorOf(fn: () => unknown): Promise<{ code: string; message: string; file?: string }> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof MdlError)
      return { code: err.diagnostic.code, message: err.diagnostic.message, file: err.diagnostic.file };
    throw err;
  }
  return { code: "no error", message: "" };
}
