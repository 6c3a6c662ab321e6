/**
 * `mdl export MODEL --format F -o OUT`: the compiled model as another engine's program. Each format is one
 * entry of `formats` (its writer lives under src/runtime/<format>/), so formats merge without touching
 * each other.
 */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import type { ModelIR } from "../compiler/4-ir/schema.ts";
import type { Checkpoint } from "../runtime/weights/checkpoint.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { runCommand } from "./io.ts";
import { exportOnnx } from "./export-onnx.ts";
import { exportTorch } from "./export-torch.ts";

export interface ExportFlags extends ModelFlags {
  format: string;
  out: string;
  weights?: string;
  strict?: boolean;
  seed?: string;
  train?: boolean;
  labels?: string;
}

export interface ExportJob {
  ir: ModelIR;
  checkpoint?: Checkpoint;
  flags: ExportFlags;
  argv: string[];
}

const formats: Record<string, (job: ExportJob) => Promise<void> | void> = {
  onnx: exportOnnx,
  torch: ({ ir, flags, argv }) => exportTorch(ir, flags, argv),
};

export function register(program: Command): void {
  const cmd = program
    .command("export")
    .description(`write the model for another engine (${Object.keys(formats).join(", ")})`)
    .argument("<model>", "the .mdl file")
    .requiredOption("--format <name>", `the target: ${Object.keys(formats).join(", ")}`)
    .requiredOption("-o, --out <file>", "the file to write (onnx: model.onnx; torch: model.py)")
    .option("--weights <file>", "checkpoint (safetensors, .pth, .bin): binds free hyperparameters from its shapes; onnx: its tensors become the initializers (else the declared init)")
    .option("--strict", "onnx: fail unless the checkpoint provides exactly the model's parameters")
    .option("--seed <n>", "onnx: seed of the init of parameters the checkpoint lacks (default 0)")
    .option("--train", "torch: also write train.py (the `mdl train` recipe, runnable with torchrun) beside the model")
    .option("--labels <labels.csv>", "torch: write the class names' token ids beside the model (texts.json, read by train.py)");
  modelOptions(cmd).action((model: string, flags: ExportFlags) =>
    runCommand(async () => {
      const write = formats[flags.format];
      if (!write) fail("usage", "--format", `unknown format \`${flags.format}\`; one of ${Object.keys(formats).join(", ")}`);
      const { ir, checkpoint } = compileOrFail(model, flags, flags.weights);
      await write({ ir, checkpoint, flags, argv: process.argv.slice(2) });
    }),
  );
}
