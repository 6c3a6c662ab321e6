/**
 * Split a model's graph by which inputs change between calls. For zero-shot classification the class
 * texts are fixed and the videos vary: everything that depends only on the texts (the whole text tower,
 * the normalised text features...) is computed once by the `fixed` graph; the `varying` graph takes those
 * values as extra inputs named `cached.<id>` and computes only what depends on the video.
 * A node is varying if it reads a varying input, reads a varying node, or has a shape that mentions a
 * symbol only the varying inputs bind (e.g. `broadcast(text_features, [B, K, E])` follows the batch).
 * Both graphs are plain IRs: they lower, verify and run like any other.
 */
import type { ModelIR, Node, Port } from "../../compiler/0-core/schema.ts";
import { parse, symbolsOf } from "../../compiler/0-core/dim.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { paramLayouts } from "../backend/param-layout.ts";

export interface SplitGraph {
  fixed: ModelIR;
  varying: ModelIR;
}

const CACHED = "cached.";
// Nodes with no operands other than inputs (params, constants, fills) cost nothing to recreate: copied into the varying graph instead of being passed in.
const isCheap = (n: Node) => n.op !== "input" && n.args.length === 0;

const symbolsOfShape = (shape: readonly (string | number)[]) => {
  const out = new Set<string>();
  for (const d of shape) if (typeof d === "string") for (const s of symbolsOf(parse(d))) out.add(s);
  return out;
};

/** `varyingParams`: parameters that change between calls too (training), so nothing computed from them is cached. */
export function splitByInputs(
  ir: ModelIR,
  varyingInputs: readonly string[],
  varyingParams: ReadonlySet<string> = new Set(),
): SplitGraph {
  const varyingPorts = ir.graph.inputs.filter((p) => varyingInputs.includes(p.name));
  invariant(varyingPorts.length === varyingInputs.length, `no input ${varyingInputs} in ${ir.model}`);
  const fixedSymbols = new Set(
    ir.graph.inputs.filter((p) => !varyingInputs.includes(p.name)).flatMap((p) => [...symbolsOfShape(p.type.shape)]),
  );
  const varyingSymbols = new Set(
    varyingPorts.flatMap((p) => [...symbolsOfShape(p.type.shape)]).filter((s) => !fixedSymbols.has(s)),
  );

  const varies = new Set<number>();
  for (const n of ir.graph.nodes) {
    const byInput =
      (n.op === "input" && varyingInputs.includes(n.attrs.name as string)) ||
      (n.op === "param" && varyingParams.has(n.attrs.path as string));
    const byShape = [...symbolsOfShape(n.type.shape)].some((s) => varyingSymbols.has(s));
    if (byInput || byShape || n.args.some((a) => varies.has(a))) varies.add(n.id);
  }
  const byId = new Map(ir.graph.nodes.map((n) => [n.id, n]));
  // Fixed values the varying side reads (or that are model outputs): the fixed graph's outputs.
  const frontier = new Set<number>();
  const usedFixed = (id: number) => !varies.has(id) && !isCheap(byId.get(id)!) && frontier.add(id);
  for (const n of ir.graph.nodes) if (varies.has(n.id)) n.args.forEach(usedFixed);
  for (const o of ir.graph.outputs) usedFixed(o.value);

  const cachedPort = (id: number): Port => ({ name: `${CACHED}${id}`, value: id, type: byId.get(id)!.type });
  const fixed = subgraph(
    ir,
    needed(ir, [...frontier]),
    ir.graph.inputs.filter((p) => !varyingInputs.includes(p.name)),
    [...frontier].map(cachedPort),
    new Set(),
  );
  const varyingNodes = needed(
    ir,
    ir.graph.outputs.map((o) => o.value),
    frontier,
  );
  const varying = subgraph(
    ir,
    varyingNodes,
    [...varyingPorts, ...[...frontier].map(cachedPort)],
    ir.graph.outputs,
    frontier,
  );
  return { fixed, varying };
}

/** Ids of the nodes the targets depend on, not looking past `stop`. */
function needed(ir: ModelIR, targets: number[], stop: ReadonlySet<number> = new Set()): Set<number> {
  const byId = new Map(ir.graph.nodes.map((n) => [n.id, n]));
  const seen = new Set<number>();
  const todo = [...targets];
  while (todo.length) {
    const id = todo.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    if (!stop.has(id)) todo.push(...byId.get(id)!.args);
  }
  return seen;
}

/**
 * The IR of `keep` nodes (in the original order), `asInputs` turned into input nodes. Node ids are
 * renumbered densely, as verifyIr wants; port names keep the original ids so the halves match up.
 */
function subgraph(
  ir: ModelIR,
  keep: Set<number>,
  inputs: Port[],
  outputs: Port[],
  asInputs: ReadonlySet<number>,
): ModelIR {
  const portIds = new Set(inputs.map((p) => p.value));
  const renum = new Map<number, number>();
  const nodes: Node[] = [];
  for (const n of ir.graph.nodes) {
    if (!keep.has(n.id) && !(n.op === "input" && portIds.has(n.id))) continue;
    const id = nodes.length;
    renum.set(n.id, id);
    nodes.push(
      asInputs.has(n.id)
        ? { id, op: "input", args: [], attrs: { name: `${CACHED}${n.id}` }, type: n.type, scope: n.scope }
        : { ...n, id, args: n.args.map((a) => renum.get(a)!) },
    );
  }
  const port = (p: Port): Port => ({ ...p, value: renum.get(p.value)! });
  const calls = ir.graph.calls
    .filter((c) => c.inputs.every((i) => renum.has(i)) && c.outputs.every((o) => renum.has(o.value)))
    .map((c) => ({
      ...c,
      inputs: c.inputs.map((i) => renum.get(i)!),
      outputs: c.outputs.map((o) => ({ ...o, value: renum.get(o.value)! })),
    }));
  const sub: ModelIR = {
    ...ir,
    symbols: ir.symbols.filter((s) => inputs.some((p) => symbolsOfShape(p.type.shape).has(s))),
    graph: { inputs: inputs.map(port), outputs: outputs.map(port), nodes, calls },
  };
  // Params are loaded once, laid out for the whole model; each half must use them the same way.
  const used = new Set(nodes.filter((n) => n.op === "param").map((n) => n.attrs.path as string));
  const whole = paramLayouts(ir);
  const half = paramLayouts(sub);
  for (const path of used)
    invariant(whole.get(path) === half.get(path), `${path} is laid out differently in a split graph`);
  return sub;
}
