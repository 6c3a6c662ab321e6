/**
 * Recomputation as a transform of the training step (gradient checkpointing, as torch.utils.checkpoint): each
 * run of nodes of a module marked `recompute` (4-ir/recompute.ts's plan) keeps only its inputs and outputs
 * for the backward pass. The backward's reads of the run's inner values go to a copy of the run, placed just
 * before the first backward node that needs it, so the originals die as soon as the forward is past them.
 * Changes no number: the copy computes the same values from the same inputs.
 */
import type { ModelIR, Node } from "../0-core/schema.ts";
import type { Segment } from "../4-ir/recompute.ts";
import { isLeaf } from "../4-ir/recompute.ts";

/** `forward`: how many leading nodes are the model's forward (the plan's node indices refer to them). */
export function recomputeSegments(step: ModelIR, plan: ReadonlyMap<number, Segment>, forward: number): ModelIR {
  if (plan.size === 0) return step;
  const nodes = step.graph.nodes;
  // the segment owning each inner value (not its outputs: those the forward keeps anyway)
  const segmentOf = new Map<number, Segment>();
  for (const s of plan.values()) {
    const outs = new Set(s.outputs);
    for (let i = s.start; i < s.end; i++)
      if (!isLeaf(nodes[i]) && nodes[i].op !== "const" && !outs.has(i)) segmentOf.set(i, s);
  }
  const out: Node[] = [];
  const renum = new Map<number, number>();
  /** Per recomputed segment: old inner id -> the copy's new id. */
  const copies = new Map<Segment, Map<number, number>>();
  const push = (n: Node, args: number[]): number => {
    const id = out.length;
    out.push({ ...n, id, args } as Node);
    return id;
  };
  const copyOf = (s: Segment): Map<number, number> => {
    let m = copies.get(s);
    if (m) return m;
    m = new Map();
    for (let i = s.start; i < s.end; i++) {
      const n = nodes[i];
      if (isLeaf(n) || n.op === "const") continue;
      m.set(
        i,
        push(
          n,
          n.args.map((a) => m!.get(a) ?? renum.get(a)!),
        ),
      );
    }
    copies.set(s, m);
    return m;
  };
  for (const n of nodes) {
    if (n.id < forward) {
      renum.set(
        n.id,
        push(
          n,
          n.args.map((a) => renum.get(a)!),
        ),
      );
      continue;
    }
    const args = n.args.map((a) => {
      const s = segmentOf.get(a);
      return s ? copyOf(s).get(a)! : renum.get(a)!;
    });
    renum.set(n.id, push(n, args));
  }
  const port = <P extends { value: number }>(p: P): P => ({ ...p, value: renum.get(p.value)! });
  return {
    ...step,
    graph: {
      ...step.graph,
      nodes: out,
      inputs: step.graph.inputs.map(port),
      outputs: step.graph.outputs.map(port),
      calls: [],
    },
  };
}
