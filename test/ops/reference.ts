/**
 * Float64 references for every op of the table, by definition, in plain loops over row-major arrays:
 * independent of every engine (tfjs, ONNX Runtime, torch) and of the op table's own rules, so an
 * engine's kernel and a VJP are checked against something that shares no code with them. Also the
 * central finite differences the VJPs are checked against. Test-only.
 */
import type { AttrsOf, OpName } from "../../src/compiler/ops/table.ts";
import type { Dim } from "../../src/compiler/ops/types.ts";

/** A dense float64 array with its shape (integers and bools as numbers too). */
export interface Arr {
  shape: number[];
  data: Float64Array;
}

export const numelOf = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);

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
  const n = numelOf(shape);
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

/** The multi-index of a flat position. */
function unravel(shape: readonly number[], flat: number): number[] {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i];
    flat = Math.floor(flat / shape[i]);
  }
  return idx;
}

const offset = (shape: readonly number[], idx: readonly number[]) => idx.reduce((acc, v, i) => acc * shape[i] + v, 0);
const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`reference: [${a}] and [${b}] do not broadcast`);
    return x === 1 ? y : x;
  });
}

const map = (a: Arr, f: (v: number) => number): Arr => ({ shape: a.shape, data: a.data.map(f) });
const binary =
  (f: (a: number, b: number) => number) =>
  ([a, b]: Arr[]) =>
    build(broadcastShape(a.shape, b.shape), (idx) => f(at(a, idx), at(b, idx)));

/**
 * erf by its everywhere-convergent series 2/sqrt(pi) exp(-x^2) sum x^(2n+1) 2^n / (2n+1)!!, whose terms are
 * all positive (no cancellation): a few ulps for |x| < 6; beyond, erf is +-1 to double precision.
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a >= 6) return Math.sign(x);
  let term = a;
  let sum = a;
  for (let n = 1; term > sum * 1e-17; n++) {
    term *= (2 * a * a) / (2 * n + 1);
    sum += term;
  }
  return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
}

/** The batched matrix product, batch axes broadcast. */
export function refMatmul(a: Arr, b: Arr): Arr {
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const rank = batch.length;
  return build([...batch, m, n], (idx) => {
    const pre = idx.slice(0, -2);
    let s = 0;
    for (let j = 0; j < k; j++) s += at(a, [...pre, idx[rank], j]) * at(b, [...pre, j, idx[rank + 1]]);
    return s;
  });
}

/** softmax(scale q k^T, -inf where j > i when causal) over the last axis; batch axes of q and k broadcast. */
export function refAttentionProbs(q: Arr, k: Arr, scale: number, causal: boolean): Arr {
  const r = q.shape.length;
  const [n, d] = q.shape.slice(-2);
  const m = k.shape[r - 2];
  const batch = broadcastShape(q.shape.slice(0, -2), k.shape.slice(0, -2));
  const s = build([...batch, n, m], (idx) => {
    const pre = idx.slice(0, -2);
    const [i, j] = idx.slice(-2);
    if (causal && j > i) return -Infinity;
    let t = 0;
    for (let x = 0; x < d; x++) t += at(q, [...pre, i, x]) * at(k, [...pre, j, x]);
    return scale * t;
  });
  return alongAxis(s, -1, softmaxOf);
}

/** softmax(scale q k^T + mask) v. */
export function refAttention(q: Arr, k: Arr, v: Arr, scale: number, causal: boolean): Arr {
  return refMatmul(refAttentionProbs(q, k, scale, causal), v);
}

/** f applied to every line of x along `axis` (a line in, a line of the same length out). */
function alongAxis(x: Arr, axis: number, f: (line: number[]) => number[]): Arr {
  const ax = normAxis(axis, x.shape.length);
  const st = strides(x.shape)[ax];
  const len = x.shape[ax];
  const out = new Float64Array(x.data.length);
  const outer = numelOf(x.shape.slice(0, ax));
  for (let o = 0; o < outer; o++)
    for (let inner = 0; inner < st; inner++) {
      const base = o * len * st + inner;
      const line = Array.from({ length: len }, (_, i) => x.data[base + i * st]);
      f(line).forEach((v, i) => (out[base + i * st] = v));
    }
  return { shape: x.shape, data: out };
}

function softmaxOf(line: number[]): number[] {
  const mx = Math.max(...line);
  const e = line.map((v) => Math.exp(v - mx));
  const z = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / z);
}

/** A reduction over `axes` (normalised), the reduced axes dropped or kept as 1. */
function reduce(
  x: Arr,
  axes: number[],
  keepdims: boolean,
  init: number,
  step: (acc: number, v: number) => number,
  finish = (acc: number, _n: number) => acc,
): Arr {
  const ax = axes.map((a) => normAxis(a, x.shape.length));
  const kept = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  const acc = new Float64Array(numelOf(kept)).fill(init);
  for (let p = 0; p < x.data.length; p++) {
    const idx = unravel(x.shape, p).map((v, i) => (ax.includes(i) ? 0 : v));
    const o = offset(kept, idx);
    acc[o] = step(acc[o], x.data[p]);
  }
  const count = numelOf(ax.map((a) => x.shape[a]));
  const data = acc.map((v) => finish(v, count));
  return { shape: keepdims ? kept : x.shape.filter((_, i) => !ax.includes(i)), data };
}

/** torch.nn.functional.convNd by definition: x [N, C, ...S], w [O, C / groups, ...K], b [O]. */
function conv(xs: Arr[], a: { stride: number[]; padding: number[]; dilation?: number[]; groups?: number }): Arr {
  const [x, w, b] = xs;
  const [n, , ...size] = x.shape;
  const [o, cg, ...kernel] = w.shape;
  const g = a.groups ?? 1;
  const d = a.dilation ?? kernel.map(() => 1);
  const out = size.map((s, i) => Math.floor((s + 2 * a.padding[i] - d[i] * (kernel[i] - 1) - 1) / a.stride[i]) + 1);
  const taps = numelOf(kernel);
  return build([n, o, ...out], ([ni, oi, ...p]) => {
    const grp = Math.floor(oi / (o / g));
    let s = b ? b.data[oi] : 0;
    for (let ci = 0; ci < cg; ci++)
      for (let t = 0; t < taps; t++) {
        const k = unravel(kernel, t);
        const pos = p.map((pi, i) => pi * a.stride[i] - a.padding[i] + k[i] * d[i]);
        if (pos.some((q, i) => q < 0 || q >= size[i])) continue;
        s += x.data[offset(x.shape, [ni, grp * cg + ci, ...pos])] * w.data[offset(w.shape, [oi, ci, ...k])];
      }
    return s;
  });
}

/** A dim of an attribute, which the caller has evaluated (the samples bind their symbols first). */
const num = (d: Dim): number => {
  if (typeof d !== "number") throw new Error(`reference: unbound dim ${d}`);
  return d;
};

const leaf = () => {
  throw new Error("reference: leaves are the graph's environment, not computed");
};

/** Each op's value from float64 operands (ids and bools as numbers) and its IR attributes, dims evaluated. */
export type Reference = { [O in OpName]: (xs: Arr[], attrs: AttrsOf<O>) => Arr };

const SQRT1_2 = Math.SQRT1_2;

export const reference: Reference = {
  input: leaf,
  param: leaf,
  const: leaf,

  add: binary((a, b) => a + b),
  sub: binary((a, b) => a - b),
  mul: binary((a, b) => a * b),
  div: binary((a, b) => a / b),
  pow: binary((a, b) => a ** b),
  maximum: binary((a, b) => Math.max(a, b)),
  minimum: binary((a, b) => Math.min(a, b)),
  equal: binary((a, b) => Number(a === b)),
  greater: binary((a, b) => Number(a > b)),

  neg: ([x]) => map(x, (v) => -v),
  exp: ([x]) => map(x, Math.exp),
  log: ([x]) => map(x, Math.log),
  sqrt: ([x]) => map(x, Math.sqrt),
  rsqrt: ([x]) => map(x, (v) => 1 / Math.sqrt(v)),
  sigmoid: ([x]) => map(x, (v) => 1 / (1 + Math.exp(-v))),
  tanh: ([x]) => map(x, Math.tanh),
  relu: ([x]) => map(x, (v) => Math.max(v, 0)),
  gelu: ([x]) => map(x, (v) => (v * (1 + erf(v * SQRT1_2))) / 2),
  abs: ([x]) => map(x, Math.abs),
  erf: ([x]) => map(x, erf),

  matmul: ([a, b]) => refMatmul(a, b),
  linear: ([x, w, b]) => {
    const [o, i] = w.shape;
    const lead = x.shape.slice(0, -1);
    return build([...lead, o], (idx) => {
      const row = idx.slice(0, -1);
      const oi = idx[idx.length - 1];
      let s = b ? b.data[oi] : 0;
      for (let j = 0; j < i; j++) s += x.data[offset(x.shape, [...row, j])] * w.data[oi * i + j];
      return s;
    });
  },
  conv1d: conv,
  conv2d: conv,
  conv3d: conv,
  layer_norm: ([x, w, b], { eps }) =>
    alongAxis(x, -1, (line) => {
      const mu = line.reduce((a, v) => a + v, 0) / line.length;
      const variance = line.reduce((a, v) => a + (v - mu) ** 2, 0) / line.length;
      return line.map((v, i) => ((v - mu) / Math.sqrt(variance + eps)) * w.data[i] + b.data[i]);
    }),

  softmax: ([x], { axis }) => alongAxis(x, axis, softmaxOf),
  log_softmax: ([x], { axis }) =>
    alongAxis(x, axis, (line) => {
      const mx = Math.max(...line);
      const lse = mx + Math.log(line.reduce((a, v) => a + Math.exp(v - mx), 0));
      return line.map((v) => v - lse);
    }),
  l2_normalize: ([x], { axis }) =>
    alongAxis(x, axis, (line) => {
      const norm = Math.sqrt(line.reduce((a, v) => a + v * v, 0));
      return line.map((v) => v / norm);
    }),
  argmax: ([x], { axis }) => {
    const ax = normAxis(axis, x.shape.length);
    // the first index of the largest entry: replace each line by its argmax, then keep position 0
    const lines = alongAxis(x, ax, (line) => line.map(() => line.indexOf(Math.max(...line))));
    const shape = x.shape.filter((_, i) => i !== ax);
    return build(shape, (idx) => lines.data[offset(x.shape, [...idx.slice(0, ax), 0, ...idx.slice(ax)])]);
  },
  mean: ([x], { axes, keepdims }) =>
    reduce(
      x,
      axes,
      keepdims,
      0,
      (a, v) => a + v,
      (a, n) => a / n,
    ),
  sum: ([x], { axes, keepdims }) => reduce(x, axes, keepdims, 0, (a, v) => a + v),
  max: ([x], { axes, keepdims }) => reduce(x, axes, keepdims, -Infinity, Math.max),

  reshape: ([x], { shape }) => {
    const s = shape.map(num);
    if (numelOf(s) !== x.data.length) throw new Error(`reference: reshape [${x.shape}] to [${s}]`);
    return { shape: s, data: x.data };
  },
  transpose: ([x], { perm }) =>
    build(
      perm.map((p) => x.shape[p]),
      (idx) => {
        const src = new Array<number>(perm.length);
        perm.forEach((p, i) => (src[p] = idx[i]));
        return x.data[offset(x.shape, src)];
      },
    ),
  concat: (xs, { axis }) => {
    const ax = normAxis(axis, xs[0].shape.length);
    const shape = xs[0].shape.map((d, i) => (i === ax ? xs.reduce((a, x) => a + x.shape[ax], 0) : d));
    return build(shape, (idx) => {
      let p = idx[ax];
      for (const x of xs) {
        if (p < x.shape[ax])
          return x.data[
            offset(
              x.shape,
              idx.map((v, i) => (i === ax ? p : v)),
            )
          ];
        p -= x.shape[ax];
      }
      throw new Error("reference: concat index out of range");
    });
  },
  broadcast_to: ([x], { shape }) => build(shape.map(num), (idx) => at(x, idx)),
  slice: ([x], { begin, size }) =>
    build(
      size.map(num),
      (idx) =>
        x.data[
          offset(
            x.shape,
            idx.map((v, i) => v + num(begin[i])),
          )
        ],
    ),
  pad: ([x], { before, after, value }) =>
    build(
      x.shape.map((d, i) => d + before[i] + after[i]),
      (idx) => {
        const src = idx.map((v, i) => v - before[i]);
        return src.every((v, i) => v >= 0 && v < x.shape[i]) ? x.data[offset(x.shape, src)] : value;
      },
    ),
  flip: ([x], { axes }) => {
    const ax = axes.map((a) => normAxis(a, x.shape.length));
    return build(
      x.shape,
      (idx) =>
        x.data[
          offset(
            x.shape,
            idx.map((v, i) => (ax.includes(i) ? x.shape[i] - 1 - v : v)),
          )
        ],
    );
  },

  gather: ([table, ids]) => {
    const rest = table.shape.slice(1);
    return build([...ids.shape, ...rest], (idx) => {
      const id = ids.data[offset(ids.shape, idx.slice(0, ids.shape.length))];
      return table.data[offset(table.shape, [id, ...idx.slice(ids.shape.length)])];
    });
  },
  gather_rows: ([x, index]) =>
    build([x.shape[0], ...x.shape.slice(2)], ([n, ...r]) => x.data[offset(x.shape, [n, index.data[n], ...r])]),
  scatter_add: ([ids, updates], { rows }) => {
    const rest = updates.shape.slice(ids.shape.length);
    const inner = numelOf(rest);
    const out = new Float64Array(num(rows) * inner);
    ids.data.forEach((id, i) => {
      for (let j = 0; j < inner; j++) out[id * inner + j] += updates.data[i * inner + j];
    });
    return { shape: [num(rows), ...rest], data: out };
  },
  one_hot: ([ids], { depth }) =>
    build([...ids.shape, num(depth)], (idx) =>
      Number(ids.data[offset(ids.shape, idx.slice(0, -1))] === idx[idx.length - 1]),
    ),
  attention: ([q, k, v], { scale, causal }) => refAttention(q, k, v, scale, causal),
  attention_probs: ([q, k], { scale, causal }) => refAttentionProbs(q, k, scale, causal),

  fill: (_xs, { shape, value, dtype }) => build(shape.map(num), () => (dtype === "bool" ? Number(value !== 0) : value)),
  cast: ([x], { dtype }) => map(x, (v) => (dtype === "f32" ? v : dtype === "bool" ? Number(v !== 0) : Math.trunc(v))),
  // the identity at inference, which is how the engines run these graphs
  dropout: ([x]) => x,
};

/**
 * d(sum(f(xs) * r)) / d(xs[which]) by central differences in float64 (step h): the reference every VJP is
 * held to. xs[which] is perturbed in place and restored.
 */
export function numericGrad(f: (xs: Arr[]) => Arr, xs: Arr[], r: Arr, which: number, h = 1e-6): Arr {
  const loss = (ys: Arr) => ys.data.reduce((s, v, i) => s + v * r.data[i], 0);
  const x = xs[which];
  const g = new Float64Array(x.data.length);
  for (let i = 0; i < g.length; i++) {
    const keep = x.data[i];
    x.data[i] = keep + h;
    const up = loss(f(xs));
    x.data[i] = keep - h;
    const down = loss(f(xs));
    x.data[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return { shape: x.shape, data: g };
}
