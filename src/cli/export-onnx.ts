/**
 * `mdl export --format onnx`: the compiled model as an ONNX file (opset 17); without --weights the
 * parameters take their declared init (seeded). With --train, the training step instead (training.ts):
 * parameters, AdamW moments, lr and the bias corrections are graph inputs and `next.*` outputs, so the
 * caller keeps the state between steps (docs/export-onnx.md); a checkpoint only binds hyperparameters.
 */
import { fail } from "../compiler/diagnostics/diagnostic.ts";
import type { ModelIR } from "../compiler/0-core/schema.ts";
import { formatCoverage } from "../runtime/weights/coverage.ts";
import { parseCount } from "./options.ts";
import type { ExportJob } from "./export-job.ts";
import { describeStep, parseStep, trainStepOf } from "./training.ts";

export async function exportOnnx(job: ExportJob): Promise<void> {
  const { ir, checkpoint, flags } = job;
  if (flags.train) return exportOnnxStep(job);
  const { lowerToOnnx } = await import("../runtime/onnx/lower.ts");
  const { checkpointWeights } = await import("../runtime/onnx/weights.ts");
  const seed = flags.seed === undefined ? 0 : parseCount("--seed", flags.seed, 0);
  const { weights, coverage } = checkpointWeights(ir, checkpoint, { strict: !!flags.strict });
  if (checkpoint) process.stderr.write(`${checkpoint.file}: ${formatCoverage(coverage)}\n`);
  await write(flags.out, lowerToOnnx(ir, { weights, seed }), metadata(ir));
}

async function exportOnnxStep({ ir, checkpoint, flags }: ExportJob): Promise<void> {
  for (const [given, name] of [
    [flags.seed, "--seed"],
    [flags.strict, "--strict"],
  ] as const)
    if (given !== undefined)
      fail(
        "usage",
        name,
        `${name} chooses baked-in parameter values; with --train the parameters are graph inputs the caller feeds`,
      );
  const choices = parseStep(flags);
  const { lowerToOnnx } = await import("../runtime/onnx/lower.ts");
  const t = trainStepOf(ir, choices);
  const g = lowerToOnnx(t.step, { paramsAsInputs: true });
  const s = t.settings;
  const trained = s.groups.reduce((n, gr) => n + gr.paths.length, 0);
  const about = {
    phase: t.phase,
    accum: s.accum ?? 1,
    smoothing: s.smoothing,
    adam: s.adam,
    trained,
    frozen: s.frozen.size,
  };
  for (const line of describeStep(t, ir.params.length)) process.stderr.write(line + "\n");
  if (checkpoint)
    process.stderr.write(
      `${checkpoint.file}: bound the hyperparameters only; its tensors are not in the file: feed them as the inputs named by their keys\n`,
    );
  await write(flags.out, g, { ...metadata(ir), "mdl.train_step": JSON.stringify(about) });
}

function metadata(ir: ModelIR): Record<string, string> {
  const hyper = Object.fromEntries(ir.hyper.map((h) => [h.name, h.value]));
  return {
    "mdl.model": ir.model,
    "mdl.file": ir.file,
    "mdl.hyper": JSON.stringify(hyper),
    ...(ir.preset ? { "mdl.preset": ir.preset } : {}),
  };
}

async function write(
  out: string,
  g: import("../runtime/onnx/lower.ts").OnnxGraph,
  meta: Record<string, string>,
): Promise<void> {
  const { writeModel } = await import("../runtime/onnx/model.ts");
  const r = writeModel(out, g, meta);
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
  const io = `${g.inputs.length} inputs, ${g.outputs.length} outputs`;
  process.stderr.write(
    `${out}: ONNX opset 17, ${g.nodes.length} nodes, ${io}, ` +
      `${g.initializers.length} initializers, ${mb(r.bytes)}${r.external ? ` (weights in ${r.external})` : ""}\n`,
  );
}
