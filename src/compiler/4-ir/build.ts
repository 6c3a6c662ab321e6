/**
 * Phase 4: package the checked model (instance tree + graph) as the versioned IR, dropping the
 * nodes no output needs. This is the one file of 4-ir/ that reads 3-check/ (the checker's output); the
 * rest of 4-ir/ (verify, analyze, print, ...) reads the IR only (test/architecture/layers.ts).
 */
import { diag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import type { GraphBuilder } from "../3-check/graph.ts";
import { asPoly, show, type HyperInfo, type Instance, type TensorVal, type Value } from "../3-check/values.ts";
import type { Span } from "../source.ts";
import { opDef } from "../ops/table.ts";
import * as P from "../0-core/dim.ts";
import {
  IR_VERSION,
  type HyperValue,
  type Loc,
  type ModelIR,
  type Module,
  type Node,
  type Param,
} from "../0-core/schema.ts";

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
const staticValue = (v: Value): HyperValue =>
  v.k === "num" ? v.v : v.k === "bool" ? v.v : v.k === "str" ? v.v : show(v);
const dimsToIr = (s: readonly P.Poly[]) => s.map(P.dimToIr);

/**
 * Dead-code elimination: the nodes that the graph's outputs or a module call's outputs depend on, plus
 * every graph input. A module's outputs stay even when nothing reads them (X-CLIP's patch tokens in a
 * variant without the prompt generator): they are the module's interface, which summary and diff
 * report; what goes is a value a forward body computes and never returns.
 */
function liveNodes(nodes: readonly { id: number; op: string; args: number[] }[], outputs: number[]): boolean[] {
  const live = nodes.map((n) => n.op === "input");
  const stack = [...outputs];
  while (stack.length) {
    const i = stack.pop()!;
    if (live[i] && nodes[i].op !== "input") continue;
    live[i] = true;
    for (const a of nodes[i].args) if (!live[a]) stack.push(a);
  }
  return live;
}

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

  const live = liveNodes(input.graph.nodes, [
    ...input.outputs.map((o) => o.value.id),
    ...input.graph.calls.flatMap((c) => c.outputs.map((o) => o.value)),
  ]);
  const newId = new Map<number, number>();
  const nodes: Node[] = [];
  for (const n of input.graph.nodes) {
    if (!live[n.id]) continue;
    const attrs: Record<string, unknown> = { ...n.attrs };
    for (const k of opDef(n.op).dims) attrs[k] = dimsToIr(attrs[k] as P.Poly[]);
    newId.set(n.id, nodes.length);
    // the attributes follow the op's schema by construction; verifyIr parses them
    const node = {
      id: nodes.length,
      op: n.op,
      args: n.args.map((a) => newId.get(a)!),
      attrs,
      type: { dtype: n.dtype, shape: dimsToIr(n.shape) },
      scope: n.scope,
    } as Node;
    const l = loc(n.span);
    if (l) node.loc = l;
    nodes.push(node);
  }
  const id = (old: number) => newId.get(old)!;
  const typeOf = (old: number) => nodes[id(old)].type;
  const ir: ModelIR = {
    irVersion: IR_VERSION,
    model: input.model,
    file: input.file,
    ...(input.preset ? { preset: input.preset } : {}),
    hyper: input.hyper.map((h) => ({
      name: h.name,
      type: h.type,
      value: staticValue(h.value),
      source: h.source,
      ...(h.origin ? { origin: h.origin } : {}),
    })),
    symbols: [...input.graph.symbols],
    modules,
    params,
    graph: {
      inputs: input.graph.inputs.map((i) => ({ name: i.name, value: id(i.value), type: typeOf(i.value) })),
      outputs: input.outputs.map((o) => ({ name: o.name, value: id(o.value.id), type: typeOf(o.value.id) })),
      nodes,
      // a call input nothing inside the module used is left out with its node
      calls: input.graph.calls.map((c) => ({
        scope: c.scope,
        inputs: c.inputs.filter((v) => newId.has(v)).map(id),
        outputs: c.outputs.map((o) => ({ name: o.name, value: id(o.value) })),
      })),
    },
  };
  return { value: ir, diagnostics };
}
