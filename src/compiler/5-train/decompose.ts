/**
 * Decomposition as a pass (torch._decomp, ONNX's function bodies): a node whose op the engine keeps is copied;
 * a node of any other op with a decomposition (its op-table entry's `decompose`) becomes that small graph of other
 * ops of the table, decomposed in turn where the engine does not keep those either (attention -> attention_probs ->
 * matmul, softmax, the causal mask). It runs on the graph an engine is about to lower, a training step included,
 * so the backward was built from the fused op's own VJP: one node per op to differentiate, and a VJP that
 * recomputes the probabilities rather than keeping every intermediate of the decomposition.
 * Beside the gradient builder because it builds with it (emit.ts), so the new nodes are typed by their ops' own rules.
 */
import type { ModelIR, Node } from "../0-core/schema.ts";
import { invariant } from "../diagnostics/diagnostic.ts";
import { sameShape } from "../ops/grad.ts";
import { opDef, type OpName } from "../ops/table.ts";
import type { GradEmitter, GV } from "../ops/types.ts";
import { GraphBuilder } from "./emit.ts";

/** The graph, and the new id of each node of the given one (where its value now is). */
export interface Decomposed {
  ir: ModelIR;
  idOf: readonly number[];
}

/** Decompositions that call themselves, directly or not, would not end: no op table needs more levels than this. */
const MAX_DEPTH = 8;

export function decompose(ir: ModelIR, keep: (op: OpName) => boolean): Decomposed {
  const nodes = ir.graph.nodes;
  const replaced = (op: OpName) => !keep(op) && opDef(op).decompose !== undefined;
  if (!nodes.some((n) => replaced(n.op))) return { ir, idOf: nodes.map((n) => n.id) };
  const b = new GraphBuilder([]);
  const idOf: number[] = [];

  const expand = (op: OpName, args: readonly GV[], attrs: Record<string, unknown>, depth: number): GV => {
    const rule = opDef(op).decompose;
    if (!rule || keep(op)) return b.op(op, args, attrs);
    invariant(
      depth < MAX_DEPTH,
      `the decomposition of ${op} is ${MAX_DEPTH} levels deep: a decomposition that reaches its own op`,
    );
    const e: GradEmitter = {
      op: (o, a, at = {}) => expand(o as OpName, a, at, depth + 1),
      scalar: (v, dtype) => b.scalar(v, dtype),
    };
    return rule({ e, attrs: opDef(op).attrs.parse(attrs) as Record<string, unknown>, args });
  };

  for (const n of nodes) {
    const args = n.args.map((a) => idOf[a]);
    if (!replaced(n.op)) {
      idOf[n.id] = b.nodes.length;
      b.nodes.push({ ...n, id: b.nodes.length, args } as Node);
      continue;
    }
    b.scope = n.scope;
    const first = b.nodes.length;
    const v = expand(
      n.op,
      args.map((a) => b.value(a)),
      n.attrs as Record<string, unknown>,
      0,
    );
    invariant(
      v.dtype === n.type.dtype && sameShape(v.shape, n.type.shape),
      `the decomposition of ${n.op} (node %${n.id}) gives ${v.dtype}[${v.shape}] for ${n.type.dtype}[${n.type.shape}]`,
    );
    // the new nodes answer for the source the op came from
    if (n.loc) for (let i = first; i < b.nodes.length; i++) b.nodes[i] = { ...b.nodes[i], loc: n.loc };
    idOf[n.id] = v.id;
  }

  const port = <P extends { value: number }>(p: P): P => ({ ...p, value: idOf[p.value] });
  const calls = ir.graph.calls.map((c) => ({
    ...c,
    inputs: c.inputs.map((i) => idOf[i]),
    outputs: c.outputs.map(port),
  }));
  const graph = { inputs: ir.graph.inputs.map(port), outputs: ir.graph.outputs.map(port), nodes: b.nodes, calls };
  return { ir: { ...ir, graph }, idOf };
}
