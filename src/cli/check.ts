/** `mdl check FILE...`: compile every model of each file; exit 0 clean, 1 errors found, 2 usage. */
import type { Command } from "commander";
import { hasErrors, type Diagnostic } from "../compiler/diagnostics/diagnostic.ts";
import { modelsOf, resolveProgram } from "../compiler/compile.ts";
import { modelConfig } from "../compiler/3-check/model-config.ts";
import { compileFile, compileOptions, fsHost, modelOptions, type ModelFlags } from "./compile-args.ts";
import { EXIT_FAILED, EXIT_OK, printDiagnostics, readText, rememberSource, runCommand } from "./io.ts";

export function register(program: Command): void {
  modelOptions(
    program
      .command("check")
      .description("check .mdl files: syntax, names, hyperparameters and shapes of every model (a file of blocks only: syntax and names)")
      .argument("<files...>", ".mdl files")
      .option("--all-presets", "also check every preset of every model")
      .option("--quiet", "print only errors"),
  ).action((files: string[], flags: ModelFlags & { allPresets?: boolean; quiet?: boolean }) =>
    runCommand(() => {
      let failed = false;
      for (const file of files) {
        readText(file);
        const errors = checkFile(file, flags);
        failed ||= errors.count > 0;
        if (!flags.quiet) {
          const what = `${errors.configurations} configuration${errors.configurations === 1 ? "" : "s"}`;
          process.stdout.write(`${file}: ${errors.count ? `${errors.count} error${errors.count === 1 ? "" : "s"}` : "ok"} (${what})\n`);
        }
      }
      return failed ? EXIT_FAILED : EXIT_OK;
    }),
  );
}

/** Each model of the file (and, with --all-presets, each of its presets) compiled once. */
function checkFile(file: string, flags: ModelFlags & { allPresets?: boolean }): { count: number; configurations: number } {
  const resolved = resolveProgram(file, fsHost);
  const models = flags.model ? [flags.model] : modelsOf(resolved.value).map((d) => d.name);
  const errorsIn = (ds: readonly Diagnostic[]) => ds.filter((d) => d.severity === "error").length;
  if (models.length === 0 || hasErrors(resolved.diagnostics)) {
    for (const f of resolved.value.files.values()) rememberSource(f.name, f.text);
    printDiagnostics(resolved.diagnostics);
    return { count: errorsIn(resolved.diagnostics), configurations: 0 };
  }
  const runs: { model: string; preset?: string }[] = models.map((model) => ({ model, preset: flags.preset }));
  if (flags.allPresets) {
    for (const model of models) {
      // presets a model inherits through `extends` are its presets too
      const def = resolved.value.scopes.get(resolved.value.entry)?.get(model);
      if (def?.decl.kind === "Model") for (const p of modelConfig(resolved.value, def, []).presets.keys()) runs.push({ model, preset: p });
    }
  }
  let count = 0;
  for (const run of runs) count += errorsIn(compileFile(file, { ...compileOptions(flags), ...run }).diagnostics);
  return { count, configurations: runs.length };
}
