/**
 * Recomputation of activations in the backward pass (gradient checkpointing), for the IR modules marked
 * `recompute`. Each call of such a module is one contiguous run of nodes (their scope lies under the
 * module's path). In training the run becomes one tf.customGrad: the forward keeps only the run's inputs
 * (activations coming in, parameters) and frees everything inside; the backward re-runs the same nodes
 * on the saved inputs under a fresh tape and takes their gradients. The same kernels run on the same
 * inputs, so the numbers are those of the plain run (up to the order of gradient sums).
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelIR, Node } from "../../compiler/4-ir/schema.ts";

export interface Segment {
  /** Index in the node list of the run's first and one-past-last node. */
  start: number;
  end: number;
  /** Ids of the values the run reads from outside (parameters included), in a fixed order. */
  inputs: number[];
  /** Ids of values computed in the run and read after it (or graph outputs). */
  outputs: number[];
}

const isLeaf = (n: Node) => n.op === "input" || n.op === "param";

/** The runs to recompute, by the index of their first node. Empty when no module is marked. */
export function recomputePlan(ir: ModelIR): Map<number, Segment> {
  const roots = ir.modules.filter((m) => m.recompute).map((m) => m.path);
  const plan = new Map<number, Segment>();
  if (!roots.length) return plan;
  // outermost marked module a scope lies in (a mark inside a recomputed module adds nothing)
  const owner = (scope: string) => roots.filter((p) => scope === p || scope.startsWith(p + ".")).sort((a, b) => a.length - b.length)[0];
  // a module called twice in a row gives two runs: each call ends at its last output
  const ends = new Set(ir.graph.calls.filter((c) => roots.includes(c.scope) && c.outputs.length).map((c) => Math.max(...c.outputs.map((o) => o.value))));
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

/** Evaluates one node given the values computed so far (the lowering's own evaluator). */
export type EvalNode = (node: Node, values: Map<number, tf.Tensor>) => tf.Tensor;

/**
 * Run a segment in training: its outputs (and any of `keep` it computes) go into `values`. Parameter
 * nodes inside the run are looked up here, outside the customGrad, so their gradients reach the variables.
 */
export function runSegment(seg: Segment, nodes: readonly Node[], values: Map<number, tf.Tensor>, evalNode: EvalNode, keep: ReadonlySet<number>): void {
  for (let i = seg.start; i < seg.end; i++) if (isLeaf(nodes[i])) values.set(nodes[i].id, evalNode(nodes[i], values));
  const body = nodes.slice(seg.start, seg.end).filter((n) => !isLeaf(n));
  const outputs = [...seg.outputs, ...body.map((n) => n.id).filter((id) => keep.has(id) && !seg.outputs.includes(id))];
  // dropout draws its mask again when recomputed: the same seed gives the same mask
  const seeds = new Map(body.filter((n) => n.op === "dropout").map((n) => [n.id, Math.floor(Math.random() * 2 ** 31)]));

  let outShapes: number[][] = [];
  const forward = (xs: tf.Tensor[]): tf.Tensor => {
    const local = new Map(seg.inputs.map((id, k) => [id, xs[k]]));
    for (const n of body) {
      const rate = (n.attrs.rate ?? 0) as number;
      const out = seeds.has(n.id) && rate > 0 ? tf.dropout(local.get(n.args[0])!, rate, undefined, seeds.get(n.id)) : evalNode(n, local);
      local.set(n.id, out);
    }
    const outs = outputs.map((id) => local.get(id)!);
    outShapes = outs.map((t) => t.shape);
    // tf.customGrad returns one tensor: several outputs travel flattened and concatenated
    return outs.length === 1 ? outs[0] : tf.concat(outs.map((t) => tf.reshape(t, [-1])));
  };

  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const xs = args as tf.Tensor[];
    save(xs);
    return { value: forward(xs), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => recomputedGrads(forward, saved, dy) };
  });
  const packed = run(...seg.inputs.map((id) => values.get(id)!));
  if (outputs.length === 1) {
    values.set(outputs[0], packed);
    return;
  }
  let offset = 0;
  outputs.forEach((id, k) => {
    const size = outShapes[k].reduce((a, b) => a * b, 1);
    values.set(id, tf.reshape(tf.slice(packed, [offset], [size]), outShapes[k]));
    offset += size;
  });
}

/**
 * The backward of a segment: its forward again under a fresh tape, then the gradients of its inputs.
 * tfjs's engine.gradients starts a new tape when none is recording and clears the engine's active tape
 * when it ends, but this runs inside the outer backward, whose tape the engine still has to free: it is
 * put back afterwards.
 */
function recomputedGrads(forward: (xs: tf.Tensor[]) => tf.Tensor, saved: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const engine = tf.engine();
  const outer = engine.state.activeTape;
  try {
    const { grads } = engine.gradients(() => forward(saved), saved, dy, true);
    return grads.map((g, k) => g ?? tf.zeros(saved[k].shape, "float32"));
  } finally {
    engine.state.activeTape = outer;
  }
}
