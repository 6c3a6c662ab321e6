/**
 * Reverse-mode differentiation of an IR graph (JAX's transpose of the linearised program, in its simplest
 * form): walk the nodes from the loss back, and at each node that lies between a parameter to train and the
 * loss, ask its op-table entry for the VJP. Cotangents of a value read twice are added. Nothing is emitted for
 * nodes off that path, so a frozen tower or an integer input costs no backward work.
 */
import type { Node } from "../0-core/schema.ts";
import { invariant } from "../diagnostics/diagnostic.ts";
import { sameShape } from "../ops/grad.ts";
import { opDef } from "../ops/table.ts";
import type { GV } from "../ops/types.ts";
import type { GraphBuilder } from "./emit.ts";

/** The cotangent of `loss` (a scalar node) at each node of `wrt`, where it depends on it at all. */
export function backward(b: GraphBuilder, loss: number, wrt: ReadonlySet<number>): Map<number, GV> {
  const nodes = b.nodes.slice(0, loss + 1);
  invariant(nodes[loss].type.shape.length === 0 && nodes[loss].type.dtype === "f32", "the loss must be an f32 scalar");
  // varies: f32 values that depend on something in wrt; needed: those the loss depends on in turn
  const varies = new Set<number>();
  for (const n of nodes)
    if (n.type.dtype === "f32" && (wrt.has(n.id) || n.args.some((a) => varies.has(a)))) varies.add(n.id);
  const needed = new Set<number>([loss]);
  for (let i = loss; i >= 0; i--)
    if (needed.has(i) && varies.has(i)) for (const a of nodes[i].args) if (varies.has(a)) needed.add(a);
  const ct = new Map<number, GV>();
  if (!varies.has(loss)) return ct;
  ct.set(loss, b.scalar(1));
  for (let i = loss; i >= 0; i--) {
    const n = nodes[i];
    const g = ct.get(i);
    if (!g || wrt.has(i) || !needed.has(i)) continue;
    const rule = opDef(n.op).grad;
    if ("nondifferentiable" in rule)
      invariant(
        false,
        `node %${i} (${n.op}) lies between a trained parameter and the loss but has no gradient: ${rule.nondifferentiable}`,
      );
    const needs = n.args.map((a) => needed.has(a));
    b.scope = n.scope;
    const gs = rule.vjp({
      e: b,
      attrs: n.attrs as Record<string, unknown>,
      args: n.args.map((a) => b.value(a)),
      out: b.value(i),
      g,
      needs,
    });
    n.args.forEach((a, j) => {
      const d = gs[j];
      if (!needs[j] || !d) return;
      checkCotangent(n, j, d, b.value(a));
      const prev = ct.get(a);
      ct.set(a, prev ? b.op("add", [prev, d]) : d);
    });
  }
  return new Map([...wrt].flatMap((id) => (ct.has(id) ? [[id, ct.get(id)!] as const] : [])));
}

function checkCotangent(n: Node, j: number, d: GV, x: GV): void {
  if (d.dtype !== x.dtype || !sameShape(d.shape, x.shape))
    invariant(
      false,
      `the VJP of ${n.op} (node %${n.id}) gives operand ${j} a cotangent ${d.dtype}[${d.shape}] for a value ${x.dtype}[${x.shape}]`,
    );
}
