/**
 * `mdl export --format onnx`: the compiled model as an ONNX file (opset 17); without --weights the
 * parameters take their declared init (seeded).
 */
import { formatCoverage } from "../runtime/weights/coverage.ts";
import { parseCount } from "./options.ts";
import type { ExportJob } from "./export.ts";

export async function exportOnnx({ ir, checkpoint, flags }: ExportJob): Promise<void> {
  const { lowerToOnnx } = await import("../runtime/onnx/lower.ts");
  const { writeModel } = await import("../runtime/onnx/model.ts");
  const { checkpointWeights } = await import("../runtime/onnx/weights.ts");
  const seed = flags.seed === undefined ? 0 : parseCount("--seed", flags.seed, 0);
  const { weights, coverage } = checkpointWeights(ir, checkpoint, { strict: !!flags.strict });
  if (checkpoint) process.stderr.write(`${checkpoint.file}: ${formatCoverage(coverage)}\n`);
  const g = lowerToOnnx(ir, { weights, seed });
  const hyper = Object.fromEntries(ir.hyper.map((h) => [h.name, h.value]));
  const meta = { "mdl.model": ir.model, "mdl.file": ir.file, "mdl.hyper": JSON.stringify(hyper), ...(ir.preset ? { "mdl.preset": ir.preset } : {}) };
  const r = writeModel(flags.out, g, meta);
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
  process.stderr.write(`${flags.out}: ONNX opset 17, ${g.nodes.length} nodes, ${g.initializers.length} initializers, ${mb(r.bytes)}${r.external ? ` (weights in ${r.external})` : ""}\n`);
}
