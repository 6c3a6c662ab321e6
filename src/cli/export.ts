/**
 * `mdl export MODEL --format onnx -o model.onnx [--weights W]`: the compiled model in a standard exchange
 * format. Formats are one table entry each; without --weights the parameters take their declared init.
 */
import type { Command } from "commander";
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import type { ModelIR } from "../compiler/4-ir/schema.ts";
import type { Checkpoint } from "../runtime/weights/checkpoint.ts";
import { formatCoverage } from "../runtime/weights/coverage.ts";
import { compileOrFail, modelOptions, type ModelFlags } from "./compile-args.ts";
import { runCommand } from "./io.ts";
import { parseCount } from "./options.ts";

interface ExportFlags extends ModelFlags {
  format: string;
  out: string;
  weights?: string;
  strict?: boolean;
  seed?: string;
}

interface ExportJob {
  ir: ModelIR;
  checkpoint?: Checkpoint;
  out: string;
  strict: boolean;
  seed: number;
}

/** What each format writes; it reports what it wrote on stderr. */
const formats: Record<string, (job: ExportJob) => Promise<void>> = {
  onnx: async ({ ir, checkpoint, out, strict, seed }) => {
    const { lowerToOnnx } = await import("../runtime/onnx/lower.ts");
    const { writeModel } = await import("../runtime/onnx/model.ts");
    const { checkpointWeights } = await import("../runtime/onnx/weights.ts");
    const { weights, coverage } = checkpointWeights(ir, checkpoint, { strict });
    if (checkpoint) process.stderr.write(`${checkpoint.file}: ${formatCoverage(coverage)}\n`);
    const g = lowerToOnnx(ir, { weights, seed });
    const hyper = Object.fromEntries(ir.hyper.map((h) => [h.name, h.value]));
    const meta = { "mdl.model": ir.model, "mdl.file": ir.file, "mdl.hyper": JSON.stringify(hyper), ...(ir.preset ? { "mdl.preset": ir.preset } : {}) };
    const r = writeModel(out, g, meta);
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
    process.stderr.write(`${out}: ONNX opset 17, ${g.nodes.length} nodes, ${g.initializers.length} initializers, ${mb(r.bytes)}${r.external ? ` (weights in ${r.external})` : ""}\n`);
  },
};

export function register(program: Command): void {
  const cmd = program
    .command("export")
    .description("write the compiled model in an exchange format (onnx)")
    .argument("<model>", "the .mdl file")
    .requiredOption("--format <name>", `output format (${Object.keys(formats).join(", ")})`)
    .requiredOption("-o, --out <file>", "file to write")
    .option("--weights <file>", "checkpoint (safetensors, .pth, .bin); without it the parameters take their declared init")
    .option("--strict", "fail unless the checkpoint provides exactly the model's parameters")
    .option("--seed <n>", "seed of the init of parameters the checkpoint lacks (default 0)");
  modelOptions(cmd).action((model: string, flags: ExportFlags) =>
    runCommand(async () => {
      const write = formats[flags.format];
      if (!write) fail("usage", undefined, `--format must be one of ${Object.keys(formats).join(", ")}, got \`${flags.format}\``);
      const seed = flags.seed === undefined ? 0 : parseCount("--seed", flags.seed, 0);
      const { ir, checkpoint } = compileOrFail(model, flags, flags.weights);
      await write({ ir, checkpoint, out: flags.out, strict: !!flags.strict, seed });
    }),
  );
}
