/** `mdl ir FILE [--json]`: the compiled IR in its text form, or as JSON. */
import type { Command } from "commander";
import { printIr } from "../compiler/4-ir/print.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { runCommand } from "./io.ts";

export function register(program: Command): void {
  modelOptions(
    program
      .command("ir")
      .description("print the compiled intermediate representation")
      .argument("<file>", ".mdl file")
      .option("--weights <file>", "bind free hyperparameters from a checkpoint's shapes")
      .option("--no-graph", "omit the op graph")
      .option("--json", "print the IR as JSON (validated by the ModelIR zod schema)"),
  ).action((file: string, flags: ModelFlags & { weights?: string; graph: boolean; json?: boolean }) =>
    runCommand(() => {
      const { ir } = compileOrFail(file, flags, flags.weights);
      process.stdout.write(flags.json ? JSON.stringify(ir) + "\n" : printIr(ir, { graph: flags.graph }));
    }),
  );
}
