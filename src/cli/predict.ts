/**
 * `mdl predict MODEL --weights W --inputs IN.safetensors --out OUT.safetensors`: run a model on the tensors
 * named `input.<name>` and write every output as `out.<name>`. Free hyperparameters come from the
 * checkpoint's shapes, then from the inputs' (a 4-frame video binds `frames`); the coverage report goes to stderr.
 */
import type { Command } from "commander";
import { formatCoverage } from "../runtime/weights/coverage.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { runCommand } from "./io.ts";
import { backendOptions, parseCount, pickRuntime, runtimeOptions, startBackend } from "./options.ts";

interface PredictFlags extends ModelFlags {
  weights?: string;
  inputs: string;
  out: string;
  strict?: boolean;
  backend?: string;
  threads?: string;
  seed?: string;
  runtime?: string;
  device?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command("predict")
    .description("run a model on input tensors (input.<name> in a safetensors file) and write its outputs (out.<name>)")
    .argument("<model>", "the .mdl file")
    .option("--weights <file>", "checkpoint (safetensors, .pth, .bin); binds free hyperparameters from its shapes")
    .requiredOption("--inputs <file>", "safetensors file with a tensor input.<name> per model input; free hyperparameters bind from their shapes too")
    .requiredOption("--out <file>", "safetensors file to write (out.<name> per model output)")
    .option("--strict", "fail unless the checkpoint provides exactly the model's parameters")
    .option("--seed <n>", "seed of the init of parameters the checkpoint lacks (default 0)");
  runtimeOptions(backendOptions(modelOptions(cmd))).action((model: string, flags: PredictFlags) =>
    runCommand(async () => {
      const seed = flags.seed === undefined ? 0 : parseCount("--seed", flags.seed, 0);
      const { ir, checkpoint } = compileOrFail(model, flags, flags.weights, flags.inputs);
      const runtime = await pickRuntime(flags);
      if (runtime.name === "onnx") {
        const { readHostInputs, writeHostOutputs } = await import("../runtime/run/io-tensors.ts");
        const { checkpointWeights } = await import("../runtime/onnx/weights.ts");
        const { createSession } = await import("../runtime/onnx/session.ts");
        const { weights, coverage } = checkpointWeights(ir, checkpoint, { strict: flags.strict });
        if (checkpoint) process.stderr.write(`${checkpoint.file}: ${formatCoverage(coverage)}\n`);
        const inputs = readHostInputs(ir, flags.inputs);
        const session = await createSession(ir, { weights, seed, device: runtime.device, threads: runtime.threads });
        writeHostOutputs(flags.out, await session.run(inputs));
        await session.dispose();
        return;
      }
      const { disposeAll, readModelInputs, writeOutputs } = await import("../runtime/run/io-tensors.ts");
      const { createRunner } = await import("../runtime/run/runner.ts");
      await startBackend(flags);
      const runner = createRunner(ir, checkpoint, { strict: flags.strict, seed });
      if (checkpoint) process.stderr.write(`${checkpoint.file}: ${formatCoverage(runner.coverage)}\n`);
      const inputs = readModelInputs(ir, flags.inputs);
      const { outputs } = runner.run(inputs);
      await writeOutputs(flags.out, outputs);
      disposeAll(inputs);
      disposeAll(outputs);
      runner.dispose();
    }),
  );
}
