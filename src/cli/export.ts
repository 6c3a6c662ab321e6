/**
 * `mdl export MODEL --format F -o OUT`: the compiled model as another engine's program. Each format is one
 * entry of `formats` (its writer lives under src/runtime/<format>/), so formats merge without touching
 * each other.
 */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import type { ModelIR } from "../compiler/4-ir/schema.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { runCommand } from "./io.ts";
import { exportTorch } from "./export-torch.ts";

export interface ExportFlags extends ModelFlags {
  format: string;
  out: string;
  weights?: string;
  train?: boolean;
  labels?: string;
}

export type Exporter = (ir: ModelIR, flags: ExportFlags, argv: string[]) => Promise<void> | void;

const formats: Record<string, Exporter> = {
  torch: exportTorch,
};

export function register(program: Command): void {
  const cmd = program
    .command("export")
    .description(`write the model for another engine (${Object.keys(formats).join(", ")})`)
    .argument("<model>", "the .mdl file")
    .requiredOption("--format <name>", `the target: ${Object.keys(formats).join(", ")}`)
    .requiredOption("-o, --out <file>", "the file to write (torch: model.py)")
    .option("--weights <file>", "bind free hyperparameters from a checkpoint's shapes")
    .option("--train", "torch: also write train.py (the `mdl train` recipe, runnable with torchrun) beside the model")
    .option("--labels <labels.csv>", "torch: write the class names' token ids beside the model (texts.json, read by train.py)");
  modelOptions(cmd).action((model: string, flags: ExportFlags) =>
    runCommand(async () => {
      const write = formats[flags.format];
      if (!write) fail("usage", "--format", `unknown format \`${flags.format}\`; one of ${Object.keys(formats).join(", ")}`);
      const { ir } = compileOrFail(model, flags, flags.weights);
      await write(ir, flags, process.argv.slice(2));
    }),
  );
}
