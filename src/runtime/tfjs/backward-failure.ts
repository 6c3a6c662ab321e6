/**
 * A kernel that fails in the backward pass fails inside tfjs's walk over the gradient tape, far from the IR
 * node whose forward recorded the entry, so kernelFailure's wrapping in the forward does not see it. While
 * a tape records (training), the entries one node's kernels add get a gradient that turns an engine error
 * into the same MDL454 for that node (op, module path, forward input shapes), with a note that it was the
 * gradient. Reads tfjs's engine state (the tape) as recompute.ts does; costs one closure per entry.
 */
import * as tf from "@tensorflow/tfjs";
import type { Node } from "../../compiler/0-core/schema.ts";
import { withNote, MdlError } from "../../compiler/diagnostics/diagnostic.ts";
import { kernelFailure } from "../backend/kernel-failure.ts";

type Tape = ReturnType<typeof tf.engine>["state"]["activeTape"];

/** The tape being recorded, or undefined outside a gradient computation. */
export function recordingTape(): Tape | undefined {
  const engine = tf.engine();
  return engine.isTapeOn() ? engine.state.activeTape : undefined;
}

/** Give the tape entries from `from` on (added by `node`'s kernels) gradients that fail as MDL454 for `node`. */
export function labelGradients(tape: Tape, from: number, node: Node, args: readonly tf.Tensor[], file: string): void {
  if (tape.length === from) return;
  // shapes only: the forward's tensors may be freed by the time the backward fails
  const shapes = args.map((a) => ({ shape: [...a.shape], dtype: a.dtype }));
  const fail = (err: unknown): unknown => {
    const e = kernelFailure(err, node, shapes, file);
    return e === err || !(e instanceof MdlError)
      ? e
      : new MdlError(withNote(e.diagnostic, `in the backward pass: the gradient of \`${node.op}\``));
  };
  const guarded =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    (...a: A): R => {
      try {
        return f(...a);
      } catch (err) {
        throw fail(err);
      }
    };
  for (let i = from; i < tape.length; i++) {
    const entry = tape[i];
    const gradient = entry.gradient;
    if (!gradient) continue;
    // tfjs runs a gradient in two parts: the entry's gradient gives one function per input (a custom
    // gradient's kernels run here), and the walk over the tape calls each (a registered gradient's run there)
    entry.gradient = (dys) => {
      const perInput = guarded(gradient)(dys);
      return Object.fromEntries(Object.entries(perInput).map(([input, f]) => [input, guarded(f)]));
    };
  }
}
