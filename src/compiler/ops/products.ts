/** The ops that count multiply-accumulates: matrix products, linear layers, convolutions. */
import * as z from "zod/v4";
import * as P from "../0-core/dim.ts";
import { broadcastShapes, mismatch, product } from "./rule-helpers.ts";
import { defineOp, type Dim, type GV } from "./types.ts";
import { dimProduct, grad, type Grad } from "./grad.ts";

const int = z.number().int();
const last = <T>(a: readonly T[], i = 1) => a[a.length - i];

export const matmul = defineOp({
  operands: "a, b",
  syntax: "a @ b",
  attrs: z.object({}),
  dims: [],
  builtins: [
    {
      name: "matmul",
      params: [
        { name: "a", kind: "tensor" },
        { name: "b", kind: "tensor" },
      ],
      lower: (a) => ({ inputs: [a.a, a.b], attrs: {} }),
    },
  ],
  shape: ([a, b]) => {
    if (a.shape.length < 2 || b.shape.length < 2)
      return { code: "rank_mismatch", args: ["`@`", "2 or more", String(Math.min(a.shape.length, b.shape.length))] };
    if (a.dtype !== b.dtype) return { code: "dtype_mismatch", args: ["`@`", a.dtype, b.dtype] };
    if (!P.equal(last(a.shape), last(b.shape, 2))) return mismatch("`@`", a, b);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    if (!batch) return mismatch("`@`", a, b);
    return { dtype: a.dtype, shape: [...batch, last(a.shape, 2), last(b.shape)] };
  },
  shapeText: "[..., m, k] @ [..., k, n] -> [..., m, n]; batch dims broadcast; both of rank 2 or more, one dtype",
  macs: ({ out, args }) => product(out) * last(args[0]),
  macsText: "numel(out) * k",
  semantics:
    "The matrix product over the last two axes, batch axes broadcast as numpy does. Rank-1 operands are not allowed (write the reshape).",
  grad: {
    vjp: ({ e, args: [a, b], g, needs }) => {
      const d = grad(e);
      return [
        needs[0] ? d.unbroadcast(d.matmul(g, d.swapLast(b)), a.shape) : undefined,
        needs[1] ? d.unbroadcast(d.matmul(d.swapLast(a), g), b.shape) : undefined,
      ];
    },
  },
});

export const linear = defineOp({
  operands: "x, weight, bias?",
  attrs: z.object({}),
  dims: [],
  builtins: [
    {
      name: "linear",
      params: [
        { name: "x", kind: "tensor" },
        { name: "weight", kind: "tensor" },
        { name: "bias", kind: "tensor?" },
      ],
      lower: (a) => ({ inputs: a.bias ? [a.x, a.weight, a.bias] : [a.x, a.weight], attrs: {} }),
    },
  ],
  shape: ([x, w, b]) => {
    if (w.shape.length !== 2)
      return { code: "rank_mismatch", args: ["the weight of `linear`", "2", String(w.shape.length)] };
    if (x.shape.length < 1 || !P.equal(last(x.shape), w.shape[1]))
      return mismatch("`linear` (input features vs weight [out, in])", x, w);
    if (b && (b.shape.length !== 1 || !P.equal(b.shape[0], w.shape[0])))
      return mismatch("`linear` (bias vs weight)", b, w);
    return { dtype: x.dtype, shape: [...x.shape.slice(0, -1), w.shape[0]] };
  },
  shapeText: "x [..., in], weight [out, in], bias [out] -> [..., out]",
  macs: ({ out, args }) => product(out) * args[1][1],
  macsText: "numel(out) * in",
  semantics:
    "x @ weight^T + bias, as torch.nn.functional.linear: the weight is in torch's [out, in] layout (back ends may re-lay it once at load).",
  grad: {
    // x [..., in], W [out, in]: dx = g W; dW = g^T x over all leading axes as rows; db = sum of g's rows
    vjp: ({ e, args: [x, w, b], g, needs }) => {
      const d = grad(e);
      const [o, i] = w.shape;
      const rows = dimProduct(x.shape.slice(0, -1));
      const g2 = d.reshape(g, [rows, o]);
      return [
        needs[0] ? d.reshape(d.matmul(g2, w), x.shape) : undefined,
        needs[1] ? d.matmul(d.transpose(g2, [1, 0]), d.reshape(x, [rows, i])) : undefined,
        b && needs[2] ? d.sum(g2, [0]) : undefined,
      ];
    },
  },
  traits: { lastAxis: true, weight: "linear" },
});

export const attention = defineOp({
  operands: "q, k, v",
  attrs: z.object({ scale: z.number(), causal: z.boolean() }),
  dims: [],
  builtins: [
    {
      name: "attention",
      params: [
        { name: "q", kind: "tensor" },
        { name: "k", kind: "tensor" },
        { name: "v", kind: "tensor" },
        { name: "scale", kind: "float", default: null, defaultText: "1/sqrt(d)" },
        { name: "causal", kind: "bool", default: false },
      ],
      lower: (a) => {
        if (a.scale !== undefined) return { inputs: [a.q, a.k, a.v], attrs: { scale: a.scale, causal: a.causal } };
        // the default 1/sqrt(d) needs a number for d; a guess here would silently change the model
        const d = P.asConstant(last(a.q.shape as P.Poly[]));
        if (d === undefined || d <= 0)
          return {
            code: "bad_operand",
            args: [
              "`attention` without `scale:`",
              `a query of symbolic head dimension ${P.format(last(a.q.shape as P.Poly[]))} (pass \`scale:\`)`,
            ],
            needsSizes: true,
          };
        return { inputs: [a.q, a.k, a.v], attrs: { scale: d ** -0.5, causal: a.causal } };
      },
    },
  ],
  shape: ([q, k, v]) => {
    const r = q.shape.length;
    if (r < 2 || k.shape.length !== r || v.shape.length !== r)
      return { code: "rank_mismatch", args: ["`attention`", String(r), `${k.shape.length} and ${v.shape.length}`] };
    if (!P.equal(q.shape[r - 1], k.shape[r - 1])) return mismatch("`attention` (query vs key features)", q, k);
    if (!P.equal(k.shape[r - 2], v.shape[r - 2])) return mismatch("`attention` (key vs value length)", k, v);
    const batch = broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2));
    if (!batch) return mismatch("`attention`", q, k);
    return { dtype: q.dtype, shape: [...batch, q.shape[r - 2], v.shape[r - 1]] };
  },
  shapeText: "q [..., n, d], k [..., m, d], v [..., m, e] -> [..., n, e]; one rank; batch dims of q and k broadcast",
  macs: ({ out, args }) => {
    const [q, k] = args;
    const rows = product(q.slice(0, -1)); // batch x heads x n
    return rows * last(k, 2) * last(q) + rows * last(k, 2) * last(out);
  },
  macsText: "rows * m * d + rows * m * e, rows = numel(q) / d (the two products)",
  semantics:
    "softmax(scale * q k^T + mask) v over the last two axes, the mask -inf above the " +
    "diagonal when `causal`. `scale` defaults to 1/sqrt(d) and must then have a numeric d.",
  decompose: ({ e, attrs, args: [q, k, v] }) => grad(e).matmul(e.op("attention_probs", [q, k], attrs), v),
  grad: {
    // p = softmax(scale q k^T + mask) again (attention_probs), then dv = p^T g and the probabilities' VJP with dp = g v^T
    vjp: ({ e, attrs, args: [q, k, v], g, needs }) => {
      const d = grad(e);
      const p = e.op("attention_probs", [q, k], attrs);
      const dv = needs[2] ? d.unbroadcast(d.matmul(d.swapLast(p), g), v.shape) : undefined;
      if (!needs[0] && !needs[1]) return [undefined, undefined, dv];
      const [dq, dk] = probsVjp(d, attrs.scale, q, k, p, d.matmul(g, d.swapLast(v)), needs);
      return [dq, dk, dv];
    },
  },
});

/** The VJP of p = softmax(scale q k^T + mask) for the cotangent dp: ds = p (dp - sum(dp p)), dq = scale ds k, dk = scale ds^T q. */
function probsVjp(
  d: Grad,
  scale: number,
  q: GV,
  k: GV,
  p: GV,
  dp: GV,
  needs: readonly boolean[],
): [GV | undefined, GV | undefined] {
  const r = p.shape.length;
  const ds = d.mul(d.mul(p, d.sub(dp, d.sum(d.mul(dp, p), [r - 1], true))), d.k(scale));
  return [
    needs[0] ? d.unbroadcast(d.matmul(ds, k), q.shape) : undefined,
    needs[1] ? d.unbroadcast(d.matmul(d.swapLast(ds), q), k.shape) : undefined,
  ];
}

export const attention_probs = defineOp({
  operands: "q, k",
  attrs: z.object({ scale: z.number(), causal: z.boolean() }),
  dims: [],
  builtins: [],
  shape: ([q, k]) => {
    const r = q.shape.length;
    if (r < 2 || k.shape.length !== r)
      return { code: "rank_mismatch", args: ["`attention_probs`", String(r), String(k.shape.length)] };
    if (!P.equal(q.shape[r - 1], k.shape[r - 1])) return mismatch("`attention_probs` (query vs key features)", q, k);
    const batch = broadcastShapes(q.shape.slice(0, -2), k.shape.slice(0, -2));
    if (!batch) return mismatch("`attention_probs`", q, k);
    return { dtype: q.dtype, shape: [...batch, q.shape[r - 2], k.shape[r - 2]] };
  },
  shapeText: "q [..., n, d], k [..., m, d] -> [..., n, m]; batch dims broadcast",
  macs: ({ args }) => product(args[0].slice(0, -1)) * last(args[1], 2) * last(args[0]),
  macsText: "rows * m * d, rows = numel(q) / d",
  semantics:
    "The attention weights softmax(scale * q k^T + mask) over the last axis, the mask -inf above the diagonal " +
    "when `causal`: the first half of `attention`, which its gradient computes again instead of keeping.",
  // the scale on q (n x d products) rather than on the scores (n x m)
  decompose: ({ e, attrs: { scale, causal }, args: [q, k] }) => {
    const d = grad(e);
    const s = d.matmul(scale === 1 ? q : d.mul(q, d.k(scale)), d.swapLast(k));
    const [n, m] = s.shape.slice(-2);
    const mask = causal ? causalMask(d, n, m) : undefined;
    return d.op("softmax", [mask ? d.add(s, mask) : s], { axis: -1 });
  },
  grad: {
    vjp: ({ e, attrs, args: [q, k], out, g, needs }) => probsVjp(grad(e), attrs.scale, q, k, out, g, needs),
  },
});

/**
 * The causal mask, [n, m]: 0 where j <= i, -inf where j > i; undefined when no key lies past a query (m = 1). Built from
 * ops of the table alone, so engines and exports share it: a row z of m + n entries, 1 at t = 0 and t >= m and 0 between,
 * repeated n times and read back with rows of m + n - 1 entries, holds z[(j - i) mod (m + n)] at [i, j], which is 0
 * exactly when 0 < j - i < m; its log is the mask (log 0 = -inf, which no attribute may hold).
 */
function causalMask(d: Grad, n: Dim, m: Dim): GV | undefined {
  if (m === 1) return undefined;
  const [pn, pm] = [P.parse(n), P.parse(m)];
  const dim = P.dimToIr;
  const ones = (len: P.Poly, value: number) => d.op("fill", [], { shape: [dim(len)], value, dtype: "f32" });
  const z = d.op("concat", [ones(P.constant(1), 1), ones(P.sub(pm, P.constant(1)), 0), ones(pn, 1)], { axis: 0 });
  const w = P.add(pm, pn);
  const flat = d.reshape(d.broadcast(d.reshape(z, [1, dim(w)]), [n, dim(w)]), [dim(P.mul(pn, w))]);
  const skew = d.reshape(d.op("slice", [flat], { begin: [0], size: [dim(P.mul(pn, P.sub(w, P.constant(1))))] }), [
    n,
    dim(P.sub(w, P.constant(1))),
  ]);
  return d.log(d.op("slice", [skew], { begin: [0, 0], size: [n, m] }));
}
