/**
 * Dead-code elimination: the nodes the outputs depend on, renumbered densely in their order; inputs nothing
 * reads leave the graph's ports, and module calls that lost a node are dropped. A training step built on a
 * whole model keeps only what the loss and the gradients need.
 */
import type { ModelIR, Node } from "../0-core/schema.ts";

export function pruneIr(ir: ModelIR): ModelIR {
  const nodes = ir.graph.nodes;
  const live = new Set(ir.graph.outputs.map((o) => o.value));
  for (let i = nodes.length - 1; i >= 0; i--) if (live.has(i)) for (const a of nodes[i].args) live.add(a);
  const renum = new Map<number, number>();
  const kept: Node[] = [];
  for (const n of nodes) {
    if (!live.has(n.id)) continue;
    renum.set(n.id, kept.length);
    kept.push({ ...n, id: kept.length, args: n.args.map((a) => renum.get(a)!) } as Node);
  }
  const port = <P extends { value: number }>(p: P): P => ({ ...p, value: renum.get(p.value)! });
  const calls = ir.graph.calls
    .filter((c) => c.inputs.every((i) => renum.has(i)) && c.outputs.every((o) => renum.has(o.value)))
    .map((c) => ({ ...c, inputs: c.inputs.map((i) => renum.get(i)!), outputs: c.outputs.map(port) }));
  const inputs = ir.graph.inputs.filter((p) => renum.has(p.value)).map(port);
  const read = new Set(kept.flatMap((n) => (n.op === "param" ? [n.attrs.path] : [])));
  return {
    ...ir,
    params: ir.params.filter((p) => read.has(p.path)),
    graph: { inputs, outputs: ir.graph.outputs.map(port), nodes: kept, calls },
  };
}
