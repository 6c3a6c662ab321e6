/**
 * The shortest text context, made exact by proof. With a causal mask, the value at token i depends only
 * on tokens 0..i, so the features pooled at each text's end token are the same when every sequence is cut
 * after the last end token of the batch. `truncateContext` rewrites a graph to run on the first L tokens,
 * and only when it can follow the token axis from the input through ops that keep positions apart:
 * position-wise ops (elementwise, linear, layer_norm over the features), reshapes and transposes that keep
 * the axis, full slices of it, attention over it with causal=true, and a positional table added to it (sliced
 * to L). The axis may leave the graph only through argmax + gather_rows (the end-token pooling), so no
 * output keeps it. Anything else (an unmasked attention, a reduction over positions...) returns undefined.
 */
import type { Dim, ModelIR, Node } from "../../compiler/4-ir/schema.ts";

const POSITIONWISE = new Set(["add", "sub", "mul", "div", "pow", "maximum", "minimum", "neg", "exp", "log", "sqrt", "rsqrt", "sigmoid", "tanh", "relu", "gelu", "abs", "cast", "dropout"]);

/** End position + 1 of each row's largest id (the end token), the length that keeps every one of them. */
export function neededContext(ids: ArrayLike<number>, count: number, context: number): number {
  let need = 1;
  for (let r = 0; r < count; r++) {
    let best = 0;
    for (let i = 1; i < context; i++) if (ids[r * context + i] > ids[r * context + best]) best = i;
    need = Math.max(need, best + 1);
  }
  return need;
}

export function truncateContext(ir: ModelIR, input: string, L: number): ModelIR | undefined {
  const port = ir.graph.inputs.find((p) => p.name === input);
  const C = port?.type.shape[1];
  if (!port || port.type.shape.length !== 2 || typeof C !== "number" || L >= C) return undefined;
  const byId = new Map(ir.graph.nodes.map((n) => [n.id, n]));
  const axis = new Map<number, number>(); // old node id -> position of the token axis
  const nodes: Node[] = [];
  const renum = new Map<number, number>();
  const cut = (shape: readonly Dim[], p: number): Dim[] => shape.map((d, i) => (i === p ? L : d));
  const add = (n: Omit<Node, "id">) => nodes.push({ ...n, id: nodes.length }) - 1;

  for (const n of ir.graph.nodes) {
    const ax = n.args.map((a) => axis.get(a));
    let args = n.args.map((a) => renum.get(a)!);
    let attrs = n.attrs;
    let p: number | undefined;
    const rank = n.type.shape.length;
    if (n.op === "input" && n.attrs.name === input) p = 1;
    else if (ax.some((a) => a !== undefined)) {
      const onlyFirst = ax.slice(1).every((a) => a === undefined);
      switch (n.op) {
        case "linear":
        case "layer_norm":
          if (!onlyFirst || ax[0] === rank - 1) return undefined;
          p = ax[0];
          break;
        case "gather":
          if (ax[0] !== undefined) return undefined;
          p = ax[1];
          break;
        case "transpose":
          p = (n.attrs.perm as number[]).indexOf(ax[0]!);
          break;
        case "reshape": {
          const from = byId.get(n.args[0])!.type.shape;
          const to = n.attrs.shape as Dim[];
          const q = ax[0]!;
          if (from.slice(0, q + 1).join() !== to.slice(0, q + 1).join()) return undefined;
          p = q;
          attrs = { ...attrs, shape: cut(to, q) };
          break;
        }
        case "slice": {
          const q = ax[0]!;
          const begin = n.attrs.begin as Dim[];
          const size = n.attrs.size as Dim[];
          if (begin[q] !== 0 || (size[q] !== C && size[q] !== -1)) return undefined;
          p = q;
          attrs = { ...attrs, size: cut(size, q) };
          break;
        }
        case "attention": {
          const qn = byId.get(n.args[0])!.type.shape.length - 2;
          const km = byId.get(n.args[1])!.type.shape.length - 2;
          if (!n.attrs.causal || ax[0] !== qn || ax[1] !== km || ax[2] !== km) return undefined;
          p = qn;
          break;
        }
        case "argmax":
        case "gather_rows":
          // the end-token pooling: argmax of the ids over positions, then that row of each sequence
          if (n.op === "argmax" && !(n.args[0] === port.value && ((n.attrs.axis as number) === 1 || (n.attrs.axis as number) === -1))) return undefined;
          if (n.op === "gather_rows" && (ax[0] !== 1 || ax[1] !== undefined)) return undefined;
          p = undefined;
          break;
        default: {
          if (!POSITIONWISE.has(n.op)) return undefined;
          // operands right-aligned; a positional table (a param whose aligned dim is C) is sliced to L
          const rankOf = (i: number) => byId.get(n.args[i])!.type.shape.length;
          const first = ax.findIndex((a) => a !== undefined);
          const fromEnd = rankOf(first) - ax[first]!;
          p = rank - fromEnd;
          args = args.map((a, i) => {
            if (ax[i] !== undefined) return rankOf(i) - ax[i]! === fromEnd ? a : -1;
            const arg = byId.get(n.args[i])!;
            const d = arg.type.shape[arg.type.shape.length - fromEnd];
            if (d === undefined || d === 1) return a;
            if (d !== C || arg.op !== "param") return -1;
            const q = arg.type.shape.length - fromEnd;
            const begin = arg.type.shape.map(() => 0);
            return add({ op: "slice", args: [a], attrs: { begin, size: cut(arg.type.shape, q) }, type: { ...arg.type, shape: cut(arg.type.shape, q) }, scope: n.scope });
          });
          if (args.includes(-1)) return undefined;
        }
      }
    }
    if (p !== undefined && n.type.shape[p] !== C) return undefined;
    if (p !== undefined) axis.set(n.id, p);
    const type = p === undefined ? n.type : { ...n.type, shape: cut(n.type.shape, p) };
    renum.set(n.id, add({ ...n, args, attrs, type }));
  }
  if (ir.graph.outputs.some((o) => axis.has(o.value))) return undefined;
  const re = <T extends { value: number }>(x: T) => ({ ...x, value: renum.get(x.value)! });
  return {
    ...ir,
    graph: {
      inputs: ir.graph.inputs.map((x) => (x.name === input ? { ...re(x), type: { ...x.type, shape: [x.type.shape[0], L] } } : re(x))),
      outputs: ir.graph.outputs.map(re),
      nodes,
      calls: [],
    },
  };
}
