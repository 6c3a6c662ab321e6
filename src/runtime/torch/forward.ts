/**
 * The body of a module's `forward`, from one call of it in the flat IR graph: the nodes of its own scope
 * become lines (through the op table), the calls of its sub-modules become `self.child(...)`, and the
 * batch symbols its shapes use are bound from its inputs' shapes.
 */
import type { Call, Dim, ModelIR, Module, Node } from "../../compiler/0-core/schema.ts";
import { parse } from "../../compiler/0-core/dim.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { constLiteral, torchEmit } from "./ops.ts";
import { attrChain, localName, type Placement } from "./structure.ts";

export interface Graph {
  ir: ModelIR;
  byId: Map<number, Node>;
  owner: Map<string, string>;
  placement: Placement;
  /** Calls with the node ids they cover (their own scope and below). */
  ranges: Map<Call, Set<number>>;
  /** Nodes some output depends on; the others are not written. */
  live: Set<number>;
  /** The trimmed source line of a location, for comments. */
  sourceLine: (node: Node) => string | undefined;
}

const end = (c: Call) => Math.max(...c.outputs.map((o) => o.value));
const within = (scope: string, m: string) => m === "" || scope === m || scope.startsWith(`${m}.`);

/** Each call's node ids: those of its subtree after the previous call of the same module, up to its last output. */
export function callRanges(ir: ModelIR): Map<Call, Set<number>> {
  const out = new Map<Call, Set<number>>();
  const lastEnd = new Map<string, number>();
  for (const c of [...ir.graph.calls].sort((a, b) => end(a) - end(b))) {
    const from = lastEnd.get(c.scope) ?? -1;
    const e = end(c);
    const ids = new Set<number>();
    for (const n of ir.graph.nodes)
      if (n.id > from && n.id <= e && within(n.scope, c.scope) && n.op !== "param" && n.op !== "const") ids.add(n.id);
    out.set(c, ids);
    lastEnd.set(c.scope, e);
  }
  return out;
}

/** The nodes the outputs depend on, the model's and every module's (a module returns all it declares). */
export function liveNodes(ir: ModelIR): Set<number> {
  const byId = new Map(ir.graph.nodes.map((n) => [n.id, n]));
  const live = new Set<number>();
  const stack = [
    ...ir.graph.outputs.map((o) => o.value),
    ...ir.graph.calls.flatMap((c) => c.outputs.map((o) => o.value)),
  ];
  while (stack.length) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...byId.get(id)!.args);
  }
  return live;
}

/** The root's pseudo-call: the model's inputs and outputs. */
export function rootCall(ir: ModelIR): Call {
  return {
    scope: "",
    inputs: ir.graph.inputs.map((p) => p.value),
    outputs: ir.graph.outputs.map((o) => ({ name: o.name, value: o.value })),
  };
}

/** The hook for gradient checkpointing: a module flagged `recompute` in the IR (added by the recompute work). */
export const recomputes = (m: Module | undefined): boolean => Boolean(m && (m as { recompute?: boolean }).recompute);

export interface ForwardCode {
  params: string[];
  lines: string[];
}

export function emitForward(g: Graph, module: Module, call: Call, isRoot: boolean): ForwardCode {
  const { ir, byId, placement } = g;
  const M = module.path;
  const ids = isRoot
    ? new Set(ir.graph.nodes.filter((n) => n.op !== "param" && n.op !== "const").map((n) => n.id))
    : g.ranges.get(call)!;
  // The sub-module calls inside this one that no other sub-module call contains.
  const inner = [...g.ranges].filter(
    ([c, r]) =>
      c !== call &&
      c.scope !== M &&
      within(c.scope, M) &&
      (r.size ? [...r].every((i) => ids.has(i)) : ids.has(end(c)) || call.inputs.includes(end(c))),
  );
  const direct = inner.filter(
    ([c, r]) =>
      !inner.some(
        ([o, or]) =>
          o !== c &&
          within(c.scope, o.scope) &&
          o.scope !== c.scope &&
          (r.size ? [...r].every((i) => or.has(i)) : or.has(end(c))),
      ),
  );
  const covered = new Set(direct.flatMap(([, r]) => [...r]));

  const names = new Map<number, string>();
  const params = isRoot
    ? ir.graph.inputs.map((p) => p.name)
    : call.inputs.map((_, i) => (call.inputs.length === 1 ? "x" : `x${i}`));
  call.inputs.forEach((id, i) => names.has(id) || names.set(id, params[i]));

  const expr = (id: number): string => {
    const n = byId.get(id)!;
    if (n.op === "param") {
      const path = n.attrs.path as string;
      const owner = g.owner.get(path)!;
      invariant(within(owner, M), `parameter ${path} is used outside its module ${owner}`);
      const rel = owner === M ? "" : owner.slice(M ? M.length + 1 : 0);
      return attrChain(attrChain("self", rel), localName(placement, owner, path));
    }
    if (n.op === "const") return constLiteral(n);
    const name = names.get(id);
    invariant(name, `value %${id} is used in ${M || "the model"} before it is defined there`);
    return name;
  };

  // Values are numbered per function, in order of definition, so identical instances give identical text.
  let count = 0;
  const fresh = (id: number) => {
    const name = `h${++count}`;
    names.set(id, name);
    return name;
  };
  type Item = { key: number; order: number; emit: () => string[] };
  const items: Item[] = [];
  const used = new Set<string>();
  const dim = (d: Dim) => {
    for (const s of symbolsOf(d)) used.add(s);
    return String(d);
  };
  const device = `${params[0] ?? "self"}.device`;
  let lastLine: string | undefined;
  for (const id of [...ids].sort((a, b) => a - b)) {
    if (covered.has(id)) continue;
    const n = byId.get(id)!;
    if (n.scope !== M || n.op === "input" || !g.live.has(id)) continue;
    const comment = g.sourceLine(n);
    items.push({
      key: id,
      order: 0,
      emit: () => {
        const text = torchEmit(n, { args: n.args.map(expr), argNodes: n.args.map((a) => byId.get(a)!), dim, device });
        const name = fresh(id);
        const out: string[] = [];
        if (comment && comment !== lastLine) out.push(`# ${comment}`);
        lastLine = comment;
        out.push(`${name} = ${text}`);
        return out;
      },
    });
  }
  for (const [c] of direct) {
    const child = placement.modules.get(c.scope)!;
    const target = attrChain("self", c.scope.slice(M ? M.length + 1 : 0));
    items.push({
      key: end(c),
      order: 1,
      emit: () => {
        const args = c.inputs.map(expr).join(", ");
        const outs = c.outputs.map((o) => fresh(o.value));
        const run = recomputes(child) ? `checkpoint_if_training(self, ${target}, ${args})` : `${target}(${args})`;
        return [`${outs.join(", ")} = ${run}`];
      },
    });
  }
  items.sort((a, b) => a.key - b.key || a.order - b.order);
  // Names are bound as the items are emitted, in order (a call's outputs become visible after it).
  const body = items.flatMap((it) => it.emit());
  const binds = bindSymbols(
    used,
    call.inputs.map((id) => byId.get(id)!.type.shape),
    params,
    M,
  );
  const ret = isRoot
    ? `return {${call.outputs.map((o) => `${JSON.stringify(o.name)}: ${expr(o.value)}`).join(", ")}}`
    : `return ${call.outputs.map((o) => expr(o.value)).join(", ")}`;
  return { params, lines: [...binds, ...body, ret] };
}

function symbolsOf(d: Dim): string[] {
  if (typeof d === "number") return [];
  return [...parse(d).keys()].flatMap((k) => (k ? k.split("*") : []));
}

/** `B = x.shape[0] // 8` for each symbol used, from an input dim that is a multiple of it (plus a constant). */
function bindSymbols(used: Set<string>, shapes: Dim[][], params: string[], where: string): string[] {
  const lines: string[] = [];
  for (const s of [...used].sort()) {
    let found: string | undefined;
    shapes.forEach((shape, i) =>
      shape.forEach((d, j) => {
        if (found || typeof d === "number") return;
        const p = parse(d);
        const terms = [...p].filter(([k]) => k !== "");
        if (terms.length !== 1 || terms[0][0] !== s) return;
        const [, coef] = terms[0];
        const c0 = p.get("") ?? 0;
        const v = `${params[i]}.shape[${j}]`;
        const shifted = c0 ? `(${v} - ${c0})` : v;
        found = coef === 1 ? shifted : `${shifted} // ${coef}`;
      }),
    );
    invariant(found, `the batch symbol ${s} of ${where || "the model"} cannot be read from its inputs' shapes`);
    lines.push(`${s} = ${found}`);
  }
  return lines;
}
