/**
 * The wasm backend's ScatterNd made to fail as an engine does (a plain Error whose first line is the
 * engine's, a stack after it). gather's gradient is the only user of ScatterNd (ops/gather.ts): the forward
 * runs and the backward fails. failing-scatter-preload.ts installs it for the life of a CLI process.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

export const SCATTER_FAILURE = "ScatterNd: out of memory in the test's engine";

/** Install the failing kernel; the returned function puts the real one back. */
export function failScatter(): () => void {
  const real = tf.getKernel("ScatterNd", "wasm");
  tf.unregisterKernel("ScatterNd", "wasm");
  tf.registerKernel({
    ...real,
    kernelFunc: () => {
      throw new Error(`${SCATTER_FAILURE}\n    at fake (engine.js:1:1)`);
    },
  });
  return () => {
    tf.unregisterKernel("ScatterNd", "wasm");
    tf.registerKernel(real);
  };
}
