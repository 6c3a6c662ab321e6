/** Shared by the tfjs tests: the wasm backend on one thread, seeded data, float64 reference loops. */
import * as tf from "@tensorflow/tfjs";
import * as assert from "uvu/assert";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { seededRandom } from "../../src/runtime/tfjs/init-params.ts";
import type { Arr } from "../ops/reference.ts";

// the float64 references live with the per-op samples (test/ops); the tfjs tests read them from here too
export {
  at,
  build,
  refAttention,
  refAttentionProbs as refProbs,
  refMatmul,
  strides,
  type Arr,
} from "../ops/reference.ts";

export async function wasm1(): Promise<void> {
  const info = await initBackend({ backend: "wasm", threads: 1 });
  assert.is(tf.getBackend(), "wasm");
  assert.is(info.threads, 1);
}

const rand = seededRandom(1234);
export function randArr(shape: number[], scale = 1): Arr {
  const n = shape.reduce((a, d) => a * d, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = (rand() * 2 - 1) * scale;
  return { shape, data };
}
export const randInts = (n: number, max: number) => Array.from({ length: n }, () => Math.floor(rand() * max));

export const toTf = (a: Arr) => tf.tensor(Float32Array.from(a.data), a.shape);

/** Compare a tfjs result with a float64 reference: same shape, |a - b| <= atol + rtol |b|. */
export function close(actual: tf.Tensor, expected: Arr, atol = 1e-5, rtol = 1e-4): void {
  assert.equal(actual.shape, expected.shape, "shape");
  const got = actual.dataSync();
  let worst = 0;
  let where = -1;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - expected.data[i]) - rtol * Math.abs(expected.data[i]);
    if (!(err <= worst)) {
      worst = err;
      where = i;
    }
  }
  assert.ok(
    where < 0 || worst <= atol,
    `element ${where}: got ${got[where]}, expected ${expected.data[where]} (excess error ${worst})`,
  );
}
