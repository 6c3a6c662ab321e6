/**
 * `mdl ir FILE [--json] [--train]`: the compiled IR in its text form, or as JSON; with --train, the training
 * step built from it (forward, loss, backward, AdamW: compiler/5-train/step.ts) instead.
 */
import type { Command } from "commander";
import { printIr } from "../compiler/4-ir/print.ts";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { runCommand } from "./io.ts";
import {
  describeStep,
  givenTrainingFlags,
  parseStep,
  phaseOption,
  trainingOptions,
  trainStepOf,
  type StepFlags,
} from "./training.ts";
import { about } from "./about.ts";

interface IrFlags extends ModelFlags, StepFlags {
  weights?: string;
  graph: boolean;
  json?: boolean;
  train?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command("ir")
    .description(about.ir.text)
    .argument("<file>", ".mdl file")
    .option("--weights <file>", "bind free hyperparameters from a checkpoint's shapes")
    .option("--no-graph", "omit the op graph")
    .option("--json", "print the IR as JSON (validated by the ModelIR zod schema)")
    .option(
      "--train",
      "print the training step instead: forward, label-smoothed cross-entropy, backward and AdamW as one program (the training flags below choose what trains)",
    );
  phaseOption(trainingOptions(modelOptions(cmd))).action((file: string, flags: IrFlags) =>
    runCommand(() => {
      const given = givenTrainingFlags(flags);
      if (!flags.train && given.length)
        fail("usage", undefined, `${given.join(", ")} ${given.length === 1 ? "applies" : "apply"} only with --train`);
      const choices = flags.train ? parseStep(flags) : undefined;
      const { ir } = compileOrFail(file, flags, flags.weights);
      if (!choices)
        return void process.stdout.write(flags.json ? JSON.stringify(ir) + "\n" : printIr(ir, { graph: flags.graph }));
      const t = trainStepOf(ir, choices);
      if (flags.json) return void process.stdout.write(JSON.stringify(t.step) + "\n");
      process.stdout.write(
        describeStep(t, ir.params.length).join("\n") + "\n" + printIr(t.step, { graph: flags.graph }),
      );
    }),
  );
}
