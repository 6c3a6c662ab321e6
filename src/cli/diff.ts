/**
 * `mdl diff A B`: what changed between two compiled models. A and B are files, `file.mdl#Model`,
 * or `REV:path` read from git (its imports resolve at the same revision). Exit 0 when nothing
 * semantic differs, 1 when something does, 2 on an error.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { isAbsolute, relative } from "node:path";
import type { Command } from "commander";
import { compile } from "../compiler/compile.ts";
import type { Host } from "../compiler/2-resolve/host.ts";
import type { ModelIR } from "../compiler/0-core/schema.ts";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { diffModels } from "../tools/diff/diff.ts";
import { printDiff } from "../tools/diff/print.ts";
import { compileOptions, fsHost, modelOptions, report, valueOrFail, type ModelFlags } from "./compile-args.ts";
import { collect, EXIT_FAILED, EXIT_OK, parseAssignments, readText, runCommand } from "./io.ts";
import { about } from "./about.ts";

export interface ModelSpec {
  /** A git revision when the file is read through `git show REV:path`. */
  rev?: string;
  path: string;
  model?: string;
}

/** `file.mdl`, `file.mdl#Model`, `REV:file.mdl` or `REV:file.mdl#Model`; an existing file wins over a revision. */
export function parseModelSpec(text: string): ModelSpec {
  const hash = text.lastIndexOf("#");
  const [file, model] = hash > 0 ? [text.slice(0, hash), text.slice(hash + 1) || undefined] : [text, undefined];
  const colon = file.indexOf(":");
  if (colon > 0 && !existsSync(file)) return { rev: file.slice(0, colon), path: file.slice(colon + 1), model };
  return { path: file, model };
}

function gitShow(rev: string, path: string): string | undefined {
  const rel = isAbsolute(path) ? relative(process.cwd(), path) : path;
  try {
    return execFileSync("git", ["show", `${rev}:./${rel.replace(/^\.\//, "")}`], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 << 20,
    });
  } catch {
    return undefined;
  }
}

/** Files named `REV:path` come from git at that revision; the compiler joins import paths onto that name. */
function gitHost(rev: string): Host {
  return { readFile: (p) => (p.startsWith(`${rev}:`) ? gitShow(rev, p.slice(rev.length + 1)) : undefined) };
}

export function compileSpec(spec: ModelSpec, flags: ModelFlags): ModelIR {
  // imports resolve against the entry's directory part, so a bare file name keeps `REV:.` as its directory
  const entry = spec.rev ? `${spec.rev}:${spec.path.includes("/") ? spec.path : `./${spec.path}`}` : spec.path;
  let text: string;
  if (spec.rev) {
    const t = gitShow(spec.rev, spec.path);
    if (t === undefined) fail("file_unreadable", entry, `\`git show ${entry}\` failed (no such revision or path)`);
    text = t;
  } else text = readText(spec.path);
  const host = spec.rev ? gitHost(spec.rev) : fsHost;
  return valueOrFail(
    report(compile(entry, host, { ...compileOptions(flags), model: spec.model ?? flags.model, text })),
  );
}

interface SideFlags {
  aPreset?: string;
  bPreset?: string;
  aSet: string[];
  bSet: string[];
  aReplace: string[];
  bReplace: string[];
  aRemove: string[];
  bRemove: string[];
}

interface DiffFlags extends ModelFlags, SideFlags {
  modelA?: string;
  modelB?: string;
  dims?: string;
  json?: boolean;
}

export function register(program: Command): void {
  modelOptions(
    program
      .command("diff")
      .description(about.diff.text)
      .argument("<a>", "old model: FILE, FILE#Model, or REV:FILE (read with git show; imports at the same revision)")
      .argument("<b>", "new model, in the same forms")
      .option("--model-a <name>", "model of A (overrides --model and #Model)")
      .option("--model-b <name>", "model of B (overrides --model and #Model)")
      .option("--a-preset <name>", "preset of A only (overrides --preset)")
      .option("--b-preset <name>", "preset of B only (overrides --preset)")
      .option("--a-set <name=value>", "set a hyperparameter of A only, after --set (repeatable)", collect, [])
      .option("--b-set <name=value>", "set a hyperparameter of B only, after --set (repeatable)", collect, [])
      .option(
        "--a-replace <path=Block(args)>",
        "replace a sub-module of A only, after --replace (repeatable)",
        collect,
        [],
      )
      .option(
        "--b-replace <path=Block(args)>",
        "replace a sub-module of B only, after --replace (repeatable)",
        collect,
        [],
      )
      .option("--a-remove <path>", "remove an optional sub-module of A only (repeatable)", collect, [])
      .option("--b-remove <path>", "remove an optional sub-module of B only (repeatable)", collect, [])
      .option("--dims <S=n,...>", "batch symbols for costs, e.g. B=2,K=400 (default 1 each)")
      .option("--json", "print the diff as JSON (schema DiffJson in src/tools/diff/schema.ts)"),
  ).action((a: string, b: string, flags: DiffFlags) =>
    runCommand(() => {
      const dims: Record<string, number> = {};
      for (const [k, v] of parseAssignments(flags.dims ? flags.dims.split(",") : [])) {
        if (!/^\d+$/.test(v)) fail("usage", undefined, `--dims ${k} must be a whole number, got \`${v}\``);
        dims[k] = Number(v);
      }
      const sa = parseModelSpec(a);
      const sb = parseModelSpec(b);
      const irA = compileSpec({ ...sa, model: flags.modelA ?? sa.model }, sideFlags(flags, "a"));
      const irB = compileSpec({ ...sb, model: flags.modelB ?? sb.model }, sideFlags(flags, "b"));
      const d = diffModels(irA, irB, dims);
      process.stdout.write(flags.json ? JSON.stringify(d, null, 2) + "\n" : printDiff(d));
      return d.changed ? EXIT_FAILED : EXIT_OK;
    }),
  );
}

/**
 * The flags one side compiles with: the shared --preset/--set/--replace/--remove, then that side's own
 * (`--b-replace mit=MeanPool(frames, embed)`), which come later and so win over a shared edit of the same path.
 */
export function sideFlags(flags: DiffFlags, side: "a" | "b"): ModelFlags {
  const own = (k: "Set" | "Replace" | "Remove") => flags[`${side}${k}`] ?? [];
  return {
    ...flags,
    preset: flags[`${side}Preset`] ?? flags.preset,
    set: [...(flags.set ?? []), ...own("Set")],
    replace: [...(flags.replace ?? []), ...own("Replace")],
    remove: [...(flags.remove ?? []), ...own("Remove")],
  };
}
