/**
 * `--recompute PATTERN`: mark module instances for recomputation in the backward pass without editing the
 * source. A pattern is a module path pattern (`visual.transformer.resblocks.*`, `**.mlp`: paths/pattern.ts);
 * a repeat or seq it names stands for its elements, as `recompute` on a member does in the language, so both
 * give the same IR.
 */
import { diag, type Diagnostic } from "../diagnostics/diagnostic.ts";
import { matchPath, parsePattern, type PathPattern } from "../paths/pattern.ts";
import type { ModelIR, Module, Node } from "../0-core/schema.ts";

/** Whether a module path matches; the root (`""`) never does. A malformed pattern matches nothing. */
export function matchesPattern(pattern: string | PathPattern, path: string): boolean {
  if (typeof pattern === "string") {
    const p = parsePattern(pattern);
    return "pattern" in p && matchesPattern(p.pattern, path);
  }
  return path !== "" && matchPath(pattern, path);
}

/** Mark in place; a pattern that matches no module is an error naming it. */
export function applyRecompute(ir: ModelIR, patterns: readonly string[], where: string): Diagnostic[] {
  const byPath = new Map(ir.modules.map((m) => [m.path, m]));
  const mark = (m: Module): void => {
    if (m.block === "repeat" || m.block === "seq") for (const c of m.children) mark(byPath.get(c)!);
    else m.recompute = true;
  };
  const out: Diagnostic[] = [];
  for (const p of patterns) {
    const parsed = parsePattern(p);
    if ("error" in parsed) {
      out.push(diag("bad_path_pattern", where, "--recompute", p, parsed.error.reason));
      continue;
    }
    const hits = ir.modules.filter((m) => matchesPattern(parsed.pattern, m.path));
    if (!hits.length) out.push(diag("unknown_member", where, p, ir.model));
    hits.forEach(mark);
  }
  return out;
}

/**
 * Which nodes a back end recomputes: each call of a marked module is one contiguous run of nodes whose scope
 * lies under the module's path.
 */
export interface Segment {
  /** Index in the node list of the run's first and one-past-last node. */
  start: number;
  end: number;
  /** Ids of the values the run reads from outside (parameters included), in a fixed order. */
  inputs: number[];
  /** Ids of values computed in the run and read after it (or graph outputs). */
  outputs: number[];
}

export const isLeaf = (n: Node) => n.op === "input" || n.op === "param";

/** The runs to recompute, by the index of their first node. Empty when no module is marked. */
export function recomputePlan(ir: ModelIR): Map<number, Segment> {
  const roots = ir.modules.filter((m) => m.recompute).map((m) => m.path);
  const plan = new Map<number, Segment>();
  if (!roots.length) return plan;
  // outermost marked module a scope lies in (a mark inside a recomputed module adds nothing)
  const owner = (scope: string) =>
    roots.filter((p) => scope === p || scope.startsWith(p + ".")).sort((a, b) => a.length - b.length)[0];
  // a module called twice in a row gives two runs: each call ends at its last output
  const ends = new Set(
    ir.graph.calls
      .filter((c) => roots.includes(c.scope) && c.outputs.length)
      .map((c) => Math.max(...c.outputs.map((o) => o.value))),
  );
  const nodes = ir.graph.nodes;
  const lastUse = new Map<number, number>();
  nodes.forEach((n, i) => n.args.forEach((a) => lastUse.set(a, i)));
  const graphOut = new Set(ir.graph.outputs.map((o) => o.value));

  const close = (start: number, end: number) => {
    const body = nodes.slice(start, end).filter((n) => !isLeaf(n));
    const made = new Set(body.map((n) => n.id));
    const inputs = [...new Set(body.flatMap((n) => n.args).filter((a) => !made.has(a)))];
    const outputs = body.filter((n) => graphOut.has(n.id) || (lastUse.get(n.id) ?? -1) >= end).map((n) => n.id);
    const floats = outputs.every((id) => nodes[id].type.dtype === "f32");
    if (body.length && outputs.length && floats) plan.set(start, { start, end, inputs, outputs });
  };
  let open: { root: string; start: number } | undefined;
  nodes.forEach((n, i) => {
    const root = owner(n.scope);
    if (open && root !== open.root) {
      close(open.start, i);
      open = undefined;
    }
    if (root && !open) open = { root, start: i };
    if (open && ends.has(n.id)) {
      close(open.start, i + 1);
      open = undefined;
    }
  });
  if (open) close(open.start, nodes.length);
  return plan;
}
