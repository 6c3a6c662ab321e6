/** Shared by the tfjs tests: the wasm backend on one thread, seeded data, float64 reference loops. */
import * as tf from "@tensorflow/tfjs";
import * as assert from "uvu/assert";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { seededRandom } from "../../src/runtime/tfjs/init-params.ts";

export async function wasm1(): Promise<void> {
  const info = await initBackend({ backend: "wasm", threads: 1 });
  assert.is(tf.getBackend(), "wasm");
  assert.is(info.threads, 1);
}

/** A dense float64 array with its shape. */
export interface Arr {
  shape: number[];
  data: Float64Array;
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

export const strides = (shape: readonly number[]) => {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
};

/** Element at a multi-index, with numpy broadcasting (missing leading axes and size-1 axes). */
export function at(a: Arr, idx: readonly number[]): number {
  const st = strides(a.shape);
  const off = idx.length - a.shape.length;
  let p = 0;
  for (let i = 0; i < a.shape.length; i++) p += (a.shape[i] === 1 ? 0 : idx[off + i]) * st[i];
  return a.data[p];
}

/** Build an array by calling f on every multi-index of `shape`. */
export function build(shape: number[], f: (idx: number[]) => number): Arr {
  const n = shape.reduce((a, d) => a * d, 1);
  const data = new Float64Array(n);
  const idx = new Array(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    data[i] = f(idx);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return { shape, data };
}

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

/** Reference products on float64. */
export function refMatmul(a: Arr, b: Arr): Arr {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const ba = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const rank = Math.max(ba.length, bb.length);
  const batch = Array.from({ length: rank }, (_, i) => Math.max(ba[ba.length - rank + i] ?? 1, bb[bb.length - rank + i] ?? 1));
  return build([...batch, m, n], (idx) => {
    const pre = idx.slice(0, -2);
    let s = 0;
    for (let j = 0; j < k; j++) s += at(a, [...pre, idx[rank], j]) * at(b, [...pre, j, idx[rank + 1]]);
    return s;
  });
}

/** softmax(scale q k^T, -inf above the diagonal when causal) v on [b, h, n, d] float64 arrays. */
export function refAttention(q: Arr, k: Arr, v: Arr, scale: number, causal: boolean): Arr {
  const [b, h, n, d] = q.shape;
  const m = k.shape[2];
  const e = v.shape[3];
  return build([b, h, n, e], ([bi, hi, i, c]) => {
    const s: number[] = [];
    for (let j = 0; j < m; j++) {
      let t = 0;
      for (let x = 0; x < d; x++) t += at(q, [bi, hi, i, x]) * at(k, [bi, hi, j, x]);
      s.push(causal && j > i ? -Infinity : scale * t);
    }
    const mx = Math.max(...s);
    const p = s.map((t) => Math.exp(t - mx));
    const z = p.reduce((a, t) => a + t, 0);
    let out = 0;
    for (let j = 0; j < m; j++) out += (p[j] / z) * at(v, [bi, hi, j, c]);
    return out;
  });
}
