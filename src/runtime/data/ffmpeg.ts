/** Running ffmpeg and ffprobe from PATH: the one place that knows how they fail. */
import { spawn } from "node:child_process";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";

/**
 * Run a tool and collect its stdout. A missing binary is the catalogued `ffmpeg_missing`; a non-zero exit calls
 * `onFail` with the last line ffmpeg printed, which is where it says what was wrong with the input.
 */
export function runTool(
  tool: "ffmpeg" | "ffprobe",
  args: readonly string[],
  onFail: (why: string) => never,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => {
      // Keep only the tail: ffmpeg can print a line per frame on some inputs.
      err = (err + b.toString()).slice(-4000);
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      try {
        if (e.code === "ENOENT") fail("ffmpeg_missing", undefined);
        onFail(`${tool} could not start (${e.message})`);
      } catch (thrown) {
        reject(thrown);
      }
    });
    child.on("close", (code) => {
      if (code === 0) return resolve(Buffer.concat(out));
      const lines = err
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
      try {
        onFail(lines.length ? lines[lines.length - 1] : `${tool} exited with code ${code}`);
      } catch (thrown) {
        reject(thrown);
      }
    });
  });
}
