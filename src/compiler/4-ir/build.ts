/** Phase 4: package the checked model (instance tree + graph) as the versioned IR. */
import { diag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { GraphBuilder } from "../3-check/graph.ts";
import type { HyperInfo, Instance } from "../3-check/instance.ts";
import { asPoly, show, type TensorVal, type Value } from "../3-check/values.ts";
import type { Span } from "../source.ts";
import * as P from "./dim.ts";
import { IR_VERSION, type HyperValue, type Loc, type ModelIR, type Module, type Node, type Param } from "./schema.ts";

export interface BuildInput {
  model: string;
  file: string;
  preset?: string;
  hyper: HyperInfo[];
  root: Instance;
  graph: GraphBuilder;
  outputs: { name: string; value: TensorVal }[];
}

const loc = (s: Span | undefined): Loc | undefined => (s ? { file: s.file, start: s.start, end: s.end } : undefined);
const staticValue = (v: Value): HyperValue => (v.k === "num" ? v.v : v.k === "bool" ? v.v : v.k === "str" ? v.v : show(v));
const dimsToIr = (s: readonly P.Poly[]) => s.map(P.dimToIr);

export function buildIr(input: BuildInput): { value: ModelIR; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const modules: Module[] = [];
  const params: Param[] = [];
  const seen = new Map<string, Span>();

  const walk = (inst: Instance, optional: boolean): void => {
    const m: Module = {
      path: inst.path,
      block: inst.kind === "block" ? inst.blockName : inst.kind,
      hyper: Object.fromEntries([...inst.hyper].map(([k, v]) => [k, staticValue(v)])),
      params: [],
      children: [],
    };
    if (optional) m.optional = true;
    if (inst.recompute) m.recompute = true;
    if (inst.replaced) m.replaced = { from: inst.replaced.from, by: inst.replaced.by };
    const l = loc(inst.span);
    if (l) m.loc = l;
    modules.push(m);
    for (const name of inst.memberOrder) {
      const p = inst.params.get(name);
      if (p) {
        const prev = seen.get(p.key);
        if (prev) {
          diagnostics.push(diag("duplicate_definition", p.span, "parameter key", p.key));
          continue;
        }
        seen.set(p.key, p.span);
        const shape = p.shape.map((d) => P.asConstant(asPoly(d) ?? P.constant(0)) ?? 0);
        params.push({ path: p.key, shape, dtype: p.dtype, init: p.init, loc: loc(p.span) });
        m.params.push(p.key);
        continue;
      }
      const child = inst.members.get(name);
      if (child) {
        m.children.push(child.path);
        walk(child, inst.optional.has(name));
      }
    }
  };
  walk(input.root, false);

  const nodes: Node[] = input.graph.nodes.map((n) => {
    const attrs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n.attrs)) {
      if (k === "__op") continue;
      attrs[k] = Array.isArray(v) && v.length > 0 && v[0] instanceof Map ? dimsToIr(v as P.Poly[]) : Array.isArray(v) && v.length === 0 && (k === "shape" || k === "begin" || k === "size") ? [] : v;
    }
    const node: Node = { id: n.id, op: n.op, args: n.args, attrs, type: { dtype: n.dtype, shape: dimsToIr(n.shape) }, scope: n.scope };
    const l = loc(n.span);
    if (l) node.loc = l;
    return node;
  });
  const typeOf = (id: number) => nodes[id].type;
  const ir: ModelIR = {
    irVersion: IR_VERSION,
    model: input.model,
    file: input.file,
    ...(input.preset ? { preset: input.preset } : {}),
    hyper: input.hyper.map((h) => ({ name: h.name, type: h.type, value: staticValue(h.value), source: h.source, ...(h.origin ? { origin: h.origin } : {}) })),
    symbols: [...input.graph.symbols],
    modules,
    params,
    graph: {
      inputs: input.graph.inputs.map((i) => ({ name: i.name, value: i.value, type: typeOf(i.value) })),
      outputs: input.outputs.map((o) => ({ name: o.name, value: o.value.id, type: typeOf(o.value.id) })),
      nodes,
      calls: input.graph.calls.map((c) => ({ scope: c.scope, inputs: c.inputs, outputs: c.outputs })),
    },
  };
  return { value: ir, diagnostics };
}
