/** What every command that compiles a model shares: the options, the file host, and diagnostics. */
import { existsSync, readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { compile, type Compiled, type CompileOptions } from "../compiler/compile.ts";
import { hasErrors, MdlError } from "../compiler/diagnostics/diagnostic.ts";
import type { Host } from "../compiler/2-resolve/host.ts";
import type { ModelIR } from "../compiler/4-ir/schema.ts";
import { loadCheckpoint, shapesOf, type Checkpoint } from "../runtime/weights/load.ts";
import { collect, parseAssignments, printDiagnostics, readText, rememberSource } from "./io.ts";

export interface ModelFlags {
  model?: string;
  preset?: string;
  set?: string[];
  replace?: string[];
  remove?: string[];
  recompute?: string[];
}

/** Add --model/--preset/--set/--replace/--remove to a command. */
export function modelOptions(cmd: Command): Command {
  return cmd
    .option("--model <name>", "which model of the file (default: the first one)")
    .option("--preset <name>", "a named preset of the model, e.g. B/16")
    .option("--set <name=value>", "set a hyperparameter (repeatable)", collect, [])
    .option("--replace <path=Block(args)>", "replace a sub-module by another block (repeatable)", collect, [])
    .option("--remove <path>", "remove an optional sub-module (repeatable)", collect, [])
    .option("--recompute <path>", "recompute a module's activations in the backward pass, saving memory (repeatable; `*` matches one path segment, e.g. visual.transformer.resblocks.*)", collect, []);
}

export const fsHost: Host = {
  readFile(path: string) {
    try {
      if (!existsSync(path) || !statSync(path).isFile()) return undefined;
      const text = readFileSync(path, "utf8");
      rememberSource(path, text);
      return text;
    } catch {
      return undefined;
    }
  },
};

export function compileOptions(flags: ModelFlags, weights?: Checkpoint): CompileOptions {
  return {
    model: flags.model,
    preset: flags.preset,
    set: parseAssignments(flags.set),
    replace: parseAssignments(flags.replace),
    remove: flags.remove ?? [],
    recompute: flags.recompute ?? [],
    ...(weights ? { weights: { file: weights.file, shapes: shapesOf(weights) } } : {}),
  };
}

/** Compile and print every diagnostic; the IR is returned only when there was no error. */
export function compileFile(file: string, opts: CompileOptions): Compiled {
  readText(file); // a missing or unreadable entry file is an input error (exit 2), not a compile error
  const r = compile(file, fsHost, opts);
  for (const [name, text] of r.extraSources) rememberSource(name, text);
  for (const f of r.program.files.values()) rememberSource(f.name, f.text);
  printDiagnostics(r.diagnostics);
  return r;
}

/** For commands that need a model to run: compile errors end the command with exit code 2. */
export function compileOrFail(file: string, flags: ModelFlags, weightsFile?: string): { ir: ModelIR; checkpoint?: Checkpoint } {
  const checkpoint = weightsFile ? loadCheckpoint(weightsFile) : undefined;
  const r = compileFile(file, compileOptions(flags, checkpoint));
  if (!r.value || hasErrors(r.diagnostics)) throw new CompileFailed();
  return { ir: r.value, checkpoint };
}

/** Diagnostics were already printed; the command exits 2 without another message. */
export class CompileFailed extends MdlError {
  constructor() {
    super({ code: "MDL000", severity: "error", message: "compilation failed" });
  }
}
