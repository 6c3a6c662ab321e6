/** Constant tensors, dtype casts and dropout. */
import * as z from "zod/v4";
import { grad } from "./grad.ts";
import type * as P from "../0-core/dim.ts";
import { DType, Dim, defineOp } from "./types.ts";

const f32 = (shape: P.Poly[], value: number) => ({ shape, value, dtype: "f32" as const });

export const fill = defineOp({
  operands: "",
  attrs: z.object({ shape: z.array(Dim), value: z.number(), dtype: DType }),
  dims: ["shape"],
  builtins: [
    {
      name: "zeros",
      params: [{ name: "shape", kind: "dims" }],
      lower: (a) => ({ inputs: [], attrs: f32(a.shape, 0) }),
    },
    { name: "ones", params: [{ name: "shape", kind: "dims" }], lower: (a) => ({ inputs: [], attrs: f32(a.shape, 1) }) },
    {
      name: "fill",
      params: [
        { name: "shape", kind: "dims" },
        { name: "value", kind: "float" },
      ],
      lower: (a) => ({ inputs: [], attrs: f32(a.shape, a.value) }),
    },
    {
      name: "zeros_like",
      params: [{ name: "x", kind: "tensor" }],
      lower: (a) => ({ inputs: [], attrs: { shape: a.x.shape, value: 0, dtype: a.x.dtype } }),
    },
    {
      name: "ones_like",
      params: [{ name: "x", kind: "tensor" }],
      lower: (a) => ({ inputs: [], attrs: { shape: a.x.shape, value: 1, dtype: a.x.dtype } }),
    },
  ],
  shape: (_args, attrs) => ({ dtype: attrs.dtype, shape: attrs.shape }),
  shapeText: "-> `dtype`[`shape`]",
  macs: 0,
  macsText: "0",
  semantics:
    "A tensor of `shape` whose every entry is `value`; `zeros_like`/`ones_like` take x's shape and dtype, not its value (no operand).",
  grad: { vjp: () => [] },
});

export const cast = defineOp({
  operands: "x",
  attrs: z.object({ dtype: DType }),
  dims: [],
  builtins: [
    {
      name: "cast",
      params: [
        { name: "x", kind: "tensor" },
        { name: "dtype", kind: "str" },
      ],
      lower: (a) => ({ inputs: [a.x], attrs: { dtype: a.dtype } }),
    },
  ],
  shape: ([x], attrs) => ({ dtype: attrs.dtype, shape: x.shape }),
  shapeText: "x -> `dtype`[x's shape]",
  macs: 0,
  macsText: "0",
  semantics: "x converted to `dtype` (f32, i64, i32, bool); float to int truncates toward zero.",
  grad: {
    // only a float-to-float cast passes its cotangent; an integer value has none
    vjp: ({ args: [x], out, g, needs }) => [needs[0] && x.dtype === "f32" && out.dtype === "f32" ? g : undefined],
  },
  traits: { pointwise: true, convert: true },
});

export const dropout = defineOp({
  operands: "x",
  attrs: z.object({ rate: z.number().default(0) }),
  dims: [],
  builtins: [
    {
      name: "dropout",
      params: [
        { name: "x", kind: "tensor" },
        { name: "rate", kind: "float", default: 0 },
      ],
      lower: (a) => ({ inputs: [a.x], attrs: { rate: a.rate } }),
    },
  ],
  shape: ([x]) => ({ dtype: x.dtype, shape: x.shape }),
  shapeText: "x -> x's type",
  macs: 0,
  macsText: "0",
  semantics:
    "While training, each entry is zeroed with probability `rate` and the rest scaled by 1 / (1 - rate); the identity at inference.",
  grad: {
    // the kept entries (nonzero in the value) pass g / (1 - rate); an entry whose input was exactly 0 gets 0
    vjp: ({ e, attrs, out, g, needs }) => {
      if (!needs[0]) return [undefined];
      if (attrs.rate === 0) return [g];
      const d = grad(e);
      return [d.mul(g, d.mul(d.f32(d.greater(d.op("abs", [out]), d.k(0))), d.k(1 / (1 - attrs.rate))))];
    },
  },
  traits: { pointwise: true, stochastic: true },
});
