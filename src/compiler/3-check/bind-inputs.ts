/**
 * Hyperparameters from input shapes, as from weights (bind.ts): each dimension of a model input that a
 * hyperparameter determines (`video: [B, frames, 3, resolution, resolution]`) becomes an equation against the
 * shape of the tensor given for it, so a 4-frame input binds `frames = 4` when nothing else set it, and a
 * value that was set and disagrees is the same located error as for a checkpoint.
 */
import type { ModelConfig } from "./model-config.ts";
import type { BindingProbe } from "./elaborate.ts";
import type { Evaluator } from "./evaluate.ts";
import type { Scope, Value } from "./values.ts";

/** The input tensors' shapes by input name (`video`), and the file they came from (named in messages). */
export interface InputShapes {
  file: string;
  shapes: Map<string, number[]>;
}

/** Equations of the symbolic model scope's input dimensions; inputs of another rank are left to the run's check. */
export function inputEquations(
  cfg: ModelConfig,
  scope: Scope,
  ev: Evaluator,
  inputs: InputShapes,
): BindingProbe["equations"] {
  const out: BindingProbe["equations"] = [];
  for (const input of cfg.forward?.inputs ?? []) {
    const found = inputs.shapes.get(input.name.name);
    const dims = input.type.dims;
    if (!found || dims.some((d) => d.kind === "Ellipsis") || dims.length !== found.length) continue;
    // a batch symbol (`B`) is no hyperparameter: it stays a name in messages
    const declared: Value[] = dims.map((d) =>
      d.kind === "Name" && !scope.has(d.name)
        ? { k: "sym", e: { op: "var", name: d.name }, fallback: 0 }
        : ev.expr(d as Exclude<typeof d, { kind: "Ellipsis" }>, scope),
    );
    declared.forEach((lhs, i) => {
      if (lhs.k !== "sym" || (dims[i].kind === "Name" && !scope.has((dims[i] as { name: string }).name))) return;
      out.push({ lhs, actual: found[i], key: `input.${input.name.name}`, dim: i, declared, found, span: dims[i].span });
    });
  }
  return out;
}
