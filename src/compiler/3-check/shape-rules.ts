/**
 * One shape rule per primitive op, shared by the checker (which builds the graph) and the IR
 * verifier (which re-derives every node's type from its inputs). Shapes are symbolic polynomials.
 */
import * as P from "../4-ir/dim.ts";
import type { DType, OpName } from "../4-ir/schema.ts";

export interface TT {
  dtype: DType;
  shape: P.Poly[];
}
export type Attrs = Record<string, unknown>;
/** A rule failure: the catalogue entry and its arguments; the caller adds the place. */
export type RuleError = { code: "shape_mismatch" | "rank_mismatch" | "axis_out_of_range" | "dtype_mismatch" | "bad_reshape" | "bad_operand" | "arity"; args: unknown[] };
export type RuleResult = TT | RuleError;

export const isRuleError = (r: RuleResult): r is RuleError => "code" in r;
export const showShape = (s: readonly P.Poly[]) => `[${s.map(P.format).join(", ")}]`;
const mismatch = (op: string, a: TT, b: TT): RuleError => ({ code: "shape_mismatch", args: [op, showShape(a.shape), showShape(b.shape)] });
const one = P.constant(1);
const isOne = (d: P.Poly) => P.equal(d, one);

export function broadcastShapes(a: readonly P.Poly[], b: readonly P.Poly[]): P.Poly[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: P.Poly[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i];
    const y = b[b.length - n + i];
    if (x === undefined) out.push(y);
    else if (y === undefined) out.push(x);
    else if (P.equal(x, y) || isOne(y)) out.push(x);
    else if (isOne(x)) out.push(y);
    else return undefined;
  }
  return out;
}

export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

const numel = (s: readonly P.Poly[]) => s.reduce((acc, d) => P.mul(acc, d), P.constant(1));

type Rule = (args: TT[], attrs: Attrs) => RuleResult;
const floatOnly = (op: string, t: TT): RuleError | undefined =>
  t.dtype === "f32" ? undefined : { code: "bad_operand", args: [`\`${op}\``, `a ${t.dtype} tensor`] };

const elementwise: Rule = (args, attrs) => {
  const [a, b] = args;
  const op = String(attrs.__op ?? "elementwise");
  if (a.dtype !== b.dtype) return { code: "dtype_mismatch", args: [`\`${op}\``, a.dtype, b.dtype] };
  const shape = broadcastShapes(a.shape, b.shape);
  return shape ? { dtype: a.dtype, shape } : mismatch(`\`${op}\``, a, b);
};
const unary: Rule = (args, attrs) => floatOnly(String(attrs.__op), args[0]) ?? { dtype: args[0].dtype, shape: args[0].shape };
const reduce: Rule = ([x], attrs) => {
  const axes = (attrs.axes as number[]).map((a) => normAxis(a, x.shape.length));
  if (axes.some((a) => a === undefined)) return { code: "axis_out_of_range", args: [attrs.axes, x.shape.length] };
  const keep = !!attrs.keepdims;
  const shape = x.shape.flatMap((d, i) => (axes.includes(i) ? (keep ? [one] : []) : [d]));
  return { dtype: x.dtype, shape };
};
const withAxis = (f: (x: TT, axis: number) => RuleResult): Rule => ([x], attrs) => {
  const axis = normAxis(attrs.axis as number, x.shape.length);
  return axis === undefined ? { code: "axis_out_of_range", args: [attrs.axis, x.shape.length] } : f(x, axis);
};

export const shapeRules: Record<Exclude<OpName, "input" | "param" | "const">, Rule> = {
  add: elementwise, sub: elementwise, mul: elementwise, div: elementwise, pow: elementwise, maximum: elementwise, minimum: elementwise,
  neg: unary, exp: unary, log: unary, sqrt: unary, rsqrt: unary, sigmoid: unary, tanh: unary, relu: unary, gelu: unary, abs: unary,
  matmul: ([a, b]) => {
    if (a.shape.length < 2 || b.shape.length < 2) return { code: "rank_mismatch", args: ["`@`", "2 or more", String(Math.min(a.shape.length, b.shape.length))] };
    if (a.dtype !== b.dtype) return { code: "dtype_mismatch", args: ["`@`", a.dtype, b.dtype] };
    const k1 = a.shape[a.shape.length - 1];
    const k2 = b.shape[b.shape.length - 2];
    if (!P.equal(k1, k2)) return mismatch("`@`", a, b);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (!batch) return mismatch("`@`", a, b);
    return { dtype: a.dtype, shape: [...batch, a.shape[a.shape.length - 2], b.shape[b.shape.length - 1]] };
  },
  linear: ([x, w, b]) => {
    if (w.shape.length !== 2) return { code: "rank_mismatch", args: ["the weight of `linear`", "2", String(w.shape.length)] };
    if (x.shape.length < 1 || !P.equal(x.shape[x.shape.length - 1], w.shape[1])) return mismatch("`linear` (input features vs weight [out, in])", x, w);
    if (b && (b.shape.length !== 1 || !P.equal(b.shape[0], w.shape[0]))) return mismatch("`linear` (bias vs weight)", b, w);
    return { dtype: x.dtype, shape: [...x.shape.slice(0, -1), w.shape[0]] };
  },
  conv2d: ([x, w, b], attrs) => {
    if (x.shape.length !== 4) return { code: "rank_mismatch", args: ["`conv2d`", "4", String(x.shape.length)] };
    if (w.shape.length !== 4 || !P.equal(x.shape[1], w.shape[1])) return mismatch("`conv2d` (channels)", x, w);
    if (b && (b.shape.length !== 1 || !P.equal(b.shape[0], w.shape[0]))) return mismatch("`conv2d` (bias)", b, w);
    const [sh, sw] = attrs.stride as number[];
    const [ph, pw] = attrs.padding as number[];
    const out = (n: P.Poly, k: P.Poly, s: number, p: number) => {
      const nn = P.asConstant(n);
      const kk = P.asConstant(k);
      if (nn === undefined || kk === undefined) return undefined;
      return P.constant(Math.floor((nn + 2 * p - kk) / s) + 1);
    };
    const h = out(x.shape[2], w.shape[2], sh, ph);
    const wd = out(x.shape[3], w.shape[3], sw, pw);
    if (!h || !wd) return { code: "bad_operand", args: ["`conv2d`", "symbolic spatial sizes"] };
    return { dtype: x.dtype, shape: [x.shape[0], w.shape[0], h, wd] };
  },
  layer_norm: ([x, g, b]) => {
    const d = x.shape[x.shape.length - 1];
    if (!d || g.shape.length !== 1 || !P.equal(g.shape[0], d)) return mismatch("`layer_norm` (gain vs last axis)", x, g);
    if (b.shape.length !== 1 || !P.equal(b.shape[0], d)) return mismatch("`layer_norm` (bias vs last axis)", x, b);
    return { dtype: x.dtype, shape: x.shape };
  },
  softmax: withAxis((x) => ({ dtype: x.dtype, shape: x.shape })),
  l2_normalize: withAxis((x) => ({ dtype: x.dtype, shape: x.shape })),
  argmax: withAxis((x, axis) => ({ dtype: "i32", shape: x.shape.filter((_, i) => i !== axis) })),
  mean: reduce, sum: reduce, max: reduce,
  reshape: ([x], attrs) => {
    const shape = attrs.shape as P.Poly[];
    if (!P.equal(numel(x.shape), numel(shape))) return { code: "bad_reshape", args: [showShape(x.shape), showShape(shape)] };
    return { dtype: x.dtype, shape };
  },
  transpose: ([x], attrs) => {
    const perm = attrs.perm as number[];
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x.shape.length || sorted.some((p, i) => p !== i)) return { code: "rank_mismatch", args: ["`transpose` permutation", String(x.shape.length), `[${perm.join(", ")}]`] };
    return { dtype: x.dtype, shape: perm.map((p) => x.shape[p]) };
  },
  concat: (args, attrs) => {
    const first = args[0];
    const axis = normAxis(attrs.axis as number, first.shape.length);
    if (axis === undefined) return { code: "axis_out_of_range", args: [attrs.axis, first.shape.length] };
    let total: P.Poly = P.constant(0);
    for (const t of args) {
      if (t.dtype !== first.dtype) return { code: "dtype_mismatch", args: ["`concat`", first.dtype, t.dtype] };
      if (t.shape.length !== first.shape.length || t.shape.some((d, i) => i !== axis && !P.equal(d, first.shape[i]))) return mismatch("`concat`", first, t);
      total = P.add(total, t.shape[axis]);
    }
    return { dtype: first.dtype, shape: first.shape.map((d, i) => (i === axis ? total : d)) };
  },
  broadcast_to: ([x], attrs) => {
    const shape = attrs.shape as P.Poly[];
    const b = broadcastShapes(x.shape, shape);
    if (!b || b.length !== shape.length || b.some((d, i) => !P.equal(d, shape[i]))) return { code: "shape_mismatch", args: ["`broadcast`", showShape(x.shape), showShape(shape)] };
    return { dtype: x.dtype, shape };
  },
  slice: ([x], attrs) => {
    const size = attrs.size as P.Poly[];
    if (size.length !== x.shape.length) return { code: "rank_mismatch", args: ["`slice`", String(x.shape.length), String(size.length)] };
    return { dtype: x.dtype, shape: size };
  },
  gather: ([table, ids]) => {
    if (ids.dtype === "f32") return { code: "bad_operand", args: ["`gather` indices", "a f32 tensor"] };
    return { dtype: table.dtype, shape: [...ids.shape, ...table.shape.slice(1)] };
  },
  gather_rows: ([x, idx]) => {
    if (idx.dtype === "f32") return { code: "bad_operand", args: ["`gather_rows` indices", "a f32 tensor"] };
    if (x.shape.length < 2 || idx.shape.length !== 1 || !P.equal(idx.shape[0], x.shape[0])) return mismatch("`gather_rows`", x, idx);
    return { dtype: x.dtype, shape: [x.shape[0], ...x.shape.slice(2)] };
  },
  attention: ([q, k, v]) => {
    const r = q.shape.length;
    if (r < 2 || k.shape.length !== r || v.shape.length !== r) return { code: "rank_mismatch", args: ["`attention`", String(r), `${k.shape.length} and ${v.shape.length}`] };
    if (!P.equal(q.shape[r - 1], k.shape[r - 1])) return mismatch("`attention` (query vs key features)", q, k);
    if (!P.equal(k.shape[r - 2], v.shape[r - 2])) return mismatch("`attention` (key vs value length)", k, v);
    const batch = broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2));
    if (!batch) return mismatch("`attention`", q, k);
    return { dtype: q.dtype, shape: [...batch, q.shape[r - 2], v.shape[r - 1]] };
  },
  fill: (_args, attrs) => ({ dtype: (attrs.dtype as DType) ?? "f32", shape: attrs.shape as P.Poly[] }),
  cast: ([x], attrs) => ({ dtype: attrs.dtype as DType, shape: x.shape }),
  dropout: ([x]) => ({ dtype: x.dtype, shape: x.shape }),
};

export { numel };
