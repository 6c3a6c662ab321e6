/**
 * One op and its gradient as a small IR of its own: inputs `x0`, `x1`, ... (the operands) and `g` (a
 * cotangent of the value), outputs `y` (the value) and `dx<i>` for each f32 operand, the VJP that the
 * backward pass builds for sum(y * g). Per-op tests run it on every engine against float64 references.
 */
import { IR_VERSION, type ModelIR, type TensorType } from "../0-core/schema.ts";
import type { OpName } from "../ops/table.ts";
import type { GV } from "../ops/types.ts";
import { backward } from "./backward.ts";
import { GraphBuilder } from "./emit.ts";
import { pruneIr } from "./prune.ts";

export function opVjpIr(op: OpName, args: readonly TensorType[], attrs: Record<string, unknown>): ModelIR {
  const b = new GraphBuilder([]);
  const xs = args.map((t, i) => b.input(`x${i}`, t.dtype, t.shape));
  const y = b.op(op, xs, attrs);
  const ports = (vs: { name: string; v: GV }[]) =>
    vs.map(({ name, v }) => ({ name, value: v.id, type: { dtype: v.dtype, shape: v.shape } }));
  const inputs = xs.map((v, i) => ({ name: `x${i}`, v }));
  const outputs = [{ name: "y", v: y }];
  if (y.dtype === "f32") {
    const g = b.input("g", "f32", y.shape);
    inputs.push({ name: "g", v: g });
    const loss = b.op("sum", [b.op("mul", [y, g])], { axes: y.shape.map((_, i) => i), keepdims: false });
    const wrt = new Set(xs.filter((x) => x.dtype === "f32").map((x) => x.id));
    const grads = backward(b, loss.id, wrt);
    xs.forEach((x, i) => {
      if (!wrt.has(x.id)) return;
      // an operand the value does not depend on has a zero cotangent
      outputs.push({
        name: `dx${i}`,
        v: grads.get(x.id) ?? b.op("fill", [], { shape: x.shape, value: 0, dtype: "f32" }),
      });
    });
  }
  const symbols = [...new Set(args.flatMap((t) => t.shape.filter((d): d is string => typeof d === "string")))];
  return pruneIr({
    irVersion: IR_VERSION,
    model: `${op}_vjp`,
    file: `<${op}>`,
    hyper: [],
    symbols,
    modules: [{ path: "", block: `${op}_vjp`, hyper: {}, params: [], children: [] }],
    params: [],
    graph: { inputs: ports(inputs), outputs: ports(outputs), nodes: b.nodes, calls: [] },
  });
}
