/** Constant padding: the op a temporal convolution's "same" padding or an asymmetric pad needs. */
import * as z from "zod/v4";
import * as P from "../0-core/dim.ts";
import { defineOp, type RuleError } from "./types.ts";

const int = z.number().int();

const badArg = (arg: string, want: string, got: unknown): RuleError => ({
  code: "bad_spatial_arg",
  args: ["pad", arg, want, JSON.stringify(got)],
});

/** A call's list, which covers the last axes, as one entry per axis of a rank-`rank` tensor. */
function full(arg: string, v: number[], rank: number): number[] | RuleError {
  if (v.length > rank || v.some((x) => x < 0))
    return badArg(arg, `at most ${rank} whole numbers >= 0 (one per trailing axis)`, v);
  return [...Array<number>(rank - v.length).fill(0), ...v];
}

export const pad = defineOp({
  operands: "x",
  attrs: z.object({ before: z.array(int), after: z.array(int), value: z.number().default(0) }),
  dims: [],
  builtins: [
    {
      name: "pad",
      params: [
        { name: "x", kind: "tensor" },
        { name: "before", kind: "ints" },
        { name: "after", kind: "ints", default: null, defaultText: "before" },
        { name: "value", kind: "float", default: 0 },
      ],
      lower: (a) => {
        const rank = (a.x.shape as unknown[]).length;
        const before = full("before:", a.before, rank);
        if (!Array.isArray(before)) return before;
        const after = full("after:", a.after ?? a.before, rank);
        if (!Array.isArray(after)) return after;
        return { inputs: [a.x], attrs: { before, after, value: a.value } };
      },
    },
  ],
  shape: ([x], attrs) => {
    if (attrs.before.length !== x.shape.length || attrs.after.length !== x.shape.length)
      return { code: "rank_mismatch", args: ["`pad`", String(x.shape.length), String(attrs.before.length)] };
    return { dtype: x.dtype, shape: x.shape.map((d, i) => P.add(d, P.constant(attrs.before[i] + attrs.after[i]))) };
  },
  shapeText: "x -> x's shape with before[i] + after[i] added to axis i (symbolic dims stay symbolic)",
  macs: 0,
  macsText: "0",
  semantics:
    "x with `before[i]` entries of `value` (default 0) added at the start of axis i and `after[i]` " +
    'at its end (torch.nn.functional.pad, mode "constant"). In a call the lists cover the ' +
    "last axes in order (`pad(x, [2, 0], [0, 0])` adds two rows of zeros at the start of the " +
    "second-to-last axis) and `after` defaults to `before`; the IR holds one entry per axis.",
  grad: {
    vjp: ({ e, attrs, args: [x], g, needs }) => [
      needs[0] ? e.op("slice", [g], { begin: attrs.before, size: [...x.shape] }) : undefined,
    ],
  },
});
