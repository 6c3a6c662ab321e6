/**
 * Recomputation of activations in the backward pass (gradient checkpointing), for the IR modules marked
 * `recompute`. Each call of such a module is one contiguous run of nodes (recomputePlan finds them). In
 * training the run becomes one tf.customGrad: the forward keeps only the run's inputs (activations coming
 * in, parameters) and the results of its products (2-D matmuls, attention), and frees everything else inside; the backward re-runs
 * the same nodes on the saved inputs under a fresh tape, each product handing back its saved result
 * (ops/replay.ts), and takes their gradients. The same kernels run on the same inputs, so the numbers are
 * those of the plain run (up to the order of gradient sums).
 */
import * as tf from "@tensorflow/tfjs";
import type { Node } from "../../compiler/0-core/schema.ts";
import { isLeaf, type Segment } from "../../compiler/4-ir/recompute.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { traitsOf } from "../../compiler/ops/table.ts";
import { withProductLog, type ProductLog } from "./ops/replay.ts";

export { recomputePlan } from "../../compiler/4-ir/recompute.ts";

/** Evaluates one node given the values computed so far (the lowering's own evaluator); a stochastic op draws from `seed`. */
export type EvalNode = (node: Node, values: Map<number, tf.Tensor>, seed?: number) => tf.Tensor;

/**
 * Run a segment in training: its outputs (and any of `keep` it computes) go into `values`. Parameter
 * nodes inside the run are looked up here, outside the customGrad, so their gradients reach the variables.
 */
export function runSegment(
  seg: Segment,
  nodes: readonly Node[],
  values: Map<number, tf.Tensor>,
  evalNode: EvalNode,
  keep: ReadonlySet<number>,
): void {
  for (let i = seg.start; i < seg.end; i++) if (isLeaf(nodes[i])) values.set(nodes[i].id, evalNode(nodes[i], values));
  const body = nodes.slice(seg.start, seg.end).filter((n) => !isLeaf(n));
  const outputs = [...seg.outputs, ...body.map((n) => n.id).filter((id) => keep.has(id) && !seg.outputs.includes(id))];
  // a stochastic op (dropout) draws again when recomputed: the same seed gives the same mask
  const seeds = new Map(
    body.filter((n) => traitsOf(n.op).stochastic).map((n) => [n.id, Math.floor(Math.random() * 2 ** 31)]),
  );

  let outShapes: number[][] = [];
  const forward = (xs: tf.Tensor[]): tf.Tensor => {
    const local = new Map(seg.inputs.map((id, k) => [id, xs[k]]));
    for (const n of body) local.set(n.id, evalNode(n, local, seeds.get(n.id)));
    const outs = outputs.map((id) => local.get(id)!);
    outShapes = outs.map((t) => t.shape);
    // tf.customGrad returns one tensor: several outputs travel flattened and concatenated
    return outs.length === 1 ? outs[0] : tf.concat(outs.map((t) => tf.reshape(t, [-1])));
  };

  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const xs = args as tf.Tensor[];
    const log: ProductLog = { values: [], replay: false, next: 0 };
    const value = withProductLog(log, () => forward(xs));
    // the inputs and the products' results outlive the forward; everything else is made again in the backward
    save([...xs, ...log.values]);
    tf.dispose(log.values);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        recomputedGrads(forward, saved.slice(0, xs.length), saved.slice(xs.length), dy),
    };
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
function recomputedGrads(
  forward: (xs: tf.Tensor[]) => tf.Tensor,
  saved: tf.Tensor[],
  products: tf.Tensor[],
  dy: tf.Tensor,
): tf.Tensor[] {
  const engine = tf.engine();
  const outer = engine.state.activeTape;
  const log: ProductLog = { values: products, replay: true, next: 0 };
  try {
    // integer inputs (token ids) have no gradient: differentiating with respect to them would hand back
    // their ops' int zeros, which the outer tape refuses; they get float zeros as the tape expects
    const floats = saved.filter((x) => x.dtype === "float32");
    const { grads } = engine.gradients(() => withProductLog(log, () => forward(saved)), floats, dy, true);
    invariant(
      log.next === products.length,
      `a recomputed segment replayed ${log.next} of its ${products.length} products`,
    );
    const byInput = new Map(floats.map((x, k) => [x, grads[k]]));
    return saved.map((x) => byInput.get(x) ?? tf.zeros(x.shape, "float32"));
  } finally {
    engine.state.activeTape = outer;
  }
}
