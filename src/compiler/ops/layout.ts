/** Ops that move or select data without arithmetic: reshape, transpose, concat, broadcast, slice, gather. */
import * as z from "zod/v4";
import * as P from "../0-core/dim.ts";
import { Dim, defineOp, type GV } from "./types.ts";
import { dimProduct, grad, sameDim } from "./grad.ts";
import { broadcastShapes, mismatch, normAxis, numel, showShape } from "./rule-helpers.ts";

const int = z.number().int();
const dims = z.array(Dim);
const noCost = { macs: 0, macsText: "0" } as const;
const addDim = (a: Dim, b: Dim): Dim => P.dimToIr(P.add(P.parse(a), P.parse(b)));

export const reshape = defineOp({
  operands: "x",
  attrs: z.object({ shape: dims }),
  dims: ["shape"],
  builtins: [
    {
      name: "reshape",
      params: [
        { name: "x", kind: "tensor" },
        { name: "shape", kind: "dims" },
      ],
      lower: (a) => ({ inputs: [a.x], attrs: { shape: a.shape } }),
    },
  ],
  shape: ([x], attrs) => {
    if (!P.equal(numel(x.shape), numel(attrs.shape)))
      return { code: "bad_reshape", args: [showShape(x.shape), showShape(attrs.shape)] };
    return { dtype: x.dtype, shape: attrs.shape };
  },
  shapeText: "x -> `shape`, which must hold as many elements (as polynomials)",
  ...noCost,
  semantics: "The same elements in row-major order under a new shape. Dims may be polynomials over the batch symbols.",
  grad: { vjp: ({ e, args: [x], g, needs }) => [needs[0] ? grad(e).reshape(g, x.shape) : undefined] },
  traits: { view: "alias" },
});

export const transpose = defineOp({
  operands: "x",
  attrs: z.object({ perm: z.array(int) }),
  dims: [],
  builtins: [
    {
      name: "transpose",
      params: [
        { name: "x", kind: "tensor" },
        { name: "perm", kind: "ints" },
      ],
      lower: (a) => ({ inputs: [a.x], attrs: { perm: a.perm } }),
    },
  ],
  shape: ([x], attrs) => {
    const perm = attrs.perm;
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== x.shape.length || sorted.some((p, i) => p !== i))
      return {
        code: "rank_mismatch",
        args: ["`transpose` permutation", String(x.shape.length), `[${perm.join(", ")}]`],
      };
    return { dtype: x.dtype, shape: perm.map((p) => x.shape[p]) };
  },
  shapeText: "x -> [x.shape[perm[0]], ...]; perm is a permutation of x's axes",
  ...noCost,
  semantics: "Output axis i is input axis perm[i].",
  grad: {
    vjp: ({ e, attrs, g, needs }) => {
      const inverse = attrs.perm.map((_, i) => attrs.perm.indexOf(i));
      return [needs[0] ? grad(e).transpose(g, inverse) : undefined];
    },
  },
  traits: { view: "copy" },
});

export const concat = defineOp({
  operands: "xs...",
  attrs: z.object({ axis: int }),
  dims: [],
  builtins: [
    {
      name: "concat",
      params: [
        { name: "xs", kind: "tensors" },
        { name: "axis", kind: "int", default: 0 },
      ],
      lower: (a) => ({ inputs: a.xs, attrs: { axis: a.axis } }),
    },
  ],
  shape: (args, attrs) => {
    const first = args[0];
    const axis = normAxis(attrs.axis, first.shape.length);
    if (axis === undefined) return { code: "axis_out_of_range", args: [attrs.axis, first.shape.length] };
    let total: P.Poly = P.constant(0);
    for (const t of args) {
      if (t.dtype !== first.dtype) return { code: "dtype_mismatch", args: ["`concat`", first.dtype, t.dtype] };
      if (t.shape.length !== first.shape.length || t.shape.some((d, i) => i !== axis && !P.equal(d, first.shape[i])))
        return mismatch("`concat`", first, t);
      total = P.add(total, t.shape[axis]);
    }
    return { dtype: first.dtype, shape: first.shape.map((d, i) => (i === axis ? total : d)) };
  },
  shapeText: "operands of one dtype and rank, equal but for `axis` -> the sum along `axis`",
  ...noCost,
  semantics: "The operands (one or more) joined along `axis`, in order.",
  grad: {
    // each operand's cotangent is its block of g along the axis
    vjp: ({ e, attrs, args, g, needs }) => {
      const axis = normAxis(attrs.axis, g.shape.length)!;
      let at: Dim = 0;
      return args.map((x, i) => {
        const begin = g.shape.map((_, j) => (j === axis ? at : 0));
        at = addDim(at, x.shape[axis]);
        return needs[i] ? e.op("slice", [g], { begin, size: [...x.shape] }) : undefined;
      });
    },
  },
  traits: { view: "copy" },
});

export const broadcast_to = defineOp({
  operands: "x",
  attrs: z.object({ shape: dims }),
  dims: ["shape"],
  builtins: [
    {
      name: "broadcast",
      params: [
        { name: "x", kind: "tensor" },
        { name: "shape", kind: "dims" },
      ],
      lower: (a) => ({ inputs: [a.x], attrs: { shape: a.shape } }),
    },
  ],
  shape: ([x], attrs) => {
    const shape = attrs.shape;
    const b = broadcastShapes(x.shape, shape);
    if (!b || b.length !== shape.length || b.some((d, i) => !P.equal(d, shape[i])))
      return { code: "shape_mismatch", args: ["`broadcast`", showShape(x.shape), showShape(shape)] };
    return { dtype: x.dtype, shape };
  },
  shapeText: "x -> `shape`, to which x must broadcast",
  ...noCost,
  semantics: "x repeated along its size-1 and missing leading axes to `shape` (numpy broadcasting).",
  grad: { vjp: ({ e, args: [x], g, needs }) => [needs[0] ? grad(e).unbroadcast(g, x.shape) : undefined] },
  traits: { view: "copy" },
});

export const slice = defineOp({
  operands: "x",
  syntax: "x[a:b, i, ...]",
  attrs: z.object({ begin: dims, size: dims }),
  dims: ["begin", "size"],
  builtins: [],
  shape: ([x], attrs) => {
    if (attrs.size.length !== x.shape.length)
      return { code: "rank_mismatch", args: ["`slice`", String(x.shape.length), String(attrs.size.length)] };
    return { dtype: x.dtype, shape: attrs.size };
  },
  shapeText: "x -> `size` (one entry per axis)",
  ...noCost,
  semantics:
    "The block of x starting at `begin` with extent `size` on each axis; indexing `x[i]` adds a reshape that drops the axis.",
  grad: {
    // g placed back in a zero tensor of x's shape: zeros joined on before and after it, axis by axis
    vjp: ({ e, attrs, args: [x], g, needs }) => {
      if (!needs[0]) return [undefined];
      const d = grad(e);
      let y: GV = g;
      x.shape.forEach((whole, i) => {
        const before = attrs.begin[i];
        const after = P.dimToIr(P.sub(P.parse(whole), P.add(P.parse(before), P.parse(attrs.size[i]))));
        const pieces: GV[] = [];
        const zeros = (n: Dim) => d.zeros(y.shape.map((s, j) => (j === i ? n : s)));
        if (!sameDim(before, 0)) pieces.push(zeros(before));
        pieces.push(y);
        if (!sameDim(after, 0)) pieces.push(zeros(after));
        if (pieces.length > 1) y = e.op("concat", pieces, { axis: i });
      });
      return [y];
    },
  },
  traits: { view: "copy" },
});

export const gather = defineOp({
  operands: "table, ids",
  attrs: z.object({}),
  dims: [],
  builtins: [
    {
      name: "gather",
      params: [
        { name: "table", kind: "tensor" },
        { name: "ids", kind: "tensor" },
      ],
      lower: (a) => ({ inputs: [a.table, a.ids], attrs: {} }),
    },
  ],
  shape: ([table, ids]) => {
    if (ids.dtype === "f32") return { code: "bad_operand", args: ["`gather` indices", "a f32 tensor"] };
    return { dtype: table.dtype, shape: [...ids.shape, ...table.shape.slice(1)] };
  },
  shapeText: "table [V, ...], ids int [...] -> [...ids, ...table[1:]]",
  ...noCost,
  semantics: "Rows of `table` by integer id (an embedding lookup); the gradient sums repeated ids.",
  grad: {
    // repeated ids add up: a scatter-add of g's rows into a zero table
    vjp: ({ e, args: [table, ids], g, needs }) => [
      needs[0] ? e.op("scatter_add", [ids, g], { rows: table.shape[0] }) : undefined,
      undefined,
    ],
  },
  traits: { lookup: true },
});

export const gather_rows = defineOp({
  operands: "x, index",
  attrs: z.object({}),
  dims: [],
  builtins: [
    {
      name: "gather_rows",
      params: [
        { name: "x", kind: "tensor" },
        { name: "index", kind: "tensor" },
      ],
      lower: (a) => ({ inputs: [a.x, a.index], attrs: {} }),
    },
  ],
  shape: ([x, idx]) => {
    if (idx.dtype === "f32") return { code: "bad_operand", args: ["`gather_rows` indices", "a f32 tensor"] };
    if (x.shape.length < 2 || idx.shape.length !== 1 || !P.equal(idx.shape[0], x.shape[0]))
      return mismatch("`gather_rows`", x, idx);
    return { dtype: x.dtype, shape: [x.shape[0], ...x.shape.slice(2)] };
  },
  shapeText: "x [N, S, ...], index int [N] -> [N, ...]",
  ...noCost,
  semantics: "Row n of the output is x[n, index[n]] (CLIP's end-of-text token).",
  grad: {
    // g[n] lands at x[n, index[n]]: a one-hot mask over S times g, broadcast along S
    vjp: ({ e, args: [x, index], g, needs }) => {
      if (!needs[0]) return [undefined, undefined];
      const d = grad(e);
      const [n, s, ...rest] = x.shape;
      const mask = d.reshape(e.op("one_hot", [index], { depth: s }), [n, s, ...rest.map(() => 1)]);
      return [d.mul(d.broadcast(mask, x.shape), d.broadcast(d.reshape(g, [n, 1, ...rest]), x.shape)), undefined];
    },
  },
});

export const scatter_add = defineOp({
  operands: "ids, updates",
  attrs: z.object({ rows: Dim }),
  dims: [],
  builtins: [
    {
      name: "scatter_add",
      params: [
        { name: "ids", kind: "tensor" },
        { name: "updates", kind: "tensor" },
        { name: "rows", kind: "int" },
      ],
      lower: (a) => ({ inputs: [a.ids, a.updates], attrs: { rows: a.rows } }),
    },
  ],
  shape: ([ids, updates], attrs) => {
    if (ids.dtype === "f32") return { code: "bad_operand", args: ["`scatter_add` indices", "a f32 tensor"] };
    const r = ids.shape.length;
    if (updates.shape.length < r || ids.shape.some((d, i) => !P.equal(d, updates.shape[i])))
      return mismatch("`scatter_add` (ids vs updates)", ids, updates);
    return { dtype: updates.dtype, shape: [P.parse(attrs.rows), ...updates.shape.slice(r)] };
  },
  shapeText: "ids int [...], updates [...ids, ...rest] -> [rows, ...rest] (`rows` a number or a dim of the IR)",
  ...noCost,
  semantics:
    "A zero table of `rows` rows with each row of `updates` added at its id; repeated ids add up (gather's gradient).",
  grad: {
    vjp: ({ e, args: [ids], g, needs }) => [undefined, needs[1] ? e.op("gather", [g, ids]) : undefined],
  },
});

export const one_hot = defineOp({
  operands: "ids",
  attrs: z.object({ depth: Dim }),
  dims: [],
  builtins: [
    {
      name: "one_hot",
      params: [
        { name: "ids", kind: "tensor" },
        { name: "depth", kind: "int" },
      ],
      lower: (a) => ({ inputs: [a.ids], attrs: { depth: a.depth } }),
    },
  ],
  shape: ([ids], attrs) => {
    if (ids.dtype === "f32") return { code: "bad_operand", args: ["`one_hot` ids", "a f32 tensor"] };
    return { dtype: "f32", shape: [...ids.shape, P.parse(attrs.depth)] };
  },
  shapeText: "ids int [...] -> f32 [..., depth] (`depth` a number or a dim of the IR)",
  ...noCost,
  semantics:
    "1 at each id's position along a new last axis of size `depth`, 0 elsewhere (labels as targets; ids outside [0, depth) give a zero row).",
  grad: { nondifferentiable: "its operand is integer ids" },
});

export const flip = defineOp({
  operands: "x",
  attrs: z.object({ axes: z.array(int) }),
  dims: [],
  builtins: [
    {
      name: "flip",
      params: [
        { name: "x", kind: "tensor" },
        { name: "axis", kind: "ints" },
      ],
      lower: (a) => ({ inputs: [a.x], attrs: { axes: a.axis } }),
    },
  ],
  shape: ([x], attrs) => {
    if (attrs.axes.some((a) => normAxis(a, x.shape.length) === undefined))
      return { code: "axis_out_of_range", args: [attrs.axes, x.shape.length] };
    return { dtype: x.dtype, shape: x.shape };
  },
  shapeText: "x -> x's shape; every axis in range",
  ...noCost,
  semantics:
    "x with the order of its entries reversed along each of `axes` (torch.flip; a convolution's input gradient flips its kernel).",
  grad: { vjp: ({ e, attrs, g, needs }) => [needs[0] ? e.op("flip", [g], { axes: attrs.axes }) : undefined] },
  traits: { view: "copy" },
});
