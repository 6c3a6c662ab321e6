/** Ops that move or select data without arithmetic: reshape, transpose, concat, broadcast, slice, gather. */
import { z } from "zod";
import * as P from "../4-ir/dim.ts";
import { Dim, defineOp } from "./types.ts";
import { broadcastShapes, mismatch, normAxis, numel, showShape } from "./rule-helpers.ts";

const int = z.number().int();
const dims = z.array(Dim);
const noCost = { macs: 0, macsText: "0" } as const;

export const reshape = defineOp({
  operands: "x",
  attrs: z.object({ shape: dims }),
  dims: ["shape"],
  builtins: [{ name: "reshape", params: [{ name: "x", kind: "tensor" }, { name: "shape", kind: "dims" }], lower: (a) => ({ inputs: [a.x], attrs: { shape: a.shape } }) }],
  shape: ([x], attrs) => {
    if (!P.equal(numel(x.shape), numel(attrs.shape))) return { code: "bad_reshape", args: [showShape(x.shape), showShape(attrs.shape)] };
    return { dtype: x.dtype, shape: attrs.shape };
  },
  shapeText: "x -> `shape`, which must hold as many elements (as polynomials)",
  ...noCost,
  semantics: "The same elements in row-major order under a new shape. Dims may be polynomials over the batch symbols.",
});

export const transpose = defineOp({
  operands: "x",
  attrs: z.object({ perm: z.array(int) }),
  dims: [],
  builtins: [{ name: "transpose", params: [{ name: "x", kind: "tensor" }, { name: "perm", kind: "ints" }], lower: (a) => ({ inputs: [a.x], attrs: { perm: a.perm } }) }],
  shape: ([x], attrs) => {
    const perm = attrs.perm;
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x.shape.length || sorted.some((p, i) => p !== i)) return { code: "rank_mismatch", args: ["`transpose` permutation", String(x.shape.length), `[${perm.join(", ")}]`] };
    return { dtype: x.dtype, shape: perm.map((p) => x.shape[p]) };
  },
  shapeText: "x -> [x.shape[perm[0]], ...]; perm is a permutation of x's axes",
  ...noCost,
  semantics: "Output axis i is input axis perm[i].",
});

export const concat = defineOp({
  operands: "xs...",
  attrs: z.object({ axis: int }),
  dims: [],
  builtins: [{ name: "concat", params: [{ name: "xs", kind: "tensors" }, { name: "axis", kind: "int", default: 0 }], lower: (a) => ({ inputs: a.xs, attrs: { axis: a.axis } }) }],
  shape: (args, attrs) => {
    const first = args[0];
    const axis = normAxis(attrs.axis, first.shape.length);
    if (axis === undefined) return { code: "axis_out_of_range", args: [attrs.axis, first.shape.length] };
    let total: P.Poly = P.constant(0);
    for (const t of args) {
      if (t.dtype !== first.dtype) return { code: "dtype_mismatch", args: ["`concat`", first.dtype, t.dtype] };
      if (t.shape.length !== first.shape.length || t.shape.some((d, i) => i !== axis && !P.equal(d, first.shape[i]))) return mismatch("`concat`", first, t);
      total = P.add(total, t.shape[axis]);
    }
    return { dtype: first.dtype, shape: first.shape.map((d, i) => (i === axis ? total : d)) };
  },
  shapeText: "operands of one dtype and rank, equal but for `axis` -> the sum along `axis`",
  ...noCost,
  semantics: "The operands (one or more) joined along `axis`, in order.",
});

export const broadcast_to = defineOp({
  operands: "x",
  attrs: z.object({ shape: dims }),
  dims: ["shape"],
  builtins: [{ name: "broadcast", params: [{ name: "x", kind: "tensor" }, { name: "shape", kind: "dims" }], lower: (a) => ({ inputs: [a.x], attrs: { shape: a.shape } }) }],
  shape: ([x], attrs) => {
    const shape = attrs.shape;
    const b = broadcastShapes(x.shape, shape);
    if (!b || b.length !== shape.length || b.some((d, i) => !P.equal(d, shape[i]))) return { code: "shape_mismatch", args: ["`broadcast`", showShape(x.shape), showShape(shape)] };
    return { dtype: x.dtype, shape };
  },
  shapeText: "x -> `shape`, to which x must broadcast",
  ...noCost,
  semantics: "x repeated along its size-1 and missing leading axes to `shape` (numpy broadcasting).",
});

export const slice = defineOp({
  operands: "x",
  syntax: "x[a:b, i, ...]",
  attrs: z.object({ begin: dims, size: dims }),
  dims: ["begin", "size"],
  builtins: [],
  shape: ([x], attrs) => {
    if (attrs.size.length !== x.shape.length) return { code: "rank_mismatch", args: ["`slice`", String(x.shape.length), String(attrs.size.length)] };
    return { dtype: x.dtype, shape: attrs.size };
  },
  shapeText: "x -> `size` (one entry per axis)",
  ...noCost,
  semantics: "The block of x starting at `begin` with extent `size` on each axis; indexing `x[i]` adds a reshape that drops the axis.",
});

export const gather = defineOp({
  operands: "table, ids",
  attrs: z.object({}),
  dims: [],
  builtins: [{ name: "gather", params: [{ name: "table", kind: "tensor" }, { name: "ids", kind: "tensor" }], lower: (a) => ({ inputs: [a.table, a.ids], attrs: {} }) }],
  shape: ([table, ids]) => {
    if (ids.dtype === "f32") return { code: "bad_operand", args: ["`gather` indices", "a f32 tensor"] };
    return { dtype: table.dtype, shape: [...ids.shape, ...table.shape.slice(1)] };
  },
  shapeText: "table [V, ...], ids int [...] -> [...ids, ...table[1:]]",
  ...noCost,
  semantics: "Rows of `table` by integer id (an embedding lookup); the gradient sums repeated ids.",
});

export const gather_rows = defineOp({
  operands: "x, index",
  attrs: z.object({}),
  dims: [],
  builtins: [{ name: "gather_rows", params: [{ name: "x", kind: "tensor" }, { name: "index", kind: "tensor" }], lower: (a) => ({ inputs: [a.x, a.index], attrs: {} }) }],
  shape: ([x, idx]) => {
    if (idx.dtype === "f32") return { code: "bad_operand", args: ["`gather_rows` indices", "a f32 tensor"] };
    if (x.shape.length < 2 || idx.shape.length !== 1 || !P.equal(idx.shape[0], x.shape[0])) return mismatch("`gather_rows`", x, idx);
    return { dtype: x.dtype, shape: [x.shape[0], ...x.shape.slice(2)] };
  },
  shapeText: "x [N, S, ...], index int [N] -> [N, ...]",
  ...noCost,
  semantics: "Row n of the output is x[n, index[n]] (CLIP's end-of-text token).",
});
