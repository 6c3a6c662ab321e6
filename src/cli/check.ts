/**
 * `mdl check PATH...`: compile every model of each file (folders: every .mdl under them) and check the
 * blocks no model instantiates on their own; exit 0 clean, 1 errors found, 2 usage. A mistake that
 * several configurations share (--all-presets) is printed and counted once.
 */
import type { Command } from "commander";
import { hasErrors, type Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { isFolder } from "../util/path-kind.ts";
import { checkBlocks, compile, modelsOf, resolveProgram } from "../compiler/compile.ts";
import { failedDecls } from "../compiler/2-resolve/failed.ts";
import { unique } from "../compiler/diagnostics/unique.ts";
import { compileOptions, fsHost, modelOptions, report, type ModelFlags } from "./compile-args.ts";
import { EXIT_FAILED, EXIT_OK, expandPaths, printDiagnostics, readText, rememberSource, runCommand } from "./io.ts";
import { modelConfig } from "../compiler/3-check/model-config.ts";
import { about } from "./about.ts";

export function register(program: Command): void {
  modelOptions(
    program
      .command("check")
      .description(about.check.text)
      .argument("<files...>", ".mdl files or folders")
      .option("--all-presets", "also check every preset of every model")
      .option("--quiet", "print only errors"),
  ).action((files: string[], flags: ModelFlags & { allPresets?: boolean; quiet?: boolean }) =>
    runCommand(() => {
      let failed = false;
      // a missing path is left to readText, which names it; only an existing folder is expanded
      for (const file of files.flatMap((f) => (isFolder(f) ? expandPaths(f) : [f]))) {
        readText(file);
        const errors = checkFile(file, flags);
        failed ||= errors.count > 0;
        if (!flags.quiet) {
          const what = `${errors.configurations} configuration${errors.configurations === 1 ? "" : "s"}`;
          process.stdout.write(
            `${file}: ${errors.count ? `${errors.count} error${errors.count === 1 ? "" : "s"}` : "ok"} (${what})\n`,
          );
        }
      }
      return failed ? EXIT_FAILED : EXIT_OK;
    }),
  );
}

/** Each model of the file (and, with --all-presets, each of its presets) compiled once. */
function checkFile(
  file: string,
  flags: ModelFlags & { allPresets?: boolean },
): { count: number; configurations: number } {
  const resolved = resolveProgram(file, fsHost, undefined, compileOptions(flags).limits);
  const models = flags.model ? [flags.model] : modelsOf(resolved.value).map((d) => d.name);
  const errorsIn = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === "error").length;
  if (models.length === 0 || hasErrors(resolved.diagnostics)) {
    for (const f of resolved.value.files.values()) rememberSource(f.name, f.text);
    // each block checked on its own, with its hyperparameters as symbols; after a resolve error, those it leaves whole
    if (!resolved.diagnostics.some((d) => d.code.startsWith("MDL1")))
      resolved.diagnostics.push(...checkBlocks(resolved.value, failedDecls(resolved.value, resolved.diagnostics)));
    printDiagnostics(resolved.diagnostics);
    return { count: errorsIn(resolved.diagnostics), configurations: 0 };
  }
  const runs: { model: string; preset?: string }[] = models.map((model) => ({ model, preset: flags.preset }));
  if (flags.allPresets) {
    for (const model of models) {
      // presets a model inherits through `extends` are its presets too
      const def = resolved.value.scopes.get(resolved.value.entry)?.get(model);
      if (def?.decl.kind === "Model")
        for (const p of modelConfig(resolved.value, def, []).presets.keys()) runs.push({ model, preset: p });
    }
  }
  let count = 0;
  const seen = new Set<string>();
  for (const run of runs) {
    readText(file);
    // like an editor, check reports the user's mistakes and skips re-verifying the built IR (a compiler bug
    // check; every command that runs or writes an IR verifies it, and the tests verify every model)
    const r = compile(file, fsHost, { ...compileOptions(flags), ...run, verify: false });
    count += errorsIn(report({ ...r, diagnostics: unique(r.diagnostics, seen) }).diagnostics);
  }
  return { count, configurations: runs.length };
}
