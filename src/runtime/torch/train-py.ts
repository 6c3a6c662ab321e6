/**
 * train.py for an exported model: `mdl train`'s recipe (src/runtime/train, src/runtime/session/fit.ts) on
 * PyTorch, runnable alone or under `torchrun --nproc_per_node N` (DistributedDataParallel; nccl on GPUs,
 * gloo on CPUs). The data order and every random draw of a sample depend on (seed, step, example) and not on
 * the rank, so N processes with batch/N each make the same updates as one process with the whole batch.
 * The script is py/train.py; the export sets the three constants at its top to the model's values.
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
  return setConstants(TRAIN_PY, { MODEL_MODULE: modelModule, VIEW_PARAMS: viewParams(ir), LR_SCALES: lrScales });
}

/**
 * `text` with each line `NAME = ...` (at the top level, whole) replaced by `NAME = value`, the value written as JSON,
 * which for strings, numbers and lists or dicts of them is a Python literal too. Each name must have one such line.
 */
export function setConstants(text: string, values: Record<string, string | number | object>): string {
  let out = text;
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`^${name} = .*$`, "gm");
    const n = out.match(line)?.length ?? 0;
    invariant(n === 1, `train.py must have one line \`${name} = ...\`, it has ${n}`);
    out = out.replace(line, () => `${name} = ${JSON.stringify(value)}`);
  }
  return out;
}
