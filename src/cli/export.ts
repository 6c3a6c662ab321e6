/**
 * `mdl export MODEL --format F -o OUT`: the compiled model as another engine's program. Each format is one
 * entry of `formats` (its writer lives under src/runtime/<format>/), so formats merge without touching
 * each other.
 */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { compileOrFail, modelOptions } from "./compile-args.ts";
import { runCommand } from "./io.ts";
import type { ExportFlags, ExportJob } from "./export-job.ts";
import { exportOnnx } from "./export-onnx.ts";
import { exportTorch } from "./export-torch.ts";
import { givenTrainingFlags, phaseOption, trainingOptions } from "./training.ts";
import { about } from "./about.ts";

const formats: Record<string, (job: ExportJob) => Promise<void> | void> = {
  onnx: exportOnnx,
  torch: ({ ir, flags, argv }) => exportTorch(ir, flags, argv),
};

const TRAIN_PY_TAKES =
  " (train.py takes --freeze, --train-only, --accum, --smoothing, --weight-decay and the recipe's flags when it runs)";

export function register(program: Command): void {
  const cmd = program
    .command("export")
    .description(about.export.text)
    .argument("<model>", "the .mdl file")
    .requiredOption("--format <name>", `the target: ${Object.keys(formats).join(", ")}`)
    .requiredOption("-o, --out <file>", "the file to write (onnx: model.onnx; torch: model.py)")
    .option(
      "--weights <file>",
      "checkpoint (safetensors, .pth, .bin): binds free hyperparameters from its shapes; onnx: its tensors become the initializers (else the declared init)",
    )
    .option("--strict", "onnx: fail unless the checkpoint provides exactly the model's parameters")
    .option("--seed <n>", "onnx: seed of the init of parameters the checkpoint lacks (default 0)")
    .option(
      "--train",
      "onnx: write the training step instead (forward, loss, backward, AdamW; parameters and moments are graph inputs, see " +
        "docs/export-onnx.md); torch: also write train.py (the `mdl train` recipe, runnable with torchrun) beside the model",
    )
    .option(
      "--labels <labels.csv>",
      "torch: write the class names' token ids beside the model (texts.json, read by train.py)",
    );
  phaseOption(trainingOptions(modelOptions(cmd))).action((model: string, flags: ExportFlags) =>
    runCommand(async () => {
      const write = formats[flags.format];
      if (!write)
        fail("usage", "--format", `unknown format \`${flags.format}\`; one of ${Object.keys(formats).join(", ")}`);
      // train.py takes its own training flags when it runs; only the ONNX step bakes them in
      const given = givenTrainingFlags(flags);
      if (given.length && !(flags.format === "onnx" && flags.train))
        fail(
          "usage",
          undefined,
          `${given.join(", ")} ${given.length === 1 ? "applies" : "apply"} only with --format onnx ` +
            `--train${flags.format === "torch" ? TRAIN_PY_TAKES : ""}`,
        );
      const { ir, checkpoint } = compileOrFail(model, flags, flags.weights);
      await write({ ir, checkpoint, flags, argv: process.argv.slice(2) });
    }),
  );
}
