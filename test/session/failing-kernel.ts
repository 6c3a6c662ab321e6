/**
 * A wasm kernel made to fail as an engine does (a plain Error whose first line is the engine's, a stack after
 * it), for kernels that only a gradient uses, so the forward runs and the backward fails: ScatterNd (gather's
 * custom gradient, ops/gather.ts) and PadV2 (tfjs's registered gradient of slice). failing-kernel-preload.ts
 * installs ScatterNd's for the life of a CLI process.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

export const failureOf = (kernel: string) => `${kernel}: out of memory in the test's engine`;

/** Install the failing kernel; the returned function puts the real one back. */
export function failKernel(kernel: string): () => void {
  const real = tf.getKernel(kernel, "wasm");
  tf.unregisterKernel(kernel, "wasm");
  tf.registerKernel({
    ...real,
    kernelFunc: () => {
      throw new Error(`${failureOf(kernel)}\n    at fake (engine.js:1:1)`);
    },
  });
  return () => {
    tf.unregisterKernel(kernel, "wasm");
    tf.registerKernel(real);
  };
}
