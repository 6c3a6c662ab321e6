/**
 * train.py for an exported model: `mdl train`'s recipe (src/runtime/train, src/runtime/session/fit.ts) on
 * PyTorch, runnable alone or under `torchrun --nproc_per_node N` (DistributedDataParallel; nccl on GPUs,
 * gloo on CPUs). The data order and every random draw of a sample depend on (seed, step, example) and not on
 * the rank, so N processes with batch/N each make the same updates as one process with the whole batch.
 * The script is py/train.py; the export names the model's module in its import and sets VIEW_PARAMS and LR_SCALES.
 */
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { modelLrScales } from "../session/select.ts";
import { TRAIN_PY } from "./py/py-source.ts";
import { place } from "./structure.ts";

/** Module paths whose parameters do not sit under their own key prefix (`use` members), with their keys. */
function viewParams(ir: ModelIR): Record<string, string[]> {
  const pl = place(ir);
  const out: Record<string, string[]> = {};
  const subtree = (path: string): string[] => {
    const m = pl.modules.get(path)!;
    return [...m.params, ...m.children.flatMap(subtree)];
  };
  for (const m of ir.modules) {
    if (!m.path) continue;
    const keys = subtree(m.path);
    if (keys.length && !keys.every((k) => k.startsWith(`${m.path}.`))) out[m.path] = keys;
  }
  return out;
}

export function generateTrain(ir: ModelIR, modelModule: string): string {
  const lrScales = Object.fromEntries(modelLrScales(ir, []));
  // JSON is a Python literal too for strings, numbers, and lists and dicts of them
  return fillLines(TRAIN_PY, [
    [/^import model as exported {2}# noqa: E402$/gm, `import ${modelModule} as exported  # noqa: E402`],
    [/^VIEW_PARAMS = .*$/gm, `VIEW_PARAMS = ${JSON.stringify(viewParams(ir))}`],
    [/^LR_SCALES = .*$/gm, `LR_SCALES = ${JSON.stringify(lrScales)}`],
  ]);
}

/** `text` with the line each pattern matches replaced by its new text; each must match exactly one line. */
function fillLines(text: string, lines: [RegExp, string][]): string {
  return lines.reduce((out, [re, by]) => {
    const n = out.match(re)?.length ?? 0;
    invariant(n === 1, `py/train.py must have one line ${re}, it has ${n}`);
    return out.replace(re, () => by);
  }, text);
}
