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
import type { Dim, ModelIR, Node, NodeOf, OpName } from "../../compiler/0-core/schema.ts";
import { opNames, traitsOf } from "../../compiler/ops/table.ts";

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

/** The first `L` ids of each of `count` rows of `context` ids. */
export function shortenIds(ids: Int32Array, count: number, context: number, L: number): Int32Array {
  if (L >= context) return ids;
  const out = new Int32Array(count * L);
  for (let r = 0; r < count; r++) out.set(ids.subarray(r * context, r * context + L), r * L);
  return out;
}

/** Where the token axis goes through one node, and the node's rewritten attributes and arguments. */
interface Step {
  p: number | undefined;
  attrs?: Node["attrs"];
  args?: number[];
}
interface Walk {
  n: Node;
  /** The token axis of each argument (undefined: the argument does not carry it). */
  ax: (number | undefined)[];
  args: number[];
  rank: number;
  C: number;
  L: number;
  input: number;
  byId: Map<number, Node>;
  cut: (shape: readonly Dim[], p: number) => Dim[];
  add: (n: Omit<Node, "id">) => number;
}
/** undefined: the axis cannot be followed through this node, so the graph is not cut. */
type AxisRule = (w: Walk) => Step | undefined;

const onlyFirst = (w: Walk) => w.ax.slice(1).every((a) => a === undefined);
const featureWise: AxisRule = (w) => (!onlyFirst(w) || w.ax[0] === w.rank - 1 ? undefined : { p: w.ax[0] });

/** Operands right-aligned; a positional table (a param whose aligned dim is C) is sliced to L. */
const positionWise: AxisRule = (w) => {
  const rankOf = (i: number) => w.byId.get(w.n.args[i])!.type.shape.length;
  const first = w.ax.findIndex((a) => a !== undefined);
  const fromEnd = rankOf(first) - w.ax[first]!;
  const args = w.args.map((a, i) => {
    if (w.ax[i] !== undefined) return rankOf(i) - w.ax[i]! === fromEnd ? a : -1;
    const arg = w.byId.get(w.n.args[i])!;
    const d = arg.type.shape[arg.type.shape.length - fromEnd];
    if (d === undefined || d === 1) return a;
    if (d !== w.C || arg.op !== "param") return -1;
    const q = arg.type.shape.length - fromEnd;
    const begin = arg.type.shape.map(() => 0);
    const shape = w.cut(arg.type.shape, q);
    return w.add({
      op: "slice",
      args: [a],
      attrs: { begin, size: shape },
      type: { ...arg.type, shape },
      scope: w.n.scope,
    } as Omit<Node, "id">);
  });
  return args.includes(-1) ? undefined : { p: w.rank - fromEnd, args };
};

const attrsOf = <O extends OpName>(n: Node, _op: O) => n.attrs as NodeOf<O>["attrs"];

// ops that keep positions apart by their traits; the ops below move the axis, each by its own rule
const rules: Partial<Record<OpName, AxisRule>> = {
  ...Object.fromEntries(opNames.filter((op) => traitsOf(op).pointwise).map((op) => [op, positionWise])),
  ...Object.fromEntries(opNames.filter((op) => traitsOf(op).lastAxis).map((op) => [op, featureWise])),
  gather: (w) => (w.ax[0] !== undefined ? undefined : { p: w.ax[1] }),
  transpose: (w) => ({ p: attrsOf(w.n, "transpose").perm.indexOf(w.ax[0]!) }),
  reshape: (w) => {
    const from = w.byId.get(w.n.args[0])!.type.shape;
    const to = attrsOf(w.n, "reshape").shape;
    const q = w.ax[0]!;
    if (from.slice(0, q + 1).join() !== to.slice(0, q + 1).join()) return undefined;
    return { p: q, attrs: { shape: w.cut(to, q) } };
  },
  slice: (w) => {
    const q = w.ax[0]!;
    const { begin, size } = attrsOf(w.n, "slice");
    if (begin[q] !== 0 || (size[q] !== w.C && size[q] !== -1)) return undefined;
    return { p: q, attrs: { begin, size: w.cut(size, q) } };
  },
  attention: (w) => {
    const qn = w.byId.get(w.n.args[0])!.type.shape.length - 2;
    const km = w.byId.get(w.n.args[1])!.type.shape.length - 2;
    if (!attrsOf(w.n, "attention").causal || w.ax[0] !== qn || w.ax[1] !== km || w.ax[2] !== km) return undefined;
    return { p: qn };
  },
  // the end-token pooling: argmax of the ids over positions, then that row of each sequence
  argmax: (w) => {
    const axis = attrsOf(w.n, "argmax").axis;
    return w.n.args[0] === w.input && (axis === 1 || axis === -1) ? { p: undefined } : undefined;
  },
  gather_rows: (w) => (w.ax[0] !== 1 || w.ax[1] !== undefined ? undefined : { p: undefined }),
};

export function truncateContext(ir: ModelIR, input: string, L: number): ModelIR | undefined {
  const port = ir.graph.inputs.find((p) => p.name === input);
  const C = port?.type.shape[1];
  if (!port || port.type.shape.length !== 2 || typeof C !== "number" || L >= C) return undefined;
  const byId = new Map(ir.graph.nodes.map((n) => [n.id, n]));
  const axis = new Map<number, number>(); // old node id -> position of the token axis
  const nodes: Node[] = [];
  const renum = new Map<number, number>();
  const cut = (shape: readonly Dim[], p: number): Dim[] => shape.map((d, i) => (i === p ? L : d));
  const add = (n: Omit<Node, "id">) => nodes.push({ ...n, id: nodes.length } as Node) - 1;

  for (const n of ir.graph.nodes) {
    const ax = n.args.map((a) => axis.get(a));
    let args = n.args.map((a) => renum.get(a)!);
    let attrs = n.attrs;
    let p: number | undefined;
    const rank = n.type.shape.length;
    if (n.op === "input" && n.attrs.name === input) p = 1;
    else if (ax.some((a) => a !== undefined)) {
      const rule = rules[n.op];
      const step: Step | undefined = rule?.({ n, ax, args, rank, C, L, input: port.value, byId, cut, add });
      if (!step) return undefined;
      p = step.p;
      attrs = step.attrs ?? attrs;
      args = step.args ?? args;
    }
    if (p !== undefined && n.type.shape[p] !== C) return undefined;
    if (p !== undefined) axis.set(n.id, p);
    const type = p === undefined ? n.type : { ...n.type, shape: cut(n.type.shape, p) };
    renum.set(n.id, add({ ...n, args, attrs, type } as Omit<Node, "id">));
  }
  if (ir.graph.outputs.some((o) => axis.has(o.value))) return undefined;
  const re = <T extends { value: number }>(x: T) => ({ ...x, value: renum.get(x.value)! });
  return {
    ...ir,
    graph: {
      inputs: ir.graph.inputs.map((x) =>
        x.name === input ? { ...re(x), type: { ...x.type, shape: [x.type.shape[0], L] } } : re(x),
      ),
      outputs: ir.graph.outputs.map(re),
      nodes,
      calls: [],
    },
  };
}
