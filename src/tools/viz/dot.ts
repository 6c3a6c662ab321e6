/**
 * The module hierarchy and its dataflow as a Graphviz DOT graph, from the IR alone. Modules down to
 * `depth` are drawn: those with drawn children as clusters, the others as boxes whose subtree is
 * collapsed. An edge joins two boxes when an op of one reads a tensor made in the other; the glue ops of
 * a cluster's own forward (reshapes, residual adds) are looked through, so edges connect the modules that
 * compute. An edge is labelled with the tensor as its producer made it (an input's own dtype, a box's
 * output shape), not as the glue turned it on the way. A repeated stack says how many times it repeats.
 * Browser-safe: no node API.
 */
import type { ModelIR, Node } from "../../compiler/0-core/schema.ts";

export interface VizOptions {
  /** Deepest module level drawn (the model is 0); default 2. */
  depth?: number;
}

// Labels hold no backslashes of their own; the ones written here are DOT's line breaks.
const quote = (s: string) => `"${s.replace(/"/g, '\\"')}"`;
const shapeText = (n: Node) => `${n.type.dtype}[${n.type.shape.join(", ")}]`;

export function toDot(ir: ModelIR, opts: VizOptions = {}): string {
  const maxDepth = opts.depth ?? 2;
  const byPath = new Map(ir.modules.map((m) => [m.path, m]));
  const depth = new Map<string, number>();
  const parent = new Map<string, string>();
  const walk = (path: string, d: number) => {
    depth.set(path, d);
    for (const c of byPath.get(path)?.children ?? []) {
      parent.set(c, path);
      walk(c, d + 1);
    }
  };
  walk("", 0);
  const isCluster = (p: string) => depth.get(p)! < maxDepth && (byPath.get(p)?.children.length ?? 0) > 0;
  /** The drawn module an op scope belongs to: itself, or its ancestor at the deepest drawn level. */
  const shown = (scope: string) => {
    let p = scope;
    while (depth.get(p)! > maxDepth) p = parent.get(p)!;
    return p;
  };

  const nodes = ir.graph.nodes;
  const glue = (n: Node) => n.op !== "input" && isCluster(shown(n.scope));
  const memo = new Map<number, Map<string, Set<number>>>();
  /**
   * The boxes (or graph inputs) a tensor comes from, looking through glue ops, each with the tensors it
   * made on those paths: what the box outputs, which is what its edges are labelled with.
   */
  const sources = (id: number): Map<string, Set<number>> => {
    const hit = memo.get(id);
    if (hit) return hit;
    const n = nodes[id];
    const out = new Map<string, Set<number>>();
    memo.set(id, out);
    if (n.op === "input") out.set(`input:${String(n.attrs.name)}`, new Set([id]));
    else if (!n.args.length) return out;
    else if (glue(n)) {
      for (const a of n.args)
        for (const [s, made] of sources(a)) for (const m of made) out.set(s, (out.get(s) ?? new Set()).add(m));
    } else out.set(shown(n.scope), new Set([id]));
    return out;
  };

  const edges = new Map<string, Set<string>>();
  const edge = (from: string, to: string, made: Set<number>) => {
    if (from === to) return;
    const key = `${from}\u0000${to}`;
    const labels = edges.get(key) ?? new Set();
    for (const m of made) labels.add(shapeText(nodes[m]));
    edges.set(key, labels);
  };
  for (const n of nodes) {
    // nodes with no operands (inputs, params, constants, fills) draw no edge of their own
    if (!n.args.length || glue(n)) continue;
    const to = shown(n.scope);
    for (const a of n.args) for (const [from, made] of sources(a)) edge(from, to, made);
  }
  for (const o of ir.graph.outputs) for (const [from, made] of sources(o.value)) edge(from, `output:${o.name}`, made);

  const id = (key: string) => quote(key === "" ? "(model)" : key);
  const label = (p: string) => {
    const m = byPath.get(p)!;
    return `${p === "" ? ir.model : p.split(".").pop()}: ${stackText(m, byPath) ?? m.block}`;
  };
  const lines = [
    `digraph ${quote(ir.model)} {`,
    "  rankdir=TB;",
    '  node [shape=box, style="rounded,filled", fillcolor="#f4f6fb", fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  const emit = (p: string, indent: string) => {
    if (!isCluster(p)) {
      lines.push(`${indent}${id(p)} [label=${quote(label(p))}];`);
      return;
    }
    lines.push(
      `${indent}subgraph ${quote(`cluster_${p || "(model)"}`)} {`,
      `${indent}  label=${quote(label(p))};`,
      `${indent}  style=rounded; color="#8090b0";`,
    );
    for (const c of byPath.get(p)!.children) emit(c, indent + "  ");
    lines.push(`${indent}}`);
  };
  emit("", "  ");
  for (const i of ir.graph.inputs)
    lines.push(
      `  ${quote(`input:${i.name}`)} [label=${quote(`${i.name}: ${i.type.dtype}[${i.type.shape.join(", ")}]`)}, shape=ellipse, fillcolor="#e8f4e8"];`,
    );
  for (const o of ir.graph.outputs)
    lines.push(
      `  ${quote(`output:${o.name}`)} [label=${quote(`${o.name}: ${o.type.dtype}[${o.type.shape.join(", ")}]`)}, shape=ellipse, fillcolor="#f8ece0"];`,
    );
  for (const [key, labels] of edges) {
    const [from, to] = key.split("\u0000");
    lines.push(`  ${id(from)} -> ${id(to)} [label=${quote([...labels].join("\\n"))}];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}

/** `CrossFrameBlock ×12` for a repeat or seq of one block, `repeat ×12` when its elements differ (a replaced layer). */
function stackText(m: ModelIR["modules"][number], byPath: Map<string, ModelIR["modules"][number]>): string | undefined {
  if (m.block !== "repeat" && m.block !== "seq") return undefined;
  const blocks = new Set(m.children.map((c) => byPath.get(c)?.block));
  const one = blocks.size === 1 ? [...blocks][0] : undefined;
  return `${one ?? m.block} \u00d7${m.children.length}`;
}
