/** Normalisations, softmax and the axis reductions. */
import * as z from "zod/v4";
import * as P from "../0-core/dim.ts";
import { mismatch, normAxis, one, same, withAxis } from "./rule-helpers.ts";
import { defineOp, type Decompose, type GradRule, type GV, type RuleResult, type TT } from "./types.ts";
import { grad, normAxes, type Grad } from "./grad.ts";

const int = z.number().int();
/** torch.nn.LayerNorm's default, the one place it is written. */
export const LAYER_NORM_EPS = 1e-5;

export const layer_norm = defineOp({
  operands: "x, weight, bias",
  attrs: z.object({ eps: z.number().default(LAYER_NORM_EPS) }),
  dims: [],
  builtins: [
    {
      name: "layer_norm",
      params: [
        { name: "x", kind: "tensor" },
        { name: "weight", kind: "tensor" },
        { name: "bias", kind: "tensor" },
        { name: "eps", kind: "float", default: LAYER_NORM_EPS },
      ],
      lower: (a) => ({ inputs: [a.x, a.weight, a.bias], attrs: { eps: a.eps } }),
    },
  ],
  shape: ([x, g, b]) => {
    const d = x.shape[x.shape.length - 1];
    if (!d || g.shape.length !== 1 || !P.equal(g.shape[0], d))
      return mismatch("`layer_norm` (gain vs last axis)", x, g);
    if (b.shape.length !== 1 || !P.equal(b.shape[0], d)) return mismatch("`layer_norm` (bias vs last axis)", x, b);
    return same(x);
  },
  shapeText: "x [..., d], weight [d], bias [d] -> [..., d]",
  macs: 0,
  macsText: "0 (elementwise)",
  semantics:
    "(x - mean) / sqrt(var + eps) * weight + bias over the last axis, with the biased variance, as torch.nn.LayerNorm.",
  grad: {
    // xhat = (x - mu) rstd; dxhat = g w; dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat)); dw = sum(g xhat); db = sum(g)
    vjp: ({ e, attrs, args: [x, w], g, needs }) => {
      const d = grad(e);
      const last = x.shape.length - 1;
      const lead = [...Array(last).keys()];
      const centred = d.sub(x, d.mean(x, [last], true));
      const rstd = d.rsqrt(d.add(d.mean(d.mul(centred, centred), [last], true), d.k(attrs.eps)));
      const xhat = d.mul(centred, rstd);
      let dx: GV | undefined;
      if (needs[0]) {
        const dxhat = d.mul(g, w);
        const inner = d.sub(
          d.sub(dxhat, d.mean(dxhat, [last], true)),
          d.mul(xhat, d.mean(d.mul(dxhat, xhat), [last], true)),
        );
        dx = d.mul(inner, rstd);
      }
      return [dx, needs[1] ? d.sum(d.mul(g, xhat), lead) : undefined, needs[2] ? d.sum(g, lead) : undefined];
    },
  },
  traits: { lastAxis: true },
});

const axisOp = (
  name: string,
  shape: (x: TT, axis: number) => RuleResult,
  shapeText: string,
  semantics: string,
  gradRule: GradRule<{ axis: number }>,
) =>
  defineOp({
    operands: "x",
    attrs: z.object({ axis: int }),
    dims: [],
    builtins: [
      {
        name,
        params: [
          { name: "x", kind: "tensor" },
          { name: "axis", kind: "int", default: -1 },
        ],
        lower: (a) => ({ inputs: [a.x], attrs: { axis: a.axis } }),
      },
    ],
    shape: withAxis(shape),
    shapeText,
    macs: 0,
    macsText: "0",
    semantics,
    grad: gradRule,
  });

/** A VJP along one normalised axis: f(d, x, out, g, axis). */
const axisGrad = (f: (d: Grad, x: GV, out: GV, g: GV, axis: number) => GV): GradRule<{ axis: number }> => ({
  vjp: ({ e, attrs, args: [x], out, g, needs }) => [
    needs[0] ? f(grad(e), x, out, g, normAxes([attrs.axis], x.shape.length)[0]) : undefined,
  ],
});

export const softmax = axisOp(
  "softmax",
  same,
  "x -> x's shape; axis in range (negative counts from the end)",
  "exp(x) / sum(exp(x)) along `axis`, computed stably.",
  axisGrad((d, _x, y, g, axis) => d.mul(y, d.sub(g, d.sum(d.mul(g, y), [axis], true)))),
);
export const log_softmax = axisOp(
  "log_softmax",
  same,
  "x -> x's shape; axis in range (negative counts from the end)",
  "x - log(sum(exp(x))) along `axis`, computed stably (cross-entropy's log-probabilities).",
  axisGrad((d, _x, y, g, axis) => d.sub(g, d.mul(d.exp(y), d.sum(g, [axis], true)))),
);
// y = x / n: dx = (g - y sum(g y)) / n
/** ||x|| along one normalised axis, kept as size 1: what l2_normalize divides by. */
const norm = (d: Grad, x: GV, axis: number) => d.sqrt(d.sum(d.mul(x, x), [axis], true));
// no epsilon here either: a zero vector gives 0 / 0, as the op says
const l2Decomposed: Decompose<{ axis: number }> = ({ e, attrs, args: [x] }) => {
  const d = grad(e);
  return d.div(x, norm(d, x, normAxes([attrs.axis], x.shape.length)[0]));
};
export const l2_normalize = {
  ...axisOp(
    "l2_normalize",
    same,
    "x -> x's shape; axis in range",
    "x / ||x|| along `axis`, with no epsilon (CLIP's feature normalisation divides by the norm as is).",
    axisGrad((d, x, y, g, axis) => d.div(d.sub(g, d.mul(y, d.sum(d.mul(g, y), [axis], true))), norm(d, x, axis))),
  ),
  decompose: l2Decomposed,
};
export const argmax = axisOp(
  "argmax",
  (x, axis) => ({ dtype: "i32", shape: x.shape.filter((_, i) => i !== axis) }),
  "x -> i32, x's shape without `axis`",
  "The index of the largest entry along `axis` (the first one on ties).",
  { nondifferentiable: "an integer index: piecewise constant" },
);

type Reduced = { axes: number[]; keepdims: boolean };
/** g and the value brought back to x's rank (size 1 on the reduced axes), then broadcast to x's shape. */
const spread = (d: Grad, v: GV, x: GV, axes: number[]) =>
  d.broadcast(
    d.reshape(
      v,
      x.shape.map((s, i) => (axes.includes(i) ? 1 : s)),
    ),
    x.shape,
  );
const reduceGrad = (f: (d: Grad, x: GV, out: GV, g: GV, axes: number[]) => GV): GradRule<Reduced> => ({
  vjp: ({ e, attrs, args: [x], out, g, needs }) => [
    needs[0] ? f(grad(e), x, out, g, normAxes(attrs.axes, x.shape.length)) : undefined,
  ],
});
/** How many entries each output averages: a number, or computed from a filled tensor when a reduced axis is symbolic. */
function count(d: Grad, x: GV, axes: number[]): GV {
  const dims = axes.map((a) => x.shape[a]);
  if (dims.every((n) => typeof n === "number")) return d.k((dims as number[]).reduce((a, b) => a * b, 1));
  return d.sum(
    d.op("fill", [], { shape: dims, value: 1, dtype: "f32" }),
    dims.map((_, i) => i),
  );
}

const reduce = (name: "mean" | "sum" | "max", semantics: string, gradRule: GradRule<Reduced>) =>
  defineOp({
    operands: "x",
    attrs: z.object({ axes: z.array(int), keepdims: z.boolean() }),
    dims: [],
    builtins: [
      {
        name,
        params: [
          { name: "x", kind: "tensor" },
          { name: "axis", kind: "ints" },
          { name: "keepdims", kind: "bool", default: false },
        ],
        lower: (a) => ({ inputs: [a.x], attrs: { axes: a.axis, keepdims: a.keepdims } }),
      },
    ],
    shape: ([x], attrs) => {
      const axes = attrs.axes.map((a) => normAxis(a, x.shape.length));
      if (axes.some((a) => a === undefined)) return { code: "axis_out_of_range", args: [attrs.axes, x.shape.length] };
      const shape = x.shape.flatMap((d, i) => (axes.includes(i) ? (attrs.keepdims ? [one] : []) : [d]));
      return { dtype: x.dtype, shape };
    },
    shapeText: "x -> x's shape without `axes` (kept as 1 with keepdims); every axis in range",
    macs: 0,
    macsText: "0",
    semantics,
    grad: gradRule,
  });

export const mean = reduce(
  "mean",
  "The mean over `axes` (the builtin's `axis:` takes one axis or a list).",
  reduceGrad((d, x, _o, g, axes) => d.div(spread(d, g, x, axes), count(d, x, axes))),
);
export const sum = reduce(
  "sum",
  "The sum over `axes`.",
  reduceGrad((d, x, _o, g, axes) => spread(d, g, x, axes)),
);
// the cotangent goes to the largest entries, split evenly between ties (torch's amax)
export const max = reduce(
  "max",
  "The largest entry over `axes`.",
  reduceGrad((d, x, out, g, axes) => {
    const hit = d.f32(d.equal(x, spread(d, out, x, axes)));
    return d.div(d.mul(hit, spread(d, g, x, axes)), spread(d, d.sum(hit, axes, true), x, axes));
  }),
);
