/** Every kernel against a float64 loop written here, on wasm with one thread. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { at, build, close, randArr, randInts, refAttention, refMatmul, toTf, wasm1, type Arr } from "./helpers.ts";
import { binary, unary } from "../../src/runtime/tfjs/ops/elementwise.ts";
import { bmm, matmul, transpose2d } from "../../src/runtime/tfjs/ops/matmul.ts";
import { linear, patchConv } from "../../src/runtime/tfjs/ops/linear.ts";
import { convNd } from "../../src/runtime/tfjs/ops/conv.ts";
import { l2Normalize, layerNorm, softmax } from "../../src/runtime/tfjs/ops/norm.ts";
import { attention } from "../../src/runtime/tfjs/ops/attention.ts";
import { gather, gatherRows } from "../../src/runtime/tfjs/ops/gather.ts";
import { sliceRuns } from "../../src/runtime/tfjs/ops/shape.ts";

await wasm1();

const erf = (x: number) => {
  // Abramowitz-Stegun 7.1.26 is too coarse for 1e-5; integrate the series instead (|x| < 4 here).
  let sum = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};

test("binary ops broadcast like numpy", () => {
  const a = randArr([2, 1, 4]);
  const b = randArr([3, 1], 2);
  const b2 = build([3, 1], (i) => Math.abs(at(b, i)) + 0.5);
  const ref: Record<string, (x: number, y: number) => number> = {
    add: (x, y) => x + y,
    sub: (x, y) => x - y,
    mul: (x, y) => x * y,
    div: (x, y) => x / y,
    maximum: Math.max,
    minimum: Math.min,
  };
  for (const [name, f] of Object.entries(ref)) {
    const y = tf.tidy(() => binary[name as keyof typeof binary](toTf(a), toTf(b2)));
    close(
      y,
      build([2, 3, 4], (i) => f(at(a, i), at(b2, i))),
      1e-5,
      1e-5,
    );
    y.dispose();
  }
  const pos = build([2, 1, 4], (i) => Math.abs(at(a, i)) + 0.1);
  close(
    binary.pow(toTf(pos), toTf(b)),
    build([2, 3, 4], (i) => Math.pow(at(pos, i), at(b, i))),
    1e-5,
    1e-4,
  );
});

test("unary ops, gelu is the exact erf form", () => {
  const x = randArr([5, 7], 3);
  const pos = build([5, 7], (i) => Math.abs(at(x, i)) + 0.05);
  const ref: [keyof typeof unary, (v: number) => number, Arr][] = [
    ["neg", (v) => -v, x],
    ["exp", Math.exp, x],
    ["log", Math.log, pos],
    ["sqrt", Math.sqrt, pos],
    ["rsqrt", (v) => 1 / Math.sqrt(v), pos],
    ["sigmoid", (v) => 1 / (1 + Math.exp(-v)), x],
    ["tanh", Math.tanh, x],
    ["relu", (v) => Math.max(0, v), x],
    ["abs", Math.abs, x],
    ["gelu", (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)), x],
  ];
  for (const [name, f, input] of ref)
    close(
      unary[name](toTf(input)),
      build([5, 7], (i) => f(at(input, i))),
      2e-5,
      2e-4,
    );
});

test("matmul: batched with broadcast batch dims, and a rank-2 right operand on the flat path", () => {
  const a = randArr([2, 1, 3, 5]);
  const b = randArr([4, 5, 6]);
  close(matmul(toTf(a), toTf(b)), refMatmul(a, b));
  const c = randArr([2, 3, 4, 5]);
  const w = randArr([5, 7]);
  close(matmul(toTf(c), toTf(w)), refMatmul(c, w));
});

test("bmm: batched products with either operand transposed, on XNNPACK's depthwise path (no scalar batch loop)", () => {
  const swap = (x: Arr) => build([x.shape[0], x.shape[2], x.shape[1]], ([b, i, j]) => at(x, [b, j, i]));
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const run = engine.runKernel.bind(engine);
  const kernels: string[] = [];
  engine.runKernel = (name: string, ...rest: unknown[]) => (kernels.push(name), run(name, ...rest));
  try {
    for (const [g, m, k, n] of [
      [6, 5, 7, 3],
      [1, 4, 6, 5],
      [3, 1, 9, 1],
    ]) {
      const a = randArr([g, m, k]);
      const b = randArr([g, k, n]);
      const want = refMatmul(a, b);
      for (const ta of [false, true])
        for (const tb of [false, true]) {
          kernels.length = 0;
          close(bmm(toTf(ta ? swap(a) : a) as tf.Tensor3D, toTf(tb ? swap(b) : b) as tf.Tensor3D, ta, tb), want);
          assert.ok(
            kernels.includes(g > 1 ? "DepthwiseConv2dNative" : "BatchMatMul"),
            `${g}x${m}x${k}x${n} ${ta} ${tb}: ${kernels}`,
          );
          if (g > 1) assert.not.ok(kernels.includes("BatchMatMul"), kernels.join());
        }
    }
  } finally {
    engine.runKernel = run;
  }
});

test("slice (wasm's mended kernel, which copies from the heap) and sliceRuns (trailing axes folded) against index arithmetic", () => {
  const shape = [2, 6, 5, 4];
  const x = tf.tensor(
    Float32Array.from({ length: 2 * 6 * 5 * 4 }, (_, i) => i),
    shape,
  );
  const xi = tf.tensor(
    Int32Array.from({ length: 2 * 6 * 5 * 4 }, (_, i) => 7 * i),
    shape,
    "int32",
  );
  // the value at an index of x is its flat offset
  const want = (begin: number[], size: number[]) => {
    const n = size.map((d, a) => (d === -1 ? shape[a] - begin[a] : d));
    const out: number[] = [];
    const walk = (a: number, off: number) => {
      if (a === shape.length) return void out.push(off);
      for (let i = 0; i < n[a]; i++) walk(a + 1, off * shape[a] + begin[a] + i);
    };
    walk(0, 0);
    return { shape: n, values: out };
  };
  const engine = tf.engine() as unknown as {
    runKernel: (name: string, inputs: Record<string, tf.Tensor>, attrs: unknown) => unknown;
  };
  const run = engine.runKernel.bind(engine);
  const ranks: number[] = [];
  engine.runKernel = (name, inputs, attrs) => (name === "Slice" && ranks.push(inputs.x.rank), run(name, inputs, attrs));
  try {
    const cases: [number[], number[], number][] = [
      [[0, 2, 0, 0], [2, 2, 5, 4], 2], // q, k or v out of [B, 3H, N, d]: one run per batch entry
      [[1, 0, 0, 0], [1, -1, 5, 4], 1],
      [[0, 1, 1, 0], [2, 3, 3, 4], 3],
      [[0, 0, 0, 1], [2, 6, 5, 2], 4], // the innermost axis is cut: nothing to fold
      [[1, 5, 4, 3], [1, 1, 1, 1], 4],
      [[0, 0, 0, 0], [-1, -1, -1, -1], 1],
    ];
    for (const [begin, size, rank] of cases) {
      const w = want(begin, size);
      ranks.length = 0;
      const folded = sliceRuns(x, begin, size);
      assert.is(ranks[0], rank, `${begin} ${size}: sliced at rank ${ranks[0]}`);
      for (const got of [folded, tf.slice(x, begin, size)]) {
        assert.equal(got.shape, w.shape, `${begin} ${size}`);
        assert.equal([...got.dataSync()], w.values, `${begin} ${size}`);
      }
      assert.equal(
        [...tf.slice(xi, begin, size).dataSync()],
        w.values.map((v) => 7 * v),
        `int32 ${begin} ${size}`,
      );
    }
    assert.equal([...tf.slice(tf.tensor1d([1, 2, 3, 4, 5]), [1], [3]).dataSync()], [2, 3, 4]);
    assert.ok(
      (tf.getKernel("Slice", "wasm")!.kernelFunc as { mended?: boolean }).mended,
      "wasm's Slice is the mended kernel",
    );
    assert.equal(tf.slice(x, [0, 0, 0, 0], [2, 0, 5, 4]).shape, [2, 0, 5, 4]);
  } finally {
    engine.runKernel = run;
  }
});

test("transpose2d: a tall matrix goes through the 3-D kernel (which writes in order), a wide one through the 2-D one; same values", () => {
  const engine = tf.engine() as unknown as {
    runKernel: (name: string, inputs: Record<string, tf.Tensor>, attrs: unknown) => unknown;
  };
  const run = engine.runKernel.bind(engine);
  const ranks: number[] = [];
  engine.runKernel = (name, inputs, attrs) => (
    name === "Transpose" && ranks.push(inputs.x.rank),
    run(name, inputs, attrs)
  );
  try {
    for (const [r, c, rank] of [
      [12, 5, 3],
      [15, 4, 3],
      [11, 3, 2],
      [4, 9, 2],
    ]) {
      const a = randArr([r, c]);
      ranks.length = 0;
      const t = transpose2d(toTf(a) as tf.Tensor2D);
      assert.equal(ranks, [rank], `[${r}, ${c}]`);
      close(
        t,
        build([c, r], ([i, j]) => Math.fround(at(a, [j, i]))),
        0,
        0,
      ); // a copy: exact
    }
  } finally {
    engine.runKernel = run;
  }
});

test("linear against an [in, out] weight, with bias, on 3-D input", () => {
  const x = randArr([2, 3, 6]);
  const w = randArr([4, 6]); // torch [out, in]
  const b = randArr([4]);
  const wT = tf.transpose(toTf(w));
  const ref = build([2, 3, 4], ([i, j, o]) => {
    let s = at(b, [o]);
    for (let k = 0; k < 6; k++) s += at(x, [i, j, k]) * at(w, [o, k]);
    return s;
  });
  close(linear(toTf(x), wT, toTf(b)), ref);
  close(
    linear(toTf(x), wT),
    build([2, 3, 4], (i) => at(ref, i) - at(b, [i[2]])),
  );
});

/** Direct convolution: out[n,o,y,x] = b[o] + sum_c,a,bb in[n,c,y*s-p+a, x*s-p+bb] w[o,c,a,bb]. */
function refConv(x: Arr, w: Arr, b: Arr | undefined, stride: number, pad: number): Arr {
  const [n, c, h, wd] = x.shape;
  const [o, , kh, kw] = w.shape;
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((wd + 2 * pad - kw) / stride) + 1;
  return build([n, o, oh, ow], ([ni, oi, yi, xi]) => {
    let s = b ? at(b, [oi]) : 0;
    for (let ci = 0; ci < c; ci++)
      for (let a = 0; a < kh; a++)
        for (let bb = 0; bb < kw; bb++) {
          const yy = yi * stride - pad + a;
          const xx = xi * stride - pad + bb;
          if (yy >= 0 && yy < h && xx >= 0 && xx < wd) s += at(x, [ni, ci, yy, xx]) * at(w, [oi, ci, a, bb]);
        }
    return s;
  });
}

test("patchify conv2d (stride == kernel) equals a direct convolution, including a ragged edge", () => {
  const x = randArr([2, 3, 9, 13]); // 13 is not a multiple of 4: torch drops the last column
  const w = randArr([5, 3, 4, 4]);
  const b = randArr([5]);
  const wP = tf.transpose(tf.reshape(toTf(w), [5, 48]));
  const y = patchConv(toTf(x), wP, 4, 4, toTf(b));
  close(y, refConv(x, w, b, 4, 0));
});

test("general conv2d with stride 2 and padding 1", () => {
  const x = randArr([1, 2, 7, 6]);
  const w = randArr([3, 2, 3, 3]);
  const b = randArr([3]);
  close(convNd(toTf(x), toTf(w), { stride: [2, 2], padding: [1, 1] }, toTf(b)), refConv(x, w, b, 2, 1));
});

test("layer_norm over the last axis with the biased variance", () => {
  const x = randArr([3, 4, 8], 2);
  const g = randArr([8]);
  const bt = randArr([8]);
  const eps = 1e-5;
  const ref = build([3, 4, 8], ([i, j, k]) => {
    let m = 0;
    for (let t = 0; t < 8; t++) m += at(x, [i, j, t]) / 8;
    let v = 0;
    for (let t = 0; t < 8; t++) v += (at(x, [i, j, t]) - m) ** 2 / 8;
    return ((at(x, [i, j, k]) - m) / Math.sqrt(v + eps)) * at(g, [k]) + at(bt, [k]);
  });
  close(layerNorm(toTf(x), toTf(g), toTf(bt), eps), ref, 2e-5, 2e-4);
});

test("softmax on a middle axis and l2_normalize without epsilon", () => {
  const x = randArr([2, 5, 3], 3);
  const sm = build([2, 5, 3], ([i, j, k]) => {
    let z = 0;
    for (let t = 0; t < 5; t++) z += Math.exp(at(x, [i, t, k]));
    return Math.exp(at(x, [i, j, k])) / z;
  });
  close(softmax(toTf(x), 1), sm);
  const l2 = build([2, 5, 3], ([i, j, k]) => {
    let z = 0;
    for (let t = 0; t < 3; t++) z += at(x, [i, j, t]) ** 2;
    return at(x, [i, j, k]) / Math.sqrt(z);
  });
  close(l2Normalize(toTf(x), -1), l2);
  // no epsilon: a zero vector gives NaN, as x / ||x|| does
  assert.ok(Number.isNaN(l2Normalize(tf.zeros([1, 3]), -1).dataSync()[0]));
});

test("attention: softmax(scale q k^T + mask) v, plain and causal, n != m", () => {
  const q = randArr([2, 3, 4, 8]);
  const k = randArr([2, 3, 6, 8]);
  const v = randArr([2, 3, 6, 5]);
  close(attention(toTf(q), toTf(k), toTf(v), 0.35, false), refAttention(q, k, v, 0.35, false));
  const k2 = randArr([2, 3, 4, 8]);
  const v2 = randArr([2, 3, 4, 5]);
  const causal = attention(toTf(q), toTf(k2), toTf(v2), 0.35, true);
  close(causal, refAttention(q, k2, v2, 0.35, true));
  // the first query sees only the first key: its output is exactly v[0]
  const first = causal.slice([0, 0, 0, 0], [1, 1, 1, 5]).dataSync();
  close(tf.tensor(first, [5]), { shape: [5], data: Float64Array.from({ length: 5 }, (_, c) => at(v2, [0, 0, 0, c])) });
});

test("gather (embedding lookup) and gather_rows", () => {
  const table = randArr([7, 3]);
  const ids = [
    [1, 6, 1],
    [0, 2, 5],
  ];
  const g = gather(toTf(table), tf.tensor2d(ids, [2, 3], "int32"));
  close(
    g,
    build([2, 3, 3], ([i, j, c]) => at(table, [ids[i][j], c])),
  );
  const x = randArr([4, 5, 2]);
  const idx = randInts(4, 5);
  close(
    gatherRows(toTf(x), tf.tensor1d(idx, "int32")),
    build([4, 2], ([n, c]) => at(x, [n, idx[n], c])),
  );
});

test.run();
