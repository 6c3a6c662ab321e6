/** What every command that compiles a model shares: the options, the file host, and diagnostics. */
import type { Command } from "commander";
import { compile, type Compiled, type CompileOptions } from "../compiler/compile.ts";
import { fail, hasErrors, MdlError } from "../compiler/diagnostics/diagnostic.ts";
import { DEFAULT_LIMITS, type Limits } from "../compiler/limits.ts";
import type { Host } from "../compiler/2-resolve/host.ts";
import { fileHost } from "../util/fs-host.ts";
import type { ModelIR } from "../compiler/0-core/schema.ts";
import { nonFiniteDiag } from "../runtime/weights/finite.ts";
import { loadCheckpoint, shapesOf, type Checkpoint } from "../runtime/weights/load.ts";
import { collect, parseAssignments, printDiagnostics, readText, rememberSource } from "./io.ts";

export interface ModelFlags {
  model?: string;
  preset?: string;
  set?: string[];
  replace?: string[];
  remove?: string[];
  maxSourceBytes?: string;
  maxInstances?: string;
  maxNodes?: string;
  maxTensorElements?: string;
  recompute?: string[];
}

/** Add --model/--preset/--set/--replace/--remove to a command. */
export function modelOptions(cmd: Command): Command {
  return cmd
    .option("--model <name>", "which model of the file (default: the first one)")
    .option("--preset <name>", "a named preset of the model, e.g. B/16")
    .option("--set <name=value>", "set a hyperparameter (repeatable)", collect, [])
    .option(
      "--replace <path=Block(args)>",
      "replace a sub-module by a block of std or of any file the model imports (repeatable; the path may " +
        "hold an index or patterns: resblocks.11, resblocks.*, visual.**.attn; the last matching edit wins)",
      collect,
      [],
    )
    .option("--remove <path>", "remove an optional sub-module (repeatable; patterns as for --replace)", collect, [])
    .option(
      "--max-source-bytes <n>",
      `refuse source files larger than this (default ${DEFAULT_LIMITS.sourceBytes}, 2 MiB)`,
    )
    .option("--max-instances <n>", `refuse models with more module instances (default ${DEFAULT_LIMITS.instances})`)
    .option(
      "--max-nodes <n>",
      `refuse models whose forward graph has more primitive ops (default ${DEFAULT_LIMITS.nodes})`,
    )
    .option("--max-tensor-elements <n>", `refuse tensors with more elements (default 2^31)`)
    .option(
      "--recompute <path>",
      "recompute a module's activations in the backward pass, saving memory (repeatable; " +
        "`*` matches one path segment, `**` any number, e.g. visual.transformer.resblocks.*)",
      collect,
      [],
    );
}

/** The size limits the flags raise (src/compiler/limits.ts); unset flags keep the defaults. */
function limitFlags(flags: ModelFlags): Partial<Limits> {
  const count = (option: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) fail("bad_count", option, option, 1, value);
    return n;
  };
  const out: Partial<Limits> = {};
  const set = (k: keyof Limits, v: number | undefined) => v !== undefined && (out[k] = v);
  set("sourceBytes", count("--max-source-bytes", flags.maxSourceBytes));
  set("instances", count("--max-instances", flags.maxInstances));
  set("nodes", count("--max-nodes", flags.maxNodes));
  set("tensorElements", count("--max-tensor-elements", flags.maxTensorElements));
  return out;
}

export const fsHost: Host = fileHost({ onRead: rememberSource });

export function compileOptions(flags: ModelFlags, weights?: Checkpoint): CompileOptions {
  return {
    model: flags.model,
    preset: flags.preset,
    set: parseAssignments(flags.set),
    replace: parseAssignments(flags.replace),
    remove: flags.remove ?? [],
    limits: limitFlags(flags),
    recompute: flags.recompute ?? [],
    ...(weights ? { weights: { file: weights.file, shapes: shapesOf(weights) } } : {}),
  };
}

/** Compile and print every diagnostic; the IR is returned only when there was no error. */
export function compileFile(file: string, opts: CompileOptions): Compiled {
  readText(file); // a missing or unreadable entry file is an input error (exit 2), not a compile error
  return report(compile(file, fsHost, opts));
}

/** Keep every source the compiler read (for quoting) and print its diagnostics. */
export function report(r: Compiled): Compiled {
  for (const [name, text] of r.extraSources) rememberSource(name, text);
  for (const f of r.program.files.values()) rememberSource(f.name, f.text);
  printDiagnostics(r.diagnostics);
  return r;
}

/** The IR of a compile already reported; an error ends the command with exit code 2. */
export function valueOrFail(r: Compiled): ModelIR {
  if (!r.value || hasErrors(r.diagnostics)) throw new CompileFailed();
  return r.value;
}

/**
 * For commands that need a model to run: compile errors end the command with exit code 2. Free
 * hyperparameters bind from the checkpoint's shapes, then from the input tensors' (`input.<name>` in
 * `inputsFile`), so a 4-frame input sets `frames` when nothing else did. NaN or infinite weights are an
 * error where `refuseNonFinite` (commands whose outputs they would make NaN), a warning elsewhere.
 */
export function compileOrFail(
  file: string,
  flags: ModelFlags,
  weightsFile?: string,
  inputsFile?: string,
  use: { refuseNonFinite?: boolean } = {},
): { ir: ModelIR; checkpoint?: Checkpoint } {
  const checkpoint = weightsFile ? loadCheckpoint(weightsFile) : undefined;
  if (checkpoint) reportNonFinite(checkpoint, !!use.refuseNonFinite);
  const opts = compileOptions(flags, checkpoint);
  // an unreadable inputs file binds nothing here: reading the inputs reports it, as MDL501/504
  const held = inputsFile ? inputShapes(inputsFile) : undefined;
  if (held) opts.inputs = { file: inputsFile!, shapes: held };
  return { ir: valueOrFail(compileFile(file, opts)), checkpoint };
}

/** MDL550 (thrown) or MDL551 (printed) when the checkpoint holds NaN or infinite values; nothing otherwise. */
export function reportNonFinite(checkpoint: Checkpoint, refuse: boolean): void {
  if (!checkpoint.nonFinite?.length) return;
  const d = nonFiniteDiag(checkpoint.file, checkpoint.nonFinite, refuse ? "error" : "warning");
  if (refuse) throw new MdlError(d);
  printDiagnostics([d]);
}

/** Diagnostics were already printed; the command exits 2 without another message. */
export class CompileFailed extends MdlError {
  constructor() {
    super({ code: "MDL000", severity: "error", message: "compilation failed" });
  }
}

function inputShapes(file: string): Map<string, number[]> | undefined {
  try {
    return new Map(
      [...shapesOf(loadCheckpoint(file))].filter(([k]) => k.startsWith("input.")).map(([k, v]) => [k.slice(6), v]),
    );
  } catch {
    return undefined;
  }
}
