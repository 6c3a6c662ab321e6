// Shared by the session tests: scratch folders, one small synthetic data set, the tiny models compiled.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { synthesize } from "../../src/runtime/data/synth.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";

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

/** A fixed batch for a model with X-CLIP's inputs: 2 videos (a sine pattern), 3 class texts (with an end token), labels. */
export function tinyBatch(ir: ModelIR): { video: HostTensor; text: HostTensor; labels: number[] } {
  const [, T, C, S] = ir.graph.inputs.find((p) => p.name === "video")!.type.shape as number[];
  const context = ir.graph.inputs.find((p) => p.name === "text")!.type.shape[1] as number;
  const video: HostTensor = {
    dtype: "f32",
    shape: [2, T, C, S, S],
    data: Float32Array.from({ length: 2 * T * C * S * S }, (_, i) => Math.sin(i * 0.37)),
  };
  const text: HostTensor = {
    dtype: "i32",
    shape: [3, context],
    data: Int32Array.from({ length: 3 * context }, (_, i) => (i % context === 5 ? 511 : (i * 7) % 500)),
  };
  return { video, text, labels: [2, 0] };
}
