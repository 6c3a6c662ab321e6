// Shared by the session tests: scratch folders, one small synthetic data set, the tiny models compiled.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { synthesize } from "../../src/runtime/data/synth.ts";

const dirs: string[] = [];
export const scratch = (tag: string): string => {
  const d = mkdtempSync(join(tmpdir(), `mdl-session-${tag}-`));
  dirs.push(d);
  return d;
};
export const cleanup = () => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));

/** 2 training and 1 test video per class: 20 + 10 videos of 8 frames of 32x32. */
export function smallData(): string {
  const out = join(scratch("data"), "ds");
  synthesize({ out, videosPerClass: 2, evalPerClass: 1, seed: 5 });
  return out;
}

export function tinyIr(file: string): ModelIR {
  const r = compile(file, fsHost, { preset: "tiny" });
  if (!r.value) throw new Error(`${file} does not compile: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.value;
}

export const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { encoding: "utf8" });
