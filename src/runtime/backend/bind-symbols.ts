/** Bind a model's batch symbols from its input shapes; the same for every engine. */
import type { Dim, ModelIR } from "../../compiler/0-core/schema.ts";
import { evalDim, parse } from "../../compiler/0-core/dim.ts";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";

const showShape = (s: readonly (Dim | number)[]) => `[${s.join(", ")}]`;

/** Bind each batch symbol from the first input dim that is exactly that symbol, then check every dim. */
export function bindSymbols(
  ir: ModelIR,
  inputs: Record<string, { readonly shape: readonly number[] }>,
): Record<string, number> {
  const env: Record<string, number> = {};
  for (const port of ir.graph.inputs) {
    const t = inputs[port.name];
    if (!t) fail("input_missing", ir.file, port.name, "the inputs given");
    const declared = port.type.shape;
    const wrong = () => fail("input_shape", ir.file, port.name, showShape(declared), showShape(t.shape));
    if (t.shape.length !== declared.length) wrong();
    declared.forEach((d, i) => {
      if (typeof d !== "string") return;
      const p = parse(d);
      const [[mono, coef]] = p.size === 1 ? [...p] : [["", 0]];
      if (coef === 1 && /^[A-Za-z_]\w*$/.test(mono) && env[mono] === undefined) env[mono] = t.shape[i];
    });
    declared.forEach((d, i) => {
      let v: number;
      try {
        v = evalDim(d, env);
      } catch {
        return wrong(); // a dim no input binds on its own
      }
      if (v !== t.shape[i]) wrong();
    });
  }
  return env;
}
