/**
 * `mdl predict MODEL --weights W --inputs IN.safetensors --out OUT.safetensors`: run a model on the tensors
 * named `input.<name>` and write every output as `out.<name>`. Free hyperparameters come from the
 * checkpoint's shapes, then from the inputs' (a 4-frame video binds `frames`); the coverage report goes to stderr.
 */
import type { Command } from "commander";
import { formatCoverage } from "../runtime/weights/coverage.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { printDiagnostics, runCommand } from "./io.ts";
import { backendOptions, parseCount, runtimeOptions, startEngine } from "./options.ts";
import { about } from "./about.ts";

interface PredictFlags extends ModelFlags {
  weights?: string;
  inputs: string;
  out: string;
  strict?: boolean;
  allowNonfinite?: boolean;
  backend?: string;
  threads?: string;
  seed?: string;
  runtime?: string;
  device?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("predict")
    .description(about.predict.text)
    .argument("<model>", "the .mdl file")
    .option("--weights <file>", "checkpoint (safetensors, .pth, .bin); binds free hyperparameters from its shapes")
    .requiredOption(
      "--inputs <file>",
      "safetensors file with a tensor input.<name> per model input; free hyperparameters bind from their shapes too",
    )
    .requiredOption("--out <file>", "safetensors file to write (out.<name> per model output)")
    .option("--strict", "fail unless the checkpoint provides exactly the model's parameters")
    .option("--allow-nonfinite", "run even when the weights hold NaN or infinite values (reported as a warning)")
    .option("--seed <n>", "seed of the init of parameters the checkpoint lacks (default 0)");
  runtimeOptions(backendOptions(modelOptions(cmd))).action((model: string, flags: PredictFlags) =>
    runCommand(async () => {
      const seed = flags.seed === undefined ? 0 : parseCount("--seed", flags.seed, 0);
      const { ir, checkpoint } = compileOrFail(model, flags, flags.weights, flags.inputs, {
        refuseNonFinite: !flags.allowNonfinite,
      });
      const { disposeAll, readModelInputs, writeOutputs } = await import("../runtime/run/io-tensors.ts");
      const { createRunner } = await import("../runtime/run/runner.ts");
      await startEngine(flags);
      const runner = createRunner(ir, checkpoint, { strict: flags.strict, seed });
      if (checkpoint) process.stderr.write(`${checkpoint.file}: ${formatCoverage(runner.coverage)}\n`);
      // a model the engine cannot hold (a weight past a GPU binding) is refused before its inputs are read
      await runner.ready();
      const inputs = readModelInputs(ir, flags.inputs, (d) => printDiagnostics([d]));
      const { outputs } = await runner.run(inputs);
      await writeOutputs(flags.out, outputs);
      disposeAll(inputs);
      disposeAll(outputs);
      await runner.dispose();
    }),
  );
}
