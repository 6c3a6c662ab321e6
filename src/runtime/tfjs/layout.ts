/**
 * Moves parameter data between torch's layout and the one the tfjs kernels want; which parameters are
 * re-laid is decided from the IR alone (backend/param-layout.ts).
 */
import * as tf from "@tensorflow/tfjs";
import type { ModelIR } from "../../compiler/0-core/schema.ts";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";
import { paramLayouts, type Layout } from "../backend/param-layout.ts";

function layoutOf(ir: ModelIR, path: string): Layout {
  const l = paramLayouts(ir).get(path);
  invariant(l !== undefined, `no parameter ${path} in the IR`);
  return l;
}

/** torch layout -> runtime layout. */
export function toRuntimeLayout(ir: ModelIR, path: string, t: { shape: number[]; data: Float32Array }): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.tensor(t.data, t.shape, "float32");
    switch (layoutOf(ir, path)) {
      case "torch":
        return x;
      case "linear_t":
        return tf.transpose(x);
      case "patch_t":
        return tf.transpose(tf.reshape(x, [t.shape[0], -1]));
    }
  });
}

/** runtime layout -> torch layout, for saving checkpoints. */
export async function toTorchLayout(
  ir: ModelIR,
  path: string,
  t: tf.Tensor,
): Promise<{ shape: number[]; data: Float32Array }> {
  const param = ir.params.find((p) => p.path === path);
  invariant(param, `no parameter ${path} in the IR`);
  const y = tf.tidy(() => {
    switch (layoutOf(ir, path)) {
      case "torch":
        return tf.clone(t);
      case "linear_t":
        return tf.transpose(t);
      case "patch_t":
        return tf.reshape(tf.transpose(t), param.shape);
    }
  });
  const data = (await y.data()) as Float32Array;
  y.dispose();
  return { shape: [...param.shape], data: new Float32Array(data) };
}
