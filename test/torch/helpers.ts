/**
 * Shared by the torch export tests: export a model file, run the exported module in Debian's PyTorch, and
 * run the same model in mdl (tfjs) for the reference side when the fixtures have none.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { compile, type CompileOptions } from "../../src/compiler/compile.ts";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { STD_SOURCE } from "../../src/compiler/std/std-source.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { createParams, toTorchLayout } from "../../src/runtime/tfjs/lower.ts";
import { createRunner } from "../../src/runtime/run/runner.ts";
import { disposeAll, toHost } from "../../src/runtime/run/io-tensors.ts";
import { toModelInputs } from "../../src/runtime/run/model-inputs.ts";
import { generateTorch } from "../../src/runtime/torch/generate.ts";
import { loadCheckpoint, shapesOf } from "../../src/runtime/weights/load.ts";
import { readSafetensors, writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { toFloat32, type HostTensor } from "../../src/runtime/weights/tensor.ts";
import { TORCH_PYTHON } from "../helpers/requires.ts";

export type Outputs = Record<string, { shape: number[]; data: number[] }>;

export function compileModel(file: string, opts: CompileOptions = {}, weights?: string): ModelIR {
  const ckpt = weights ? loadCheckpoint(weights) : undefined;
  const r = compile(file, fsHost, {
    ...opts,
    ...(ckpt ? { weights: { file: weights!, shapes: shapesOf(ckpt) } } : {}),
  });
  assert.ok(r.value, r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return r.value!;
}

const source = (f: string) => (f === "std" ? STD_SOURCE : readFileSync(f, "utf8"));

/** Write the exported module as `dir/name.py` and return its path. */
export function exportTo(ir: ModelIR, dir: string, name = "model"): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.py`);
  writeFileSync(file, generateTorch(ir, { source }));
  return file;
}

export function python(args: string[], opts: { cwd?: string; timeout?: number } = {}) {
  const r = spawnSync(TORCH_PYTHON, args, {
    encoding: "utf8",
    timeout: opts.timeout ?? 120_000,
    cwd: opts.cwd,
    env: { ...process.env, OMP_NUM_THREADS: "1" },
  });
  assert.is(r.status, 0, `${TORCH_PYTHON} ${args.join(" ")}\n${r.stdout}\n${r.stderr}`);
  return r;
}

export interface Job {
  model: string;
  inputs: string;
  weights: string[];
}

/** Each job's outputs per weight file, from one Python process (starting torch costs seconds). */
export function runExported(jobs: Job[], dir: string): Record<string, Outputs>[] {
  const file = join(dir, "jobs.json");
  const out = join(dir, "outputs.json");
  writeFileSync(file, JSON.stringify(jobs));
  python(["test/torch/run_model.py", file, out]);
  return JSON.parse(readFileSync(out, "utf8"));
}

export { relError } from "../helpers/rel-error.ts";

/** Seeded random weights as mdl initialises them, written in torch layout (what `mdl train` checkpoints hold). */
export async function randomWeights(ir: ModelIR, seed: number, file: string): Promise<void> {
  const tensors = new Map<string, HostTensor>();
  for (const [path, t] of createParams(ir, undefined, { trainable: false, seed })) {
    const x = await toTorchLayout(ir, path, t);
    tensors.set(path, { dtype: "f32", shape: x.shape, data: x.data });
    t.dispose();
  }
  writeSafetensors(file, tensors);
}

/** Random inputs for the model's declared shapes (batch symbols set to 2, token ids with one end token per row). */
export function randomInputs(ir: ModelIR, seed: number, file: string): void {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const tensors = new Map<string, HostTensor>();
  for (const port of ir.graph.inputs) {
    const shape = port.type.shape.map((d) => (typeof d === "number" ? d : 2));
    const n = shape.reduce((a, b) => a * b, 1);
    if (port.type.dtype === "f32")
      tensors.set(`input.${port.name}`, {
        dtype: "f32",
        shape,
        data: Float32Array.from({ length: n }, () => rand() * 2 - 1),
      });
    else {
      const row = shape[shape.length - 1];
      const ids = new BigInt64Array(n);
      for (let i = 0; i < n; i++) ids[i] = BigInt(1 + Math.floor(rand() * 400));
      for (let r = 0; r < n / row; r++) ids[r * row + 1 + Math.floor(rand() * (row - 1))] = 511n; // the end token is the row's largest id
      tensors.set(`input.${port.name}`, { dtype: "i64", shape, data: ids });
    }
  }
  writeSafetensors(file, tensors);
}

/** mdl's own outputs (tfjs) for a weight file and an inputs file, as plain arrays. */
export async function runMdl(ir: ModelIR, weights: string, inputs: string): Promise<Record<string, Float32Array>> {
  const runner = createRunner(ir, loadCheckpoint(weights), { strict: true });
  const x = toModelInputs(ir, readSafetensors(inputs).tensors, inputs);
  const { outputs } = await runner.run(x);
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(outputs)) out[k] = toFloat32(await toHost(t));
  disposeAll(x);
  disposeAll(outputs);
  await runner.dispose();
  return out;
}

export const f32 = (t: HostTensor) => toFloat32(t);
export { tf };
