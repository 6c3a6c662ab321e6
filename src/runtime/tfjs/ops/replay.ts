/**
 * What a recomputed segment (tfjs/recompute.ts) does not compute twice. Its forward records the results of its
 * products (2-D matmuls, attention's probabilities and output); when the backward runs the segment again, each
 * hands back its recorded results instead of computing them, and keeps its own gradient. In a transformer block
 * the products are most of the work but a small part of what the forward allocates (X-CLIP-B/32: about 13 MB of
 * a frame block's ~200), so the backward re-runs only the cheap operations.
 */
import * as tf from "@tensorflow/tfjs";
import { invariant } from "../../../compiler/diagnostics/diagnostic.ts";

export interface ProductLog {
  values: tf.Tensor[];
  replay: boolean;
  next: number;
}

let current: ProductLog | undefined;

/** Run `f` with products recorded into, or replayed from, `log`. */
export function withProductLog<T>(log: ProductLog, f: () => T): T {
  const outer = current;
  current = log;
  try {
    return f();
  } finally {
    current = outer;
  }
}

/** The `n` tensors `compute` makes, or the ones it made in the segment's forward (calls in the same order). */
export function replayed(n: number, compute: () => tf.Tensor[]): tf.Tensor[] {
  const log = current;
  if (!log) return compute();
  if (!log.replay) {
    const out = compute();
    invariant(out.length === n, `a replayed computation made ${out.length} tensors, not ${n}`);
    // kept clones: some results (attention's probabilities) are intermediates their own op's scope would free
    log.values.push(...out.map((t) => tf.keep(tf.clone(t))));
    return out;
  }
  invariant(log.next + n <= log.values.length, "a recomputed segment made more products than its forward recorded");
  // clones: the recorded tensors belong to the segment's saved state, freed with the outer tape
  return log.values.slice(log.next, (log.next += n)).map((t) => tf.clone(t));
}
