/** Normalisations, softmax and the axis reductions. */
import { z } from "zod";
import * as P from "../4-ir/dim.ts";
import { mismatch, normAxis, one, same, withAxis } from "./rule-helpers.ts";
import { defineOp, type RuleResult, type TT } from "./types.ts";

const int = z.number().int();
/** torch.nn.LayerNorm's default, the one place it is written. */
export const LAYER_NORM_EPS = 1e-5;

export const layer_norm = defineOp({
  operands: "x, weight, bias",
  attrs: z.object({ eps: z.number().default(LAYER_NORM_EPS) }),
  dims: [],
  builtins: [{
    name: "layer_norm",
    params: [{ name: "x", kind: "tensor" }, { name: "weight", kind: "tensor" }, { name: "bias", kind: "tensor" }, { name: "eps", kind: "float", default: LAYER_NORM_EPS }],
    lower: (a) => ({ inputs: [a.x, a.weight, a.bias], attrs: { eps: a.eps } }),
  }],
  shape: ([x, g, b]) => {
    const d = x.shape[x.shape.length - 1];
    if (!d || g.shape.length !== 1 || !P.equal(g.shape[0], d)) return mismatch("`layer_norm` (gain vs last axis)", x, g);
    if (b.shape.length !== 1 || !P.equal(b.shape[0], d)) return mismatch("`layer_norm` (bias vs last axis)", x, b);
    return same(x);
  },
  shapeText: "x [..., d], weight [d], bias [d] -> [..., d]",
  macs: 0,
  macsText: "0 (elementwise)",
  semantics: "(x - mean) / sqrt(var + eps) * weight + bias over the last axis, with the biased variance, as torch.nn.LayerNorm.",
});

const axisOp = (name: string, shape: (x: TT, axis: number) => RuleResult, shapeText: string, semantics: string) =>
  defineOp({
    operands: "x",
    attrs: z.object({ axis: int }),
    dims: [],
    builtins: [{ name, params: [{ name: "x", kind: "tensor" }, { name: "axis", kind: "int", default: -1 }], lower: (a) => ({ inputs: [a.x], attrs: { axis: a.axis } }) }],
    shape: withAxis(shape),
    shapeText,
    macs: 0,
    macsText: "0",
    semantics,
  });

export const softmax = axisOp("softmax", same, "x -> x's shape; axis in range (negative counts from the end)", "exp(x) / sum(exp(x)) along `axis`, computed stably.");
export const l2_normalize = axisOp("l2_normalize", same, "x -> x's shape; axis in range", "x / ||x|| along `axis`, with no epsilon (CLIP's feature normalisation divides by the norm as is).");
export const argmax = axisOp(
  "argmax",
  (x, axis) => ({ dtype: "i32", shape: x.shape.filter((_, i) => i !== axis) }),
  "x -> i32, x's shape without `axis`",
  "The index of the largest entry along `axis` (the first one on ties).",
);

const reduce = (name: "mean" | "sum" | "max", semantics: string) =>
  defineOp({
    operands: "x",
    attrs: z.object({ axes: z.array(int), keepdims: z.boolean() }),
    dims: [],
    builtins: [{
      name,
      params: [{ name: "x", kind: "tensor" }, { name: "axis", kind: "ints" }, { name: "keepdims", kind: "bool", default: false }],
      lower: (a) => ({ inputs: [a.x], attrs: { axes: a.axis, keepdims: a.keepdims } }),
    }],
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
  });

export const mean = reduce("mean", "The mean over `axes` (the builtin's `axis:` takes one axis or a list).");
export const sum = reduce("sum", "The sum over `axes`.");
export const max = reduce("max", "The largest entry over `axes`.");
