/** `mdl check FILE...`: compile every model of each file; exit 0 clean, 1 errors found, 2 usage. */
import type { Command } from "commander";
import { hasErrors } from "../compiler/diagnostics/diagnostic.ts";
import { compile, modelsOf } from "../compiler/compile.ts";
import { compileFile, compileOptions, fsHost, modelOptions, type ModelFlags } from "./compile-args.ts";
import { EXIT_FAILED, EXIT_OK, readText, runCommand } from "./io.ts";

export function register(program: Command): void {
  modelOptions(
    program
      .command("check")
      .description("check .mdl files: syntax, names, hyperparameters, shapes of every model (and of each preset with --all-presets)")
      .argument("<files...>", ".mdl files")
      .option("--all-presets", "also check every preset of every model")
      .option("--quiet", "print only errors"),
  ).action((files: string[], flags: ModelFlags & { allPresets?: boolean; quiet?: boolean }) =>
    runCommand(() => {
      let failed = false;
      for (const file of files) {
        readText(file);
        const base = compileOptions(flags);
        const probe = compile(file, fsHost, { ...base, model: "__none__" });
        const models = flags.model ? [flags.model] : modelsOf(probe.program).map((d) => d.name);
        const runs: { model?: string; preset?: string }[] = models.length ? models.map((m) => ({ model: m, preset: flags.preset })) : [{}];
        if (flags.allPresets) {
          for (const m of models) {
            const decl = probe.program.scopes.get(probe.program.entry)?.get(m)?.decl;
            if (decl?.kind === "Model") for (const p of decl.presets) runs.push({ model: m, preset: p.name });
          }
        }
        let errors = 0;
        for (const run of runs) {
          const r = run.model ? compileFile(file, { ...base, model: run.model, preset: run.preset }) : compileFile(file, { ...base, model: undefined });
          if (hasErrors(r.diagnostics)) {
            errors += r.diagnostics.filter((d) => d.severity === "error").length;
            if (!run.model) break;
          }
          if (!run.model && hasErrors(r.diagnostics)) break;
        }
        failed ||= errors > 0;
        if (!flags.quiet) process.stdout.write(`${file}: ${errors ? `${errors} error${errors === 1 ? "" : "s"}` : "ok"} (${models.length} model${models.length === 1 ? "" : "s"}${flags.allPresets ? `, ${runs.length} configurations` : ""})\n`);
      }
      return failed ? EXIT_FAILED : EXIT_OK;
    }),
  );
}
