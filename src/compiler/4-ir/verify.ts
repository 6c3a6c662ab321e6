/** Check an IR independently of how it was built: schema, references, and every node's shape rule. */
import { diag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { opDef } from "../ops/table.ts";
import { showShape } from "../ops/rule-helpers.ts";
import { isRuleError, type TT } from "../ops/types.ts";
import * as P from "../0-core/dim.ts";
import { ModelIR } from "../0-core/schema.ts";

export function verifyIr(input: unknown): { value?: ModelIR; diagnostics: Diagnostic[] } {
  const parsed = ModelIR.safeParse(input);
  if (!parsed.success)
    return {
      diagnostics: [
        diag(
          "ir_invalid",
          undefined,
          parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join(".")}: ${i.message}`)
            .join("; "),
        ),
      ],
    };
  const ir = parsed.data;
  const out: Diagnostic[] = [];
  const bad = (why: string) => out.push(diag("ir_invalid", undefined, why));
  const params = new Map(ir.params.map((p) => [p.path, p]));
  const modules = new Set(ir.modules.map((m) => m.path));
  const types: TT[] = [];
  for (const [i, n] of ir.graph.nodes.entries()) {
    if (n.id !== i) bad(`node ${i} has id ${n.id}`);
    if (n.args.some((a) => a < 0 || a >= i)) bad(`node %${i} uses a later or missing value`);
    if (!modules.has(n.scope)) bad(`node %${i} belongs to unknown module \`${n.scope}\``);
    const type: TT = { dtype: n.type.dtype, shape: n.type.shape.map((d) => P.parse(d)) };
    types.push(type);
    if (n.op === "param") {
      const p = params.get(String(n.attrs.path));
      if (!p) bad(`node %${i} reads unknown parameter \`${n.attrs.path}\``);
      else if (p.shape.join() !== n.type.shape.join())
        bad(`node %${i}: parameter \`${p.path}\` is [${p.shape}] but the node says [${n.type.shape}]`);
      continue;
    }
    const def = opDef(n.op);
    if (!def.shape) continue;
    const attrs: Record<string, unknown> = { ...n.attrs };
    for (const k of def.dims) attrs[k] = (attrs[k] as (string | number)[]).map((d) => P.parse(d));
    const r = def.shape(
      n.args.map((a) => types[a]),
      attrs,
      n.op,
    );
    if (isRuleError(r)) bad(`node %${i} (${n.op}): ${r.code} ${r.args.join(" ")}`);
    else if (
      r.dtype !== type.dtype ||
      r.shape.length !== type.shape.length ||
      r.shape.some((d, j) => !P.equal(d, type.shape[j]))
    ) {
      bad(
        `node %${i} (${n.op}) is typed ${type.dtype}${showShape(type.shape)} but its rule gives ${r.dtype}${showShape(r.shape)}`,
      );
    }
  }
  for (const port of [...ir.graph.inputs, ...ir.graph.outputs]) {
    if (port.value < 0 || port.value >= ir.graph.nodes.length) bad(`port \`${port.name}\` refers to a missing node`);
  }
  const dead = unreachableNodes(ir);
  if (dead.length)
    bad(
      `${dead.length} node${dead.length === 1 ? "" : "s"} no output depends on: ${dead
        .slice(0, 5)
        .map((i) => `%${i} (${ir.graph.nodes[i].op})`)
        .join(", ")}${dead.length > 5 ? ", ..." : ""}`,
    );
  for (const m of ir.modules) {
    for (const c of m.children) if (!modules.has(c)) bad(`module \`${m.path}\` has unknown child \`${c}\``);
    for (const p of m.params) if (!params.has(p)) bad(`module \`${m.path}\` has unknown parameter \`${p}\``);
  }
  return { value: ir, diagnostics: out };
}

/** Nodes that are neither a graph input nor used, directly or not, by a graph or module-call output (build.ts removes them). */
export function unreachableNodes(ir: ModelIR): number[] {
  const nodes = ir.graph.nodes;
  const used = nodes.map((n) => n.op === "input");
  for (const o of [...ir.graph.outputs, ...ir.graph.calls.flatMap((c) => c.outputs)])
    if (o.value >= 0 && o.value < nodes.length) used[o.value] = true;
  // args point backwards, so one reverse sweep marks everything an output reaches
  for (let i = nodes.length - 1; i >= 0; i--)
    if (used[i]) for (const a of nodes[i].args) if (a >= 0 && a < i) used[a] = true;
  return used.flatMap((u, i) => (u ? [] : [i]));
}
