/**
 * Parameters and multiply-accumulates per module instance and in total. MACs count matmuls and
 * convolutions only (the convention of the X-CLIP README's "FLOPs" column; each op's count is its
 * op-table entry's `macs`); batch symbols are 1 unless given, so a model with inputs [B, ...] and [K, ...] is costed for one video and one text.
 */
import { opDef } from "../ops/table.ts";
import * as P from "../0-core/dim.ts";
import type { ModelIR, Node, TensorType } from "../0-core/schema.ts";

export interface ModuleStats {
  path: string;
  block: string;
  depth: number;
  params: number;
  macs: number;
  output?: TensorType;
}

const dims = (shape: readonly (string | number)[], env: Record<string, number>) => shape.map((d) => P.evalDim(d, env));

/** A node's multiply-accumulates, by its op-table entry's cost formula. */
export function nodeMacs(n: Node, nodes: readonly Node[], env: Record<string, number>): number {
  const macs = opDef(n.op).macs;
  if (macs === 0) return 0;
  return macs({
    out: dims(n.type.shape, env),
    args: n.args.map((a) => dims(nodes[a].type.shape, env)),
    attrs: n.attrs,
  });
}

export function analyze(
  ir: ModelIR,
  symbols: Record<string, number> = {},
): { total: { params: number; macs: number }; modules: ModuleStats[] } {
  const env: Record<string, number> = Object.fromEntries(ir.symbols.map((s) => [s, symbols[s] ?? 1]));
  const paramSize = new Map(ir.params.map((p) => [p.path, p.shape.reduce((a, b) => a * b, 1)]));
  const byPath = new Map(ir.modules.map((m) => [m.path, m]));
  const macsByScope = new Map<string, number>();
  for (const n of ir.graph.nodes) {
    const m = nodeMacs(n, ir.graph.nodes, env);
    if (m) macsByScope.set(n.scope, (macsByScope.get(n.scope) ?? 0) + m);
  }
  const firstOutput = new Map<string, TensorType>();
  for (const c of ir.graph.calls)
    if (!firstOutput.has(c.scope) && c.outputs[0]) firstOutput.set(c.scope, ir.graph.nodes[c.outputs[0].value].type);

  const stats: ModuleStats[] = [];
  const visit = (path: string, depth: number): { params: number; macs: number } => {
    const m = byPath.get(path)!;
    const row: ModuleStats = { path, block: m.block, depth, params: 0, macs: macsByScope.get(path) ?? 0 };
    const out = firstOutput.get(path);
    if (out) row.output = out;
    stats.push(row);
    for (const p of m.params) row.params += paramSize.get(p) ?? 0;
    for (const c of m.children) {
      const s = visit(c, depth + 1);
      row.params += s.params;
      row.macs += s.macs;
    }
    return row;
  };
  const total = visit("", 0);
  return { total: { params: total.params, macs: total.macs }, modules: stats };
}
