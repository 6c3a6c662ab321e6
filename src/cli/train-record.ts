/**
 * What `mdl train` says and records about a run as it starts: the short block printed on stderr (engine and
 * why, trainable and frozen counts, seed, learning rate per group, steps and batch) and RUN/config.json with
 * RUN/sources/ (runtime/train/run-record.ts writes them under the run lock).
 */
import type { Command } from "commander";
import { availableParallelism, cpus } from "node:os";
import { basename, join } from "node:path";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { loadSplit } from "../runtime/session/data.ts";
import { evaluate, type EvalEntry } from "../runtime/session/evaluate.ts";
import type { VideoModel } from "../runtime/session/model.ts";
import { isFile } from "../util/path-kind.ts";
import { parseCount } from "./options.ts";
import { reportBad } from "./io.ts";
import { modelsOf, resolveProgram } from "../compiler/compile.ts";
import { STD_FILE } from "../compiler/2-resolve/program.ts";
import type { ModelIR } from "../compiler/0-core/schema.ts";
import { engine } from "../runtime/backend/current.ts";
import { backendInfo } from "../runtime/tfjs/started.ts";
import { formatCount, type TrainingSummary } from "../runtime/session/train-summary.ts";
import { gitCommit, sourceLayout, type RunConfig } from "../runtime/train/run-record.ts";
import { mdlVersion } from "../util/version.ts";
import { fsHost, type ModelFlags } from "./compile-args.ts";
import type { RuntimeChoice } from "./options.ts";

const MODEL_FLAGS = new Set(["model", "preset", "set", "replace", "remove"]);
const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Every flag of the command (null where not given and without a default), by its name on the command line,
 * with `resolved` (numbers parsed, defaults that live in code) over what commander holds. The model's flags
 * are under `model`.
 */
export function resolvedFlags(cmd: Command, given: object, resolved: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const values = given as Record<string, unknown>;
  for (const opt of cmd.options) {
    const k = opt.attributeName();
    if (!MODEL_FLAGS.has(k)) out[kebab(k)] = values[k] ?? null;
  }
  for (const [k, v] of Object.entries(given)) if (!MODEL_FLAGS.has(k)) out[kebab(k)] = v ?? null;
  for (const [k, v] of Object.entries(resolved)) out[kebab(k)] = v ?? null;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** The .mdl files the model compiled from (std is built into mdl) and how many models the entry file defines. */
export function modelSources(file: string): { sources: { path: string; text: string }[]; models: number } {
  const { value: program } = resolveProgram(file, fsHost);
  const files = [...program.files.values()].filter((f) => f.name !== STD_FILE);
  return { sources: sourceLayout(files), models: modelsOf(program).length };
}

export interface RunFacts {
  file: string;
  flags: ModelFlags;
  ir: ModelIR;
  seed: number;
  steps: number;
  batch: number;
  accum: number;
  summary: TrainingSummary;
  runtime: RuntimeChoice;
  trainFlags: Record<string, unknown>;
  models: number;
}

export function runConfig(f: RunFacts): RunConfig {
  const tfjs = f.runtime.name === "tfjs" ? backendInfo() : undefined;
  const base = basename(f.file).replace(/\.mdl$/, "");
  return {
    mdl_version: mdlVersion(),
    git_commit: gitCommit(f.file),
    started_at: new Date().toISOString(),
    model: {
      file: f.file,
      name: f.ir.model,
      preset: f.flags.preset ?? null,
      set: f.flags.set ?? [],
      replace: f.flags.replace ?? [],
      remove: f.flags.remove ?? [],
    },
    variant: f.models > 1 ? `${base}.${f.ir.model}` : base,
    seed: f.seed,
    flags: f.trainFlags,
    hyperparameters: Object.fromEntries(f.ir.hyper.map((h) => [h.name, h.value])),
    training: {
      trainable: f.summary.trainable,
      frozen: f.summary.frozen,
      lr_groups: f.summary.lrGroups,
      steps: f.steps,
      batch: f.batch,
      accum: f.accum,
    },
    environment: {
      engine: engine().name,
      // ONNX Runtime's default is one intra-op thread per core
      threads: tfjs?.threads ?? f.runtime.threads ?? availableParallelism(),
      cpu: `${cpus()[0]?.model?.trim() ?? "unknown"} (${availableParallelism()} cores)`,
      device: f.runtime.name === "onnx" ? f.runtime.device : (tfjs?.adapter?.description ?? null),
      node: process.version,
    },
  };
}

/** The block printed before training: what a researcher checks before leaving a run alone. */
export function startBlock(c: RunConfig, why: string, extra: string[]): string {
  const t = c.training;
  const lr = t.lr_groups
    .map((g) => `${g.lr} for ${formatCount(g.params)} (${g.pattern === "rest" ? "the rest" : g.pattern})`)
    .join("; ");
  const lines = [
    `  engine   ${c.environment.engine}, ${c.environment.threads} thread${c.environment.threads === 1 ? "" : "s"}: ${why}`,
    `  params   ${formatCount(t.trainable)} trainable, ${formatCount(t.frozen)} frozen`,
    `  seed     ${c.seed}`,
    `  lr       ${lr}`,
    `  steps    ${t.steps}, batch ${t.batch}${t.accum > 1 ? ` x accum ${t.accum} = ${t.batch * t.accum} videos per step` : ""}`,
    ...extra,
  ];
  return lines.join("\n") + "\n";
}

// --- the run folder's flags: --eval-every, --best-metric, --keep, --overwrite ---

export interface RunFolderCli {
  data: string;
  out: string;
  evalEvery?: string;
  bestMetric: string;
  keep: string;
  overwrite?: boolean;
  resume?: boolean;
  resumeFrom?: string;
  skipBad?: boolean;
}

const METRICS = ["top1", "top5", "loss"];

export function runFolderOptions(cmd: Command): Command {
  return cmd
    .option(
      "--eval-every <n>",
      "evaluate on the validation split (DATA/val.txt) every N optimizer steps and at the end: `{ step, eval }` lines in metrics.jsonl, and RUN/best/",
    )
    .option(
      "--best-metric <name>",
      `what RUN/best/ keeps the best of: ${METRICS.join(", ")} (loss: lower is better; the others higher)`,
      "top1",
    )
    .option("--keep <n>", "how many of the newest ckpt-<step>/ folders to keep (best/ is never removed)", "2")
    .option("--overwrite", "start afresh in a run folder that already holds a run, replacing it");
}

export interface RunFolder {
  keep: number;
  evalEvery?: number;
  bestMetric: string;
  overwrite: boolean;
  /** The validation split, when --eval-every asks for it. */
  val?: { entries: EvalEntry[] };
}

/** The flags checked and the validation split read, before any training work. */
export async function parseRunFolder(o: RunFolderCli): Promise<RunFolder> {
  if (o.overwrite && (o.resume || o.resumeFrom))
    fail("usage", "--overwrite", "--overwrite starts afresh; it cannot be given with --resume or --resume-from");
  const keep = parseCount("--keep", o.keep, 1);
  const evalEvery = o.evalEvery === undefined ? undefined : parseCount("--eval-every", o.evalEvery, 1);
  if (!METRICS.includes(o.bestMetric)) fail("best_metric_unknown", "--best-metric", o.bestMetric, METRICS.join(", "));
  if (evalEvery === undefined) return { keep, bestMetric: o.bestMetric, overwrite: !!o.overwrite };
  const list = join(o.data, "val.txt");
  if (!isFile(list)) fail("no_validation_split", list, list);
  const val = await loadSplit(o.data, "val");
  reportBad(val, "val", !!o.skipBad);
  return { keep, evalEvery, bestMetric: o.bestMetric, overwrite: !!o.overwrite, val };
}

/** Top-1, top-5 (with more than 5 classes) and the loss on the validation split, by `mdl eval`'s evaluation. */
export function validation(classes: readonly string[], entries: readonly EvalEntry[]) {
  return async (model: VideoModel): Promise<Record<string, number>> => {
    const r = await evaluate(model, classes, entries);
    return { top1: r.top1, ...(classes.length > 5 ? { top5: r.top5 } : {}), loss: r.loss };
  };
}
