/**
 * Sample inputs per op (PyTorch's OpInfo samples): a few operand types and attributes each, with the
 * awkward cases on purpose: size-1 axes, broadcasting, negative axes, keepdims, empty tensors where the
 * op allows them, a symbolic batch dim bound from an input. One generated test (test/ops/samples.test.ts)
 * runs every engine's kernel and the op's VJP (5-train/op-vjp.ts) on each, against float64 references
 * and finite differences. A mapped type over the op names: an op without samples is a type error.
 */
import type * as z from "zod/v4";
import type { OpName, Ops } from "./table.ts";
import type { DType, Dim } from "./types.ts";

/** How an operand's entries are drawn (from a seeded generator, per op and sample). */
export type SampleValues =
  /** N(0, 1), or N(0, scale^2): away from relu's and abs's kink with probability 1. */
  | "normal"
  | { normal: number }
  /** Uniform in [0.5, 2]: bases of log, sqrt, rsqrt, pow, and divisors. */
  | "positive"
  /** Whole numbers in [0, ids): row ids, labels, indices. */
  | { ids: number }
  /** Entries drawn from a small set, so that comparisons and maximum meet ties. */
  | { from: number[] }
  /** Exactly these entries, in row-major order. */
  | { data: number[] };

export interface SampleOperand {
  dtype: DType;
  /** Numbers, or batch symbols bound by the sample's `bind`. */
  shape: Dim[];
  values: SampleValues;
}

export interface OpSample<A = Record<string, unknown>> {
  /** Names the case in a failure: "op sample on engine". */
  name: string;
  args: SampleOperand[];
  /** IR attributes as written (defaults may be left out: the op's schema fills them). */
  attrs: A;
  /** Values of the batch symbols the operand shapes use; the engines bind them from the input shapes. */
  bind?: Record<string, number>;
}

export type Samples = { [O in OpName]: OpSample<z.input<Ops[O]["attrs"]>>[] };

const f32 = (shape: Dim[], values: SampleValues = "normal"): SampleOperand => ({ dtype: "f32", shape, values });
const pos = (shape: Dim[]): SampleOperand => f32(shape, "positive");
const ids = (shape: Dim[], below: number, dtype: "i64" | "i32" = "i64"): SampleOperand => ({
  dtype,
  shape,
  values: { ids: below },
});
const data = (shape: Dim[], values: number[], dtype: DType = "f32"): SampleOperand => ({
  dtype,
  shape,
  values: { data: values },
});
/** Small integers: ties between operands (maximum, minimum, equal). */
const TIES = { from: [-1, 0, 1] };

/** The cases every binary elementwise op runs: equal shapes, a broadcast row, size-1 axes on both sides, a scalar, empty, symbolic. */
const binary = (b: (shape: Dim[]) => SampleOperand = f32): OpSample<Record<string, never>>[] => [
  { name: "same shape", args: [f32([2, 3]), b([2, 3])], attrs: {} },
  { name: "broadcast row", args: [f32([2, 3]), b([3])], attrs: {} },
  { name: "size-1 axes on both sides", args: [f32([2, 1, 3]), b([1, 4, 1])], attrs: {} },
  { name: "rank-0 operand", args: [f32([2, 3]), b([])], attrs: {} },
  { name: "rank-0 first operand", args: [f32([]), b([3, 1])], attrs: {} },
  { name: "empty axis", args: [f32([0, 3]), b([1, 3])], attrs: {} },
  { name: "symbolic batch", args: [f32(["B", 3]), b([1, 3])], attrs: {}, bind: { B: 2 } },
];

const unary = (values: SampleValues = "normal"): OpSample<Record<string, never>>[] => [
  { name: "matrix", args: [f32([3, 4], values)], attrs: {} },
  { name: "rank 0", args: [f32([], values)], attrs: {} },
  { name: "size-1 axes", args: [f32([1, 5, 1], values)], attrs: {} },
  { name: "empty", args: [f32([2, 0], values)], attrs: {} },
];

/** softmax, log_softmax, l2_normalize: the last axis, a middle one, a negative first one, a size-1 axis, symbolic. */
const alongAxis: OpSample<{ axis: number }>[] = [
  { name: "last axis", args: [f32([2, 3, 4])], attrs: { axis: -1 } },
  { name: "middle axis", args: [f32([2, 3, 4])], attrs: { axis: 1 } },
  { name: "negative first axis", args: [f32([3, 2, 2])], attrs: { axis: -3 } },
  { name: "size-1 axis", args: [f32([3, 1])], attrs: { axis: 1 } },
  { name: "symbolic batch", args: [f32(["B", 5])], attrs: { axis: -1 }, bind: { B: 3 } },
];

const reductions: OpSample<{ axes: number[]; keepdims: boolean }>[] = [
  { name: "one axis", args: [f32([2, 3, 4])], attrs: { axes: [1], keepdims: false } },
  { name: "two axes keepdims", args: [f32([2, 3, 4])], attrs: { axes: [0, 2], keepdims: true } },
  { name: "negative axis", args: [f32([2, 3, 4])], attrs: { axes: [-1], keepdims: false } },
  { name: "every axis to a scalar", args: [f32([3, 4])], attrs: { axes: [0, 1], keepdims: false } },
  { name: "size-1 axis", args: [f32([3, 1, 2])], attrs: { axes: [1], keepdims: false } },
  { name: "symbolic reduced axis", args: [f32(["B", 4])], attrs: { axes: [0], keepdims: true }, bind: { B: 3 } },
  { name: "no axes (the identity)", args: [f32([2, 3])], attrs: { axes: [], keepdims: false } },
];

const conv1dSamples: Samples["conv1d"] = [
  { name: "bias, stride 1", args: [f32([2, 3, 7]), f32([4, 3, 3]), f32([4])], attrs: { stride: [1], padding: [0] } },
  {
    name: "stride 2, padding 1, dilation 2",
    args: [f32([1, 2, 9]), f32([3, 2, 3]), f32([3])],
    attrs: { stride: [2], padding: [1], dilation: [2] },
  },
  {
    name: "depthwise (groups 3), no bias, dropped tail",
    args: [f32([2, 3, 8]), f32([3, 1, 3])],
    attrs: { stride: [2], padding: [0], groups: 3 },
  },
  {
    name: "kernel 1, size-1 length",
    args: [f32([2, 3, 1]), f32([2, 3, 1]), f32([2])],
    attrs: { stride: [1], padding: [0] },
  },
  {
    name: "symbolic batch",
    args: [f32(["B", 2, 6]), f32([2, 2, 3]), f32([2])],
    attrs: { stride: [1], padding: [1] },
    bind: { B: 2 },
  },
];

const conv2dSamples: Samples["conv2d"] = [
  {
    name: "bias, padding 1",
    args: [f32([1, 2, 5, 5]), f32([3, 2, 3, 3]), f32([3])],
    attrs: { stride: [1, 1], padding: [1, 1] },
  },
  {
    name: "per-axis stride/padding/dilation, groups 2",
    args: [f32([2, 4, 6, 7]), f32([4, 2, 2, 3])],
    attrs: { stride: [2, 1], padding: [0, 1], dilation: [1, 2], groups: 2 },
  },
  {
    name: "patchify (kernel = stride, no padding)",
    args: [f32([2, 3, 4, 6]), f32([5, 3, 2, 2]), f32([5])],
    attrs: { stride: [2, 2], padding: [0, 0] },
  },
  {
    name: "stride that drops a row and a column",
    args: [f32([1, 1, 6, 5]), f32([2, 1, 3, 2]), f32([2])],
    attrs: { stride: [2, 2], padding: [0, 0] },
  },
];

const conv3dSamples: Samples["conv3d"] = [
  {
    name: "bias, stride [1, 2, 2], padding [0, 1, 1]",
    args: [f32([1, 2, 3, 4, 4]), f32([2, 2, 2, 2, 2]), f32([2])],
    attrs: { stride: [1, 2, 2], padding: [0, 1, 1] },
  },
  {
    name: "tubelet (kernel = stride)",
    args: [f32([1, 3, 4, 4, 4]), f32([2, 3, 2, 2, 2]), f32([2])],
    attrs: { stride: [2, 2, 2], padding: [0, 0, 0] },
  },
  {
    name: "groups 2, dilation 2 on time",
    args: [f32([1, 4, 5, 3, 3]), f32([2, 2, 2, 2, 2])],
    attrs: { stride: [1, 1, 1], padding: [0, 1, 0], dilation: [2, 1, 1], groups: 2 },
  },
];

const attentionCases = (withV: boolean) => {
  const v = (shape: Dim[]) => (withV ? [f32(shape)] : []);
  return [
    {
      name: "heads, m != n",
      args: [f32([1, 2, 3, 4]), f32([1, 2, 5, 4]), ...v([1, 2, 5, 3])],
      attrs: { scale: 0.5, causal: false },
    },
    {
      name: "causal",
      args: [f32([2, 1, 4, 3]), f32([2, 1, 4, 3]), ...v([2, 1, 4, 2])],
      attrs: { scale: 0.7, causal: true },
    },
    {
      name: "causal, fewer queries than keys",
      args: [f32([1, 3, 4]), f32([1, 5, 4]), ...v([1, 5, 2])],
      attrs: { scale: 0.5, causal: true },
    },
    {
      name: "batch broadcast (q [2, ...], k [1, ...])",
      args: [f32([2, 3, 4]), f32([1, 5, 4]), ...v([1, 5, 3])],
      attrs: { scale: 0.5, causal: false },
    },
    { name: "rank 2, one key", args: [f32([3, 2]), f32([1, 2]), ...v([1, 4])], attrs: { scale: 1, causal: false } },
  ];
};

export const samples: Samples = {
  // leaves are the graph's environment: no kernel computes them, nothing to sample
  input: [],
  param: [],
  const: [],

  add: binary(),
  sub: binary(),
  mul: binary(),
  div: binary(pos),
  pow: [
    { name: "positive base, normal exponent", args: [pos([2, 3]), f32([2, 3])], attrs: {} },
    { name: "broadcast exponent", args: [pos([2, 3]), f32([3])], attrs: {} },
    { name: "rank-0 exponent", args: [pos([2, 1, 3]), f32([])], attrs: {} },
    { name: "size-1 axes on both sides", args: [pos([3, 1]), f32([1, 2])], attrs: {} },
  ],
  maximum: [...binary(), { name: "ties (small integers)", args: [f32([3, 4], TIES), f32([4], TIES)], attrs: {} }],
  minimum: [...binary(), { name: "ties (small integers)", args: [f32([3, 4], TIES), f32([4], TIES)], attrs: {} }],
  equal: [
    { name: "ties, broadcast", args: [f32([3, 4], TIES), f32([4], TIES)], attrs: {} },
    { name: "integer ids, size-1 axes", args: [ids([3, 1], 3), ids([1, 4], 3)], attrs: {} },
    { name: "rank 0", args: [f32([2, 2], TIES), f32([], TIES)], attrs: {} },
  ],
  greater: [
    { name: "ties, broadcast", args: [f32([3, 4], TIES), f32([4], TIES)], attrs: {} },
    { name: "integer ids, size-1 axes", args: [ids([3, 1], 3, "i32"), ids([1, 4], 3, "i32")], attrs: {} },
    { name: "normal", args: [f32([2, 3]), f32([2, 3])], attrs: {} },
  ],

  neg: unary(),
  exp: unary(),
  log: unary("positive"),
  sqrt: unary("positive"),
  rsqrt: unary("positive"),
  sigmoid: unary({ normal: 3 }),
  tanh: unary({ normal: 2 }),
  relu: unary(),
  gelu: unary({ normal: 3 }),
  abs: unary(),
  erf: unary({ normal: 2 }),

  matmul: [
    { name: "rank 2", args: [f32([3, 4]), f32([4, 2])], attrs: {} },
    { name: "batched", args: [f32([2, 3, 4]), f32([2, 4, 5])], attrs: {} },
    { name: "broadcast batch (size-1 and missing axes)", args: [f32([2, 1, 3, 4]), f32([3, 4, 2])], attrs: {} },
    { name: "rank 2 against a batch", args: [f32([3, 4]), f32([2, 4, 2])], attrs: {} },
    { name: "size-1 m, k and n", args: [f32([2, 1, 1]), f32([1, 1, 1])], attrs: {} },
    { name: "empty m", args: [f32([0, 4]), f32([4, 2])], attrs: {} },
    { name: "symbolic batch", args: [f32(["B", 3, 4]), f32([4, 2])], attrs: {}, bind: { B: 2 } },
  ],
  linear: [
    { name: "rank 3 with bias", args: [f32([2, 3, 5]), f32([4, 5]), f32([4])], attrs: {} },
    { name: "no bias", args: [f32([3, 5]), f32([2, 5])], attrs: {} },
    { name: "rank-1 input", args: [f32([5]), f32([3, 5]), f32([3])], attrs: {} },
    { name: "one output feature", args: [f32([4, 2]), f32([1, 2]), f32([1])], attrs: {} },
    { name: "symbolic batch", args: [f32(["B", 2, 3]), f32([4, 3]), f32([4])], attrs: {}, bind: { B: 2 } },
  ],
  conv1d: conv1dSamples,
  conv2d: conv2dSamples,
  conv3d: conv3dSamples,
  layer_norm: [
    { name: "rank 3", args: [f32([2, 3, 4]), f32([4]), f32([4])], attrs: { eps: 1e-5 } },
    { name: "rank 1, larger eps", args: [f32([6]), f32([6]), f32([6])], attrs: { eps: 0.1 } },
    { name: "last axis of size 1", args: [f32([3, 1]), f32([1]), f32([1])], attrs: {} },
    { name: "symbolic batch", args: [f32(["B", 5]), f32([5]), f32([5])], attrs: {}, bind: { B: 2 } },
  ],

  softmax: alongAxis,
  log_softmax: alongAxis,
  l2_normalize: alongAxis,
  argmax: [
    { name: "last axis", args: [f32([3, 4])], attrs: { axis: 1 } },
    { name: "negative axis", args: [f32([3, 4, 2])], attrs: { axis: -2 } },
    { name: "ties take the first", args: [data([3, 4], [1, 3, 3, 0, 2, 2, 2, -1, 0, 5, 1, 5])], attrs: { axis: -1 } },
    { name: "size-1 axis", args: [f32([3, 1])], attrs: { axis: 1 } },
  ],
  mean: reductions,
  sum: [...reductions, { name: "empty reduced axis", args: [f32([0, 3])], attrs: { axes: [0], keepdims: false } }],
  max: [
    ...reductions,
    // central differences at a tie of two give 1/2 to each, as the rule's even split does (a tie of three would not)
    {
      name: "ties in pairs",
      args: [data([3, 4], [1, 3, 3, 0, 2, 2, -1, -1, 0.5, 0, 0.5, 0])],
      attrs: { axes: [1], keepdims: false },
    },
  ],

  reshape: [
    { name: "merge axes", args: [f32([2, 3, 4])], attrs: { shape: [6, 4] } },
    { name: "flatten", args: [f32([2, 3, 4])], attrs: { shape: [24] } },
    { name: "add size-1 axes", args: [f32([2, 6])], attrs: { shape: [2, 1, 6, 1] } },
    { name: "rank 0 to [1, 1]", args: [f32([])], attrs: { shape: [1, 1] } },
    { name: "empty", args: [f32([0, 4])], attrs: { shape: [2, 0, 3] } },
    { name: "symbolic batch", args: [f32(["B", 3, 2])], attrs: { shape: ["3*B", 2] }, bind: { B: 2 } },
  ],
  transpose: [
    { name: "rank 3 rotation", args: [f32([2, 3, 4])], attrs: { perm: [2, 0, 1] } },
    { name: "size-1 axis", args: [f32([1, 3])], attrs: { perm: [1, 0] } },
    { name: "swap the middle of rank 4", args: [f32([2, 1, 3, 2])], attrs: { perm: [0, 2, 1, 3] } },
  ],
  concat: [
    { name: "two on axis 0", args: [f32([2, 3]), f32([1, 3])], attrs: { axis: 0 } },
    { name: "three on a negative axis", args: [f32([2, 1]), f32([2, 3]), f32([2, 2])], attrs: { axis: -1 } },
    { name: "a zero-length operand", args: [f32([2, 0, 3]), f32([2, 2, 3])], attrs: { axis: 1 } },
    { name: "one operand", args: [f32([3, 2])], attrs: { axis: 0 } },
  ],
  broadcast_to: [
    { name: "add leading axes", args: [f32([3])], attrs: { shape: [2, 3] } },
    { name: "size-1 middle axis", args: [f32([2, 1, 3])], attrs: { shape: [2, 4, 3] } },
    { name: "rank 0", args: [f32([])], attrs: { shape: [2, 2] } },
    { name: "unchanged", args: [f32([2, 3])], attrs: { shape: [2, 3] } },
    { name: "symbolic batch", args: [f32([1, 3])], attrs: { shape: ["B", 3] }, bind: { B: 3 } },
  ],
  slice: [
    { name: "a block", args: [f32([4, 5])], attrs: { begin: [1, 2], size: [2, 3] } },
    { name: "a whole axis kept", args: [f32([3, 4, 2])], attrs: { begin: [1, 0, 1], size: [1, 4, 1] } },
    { name: "empty", args: [f32([4, 5])], attrs: { begin: [1, 0], size: [0, 5] } },
    { name: "symbolic batch", args: [f32(["B", 4])], attrs: { begin: [0, 1], size: ["B", 2] }, bind: { B: 2 } },
  ],
  pad: [
    { name: "before and after on different axes", args: [f32([2, 3])], attrs: { before: [1, 0], after: [0, 2] } },
    { name: "a nonzero value", args: [f32([2, 2])], attrs: { before: [1, 1], after: [1, 0], value: 1.5 } },
    { name: "middle axis of rank 3", args: [f32([2, 1, 3])], attrs: { before: [0, 2, 0], after: [0, 1, 0] } },
    { name: "no padding", args: [f32([2, 3])], attrs: { before: [0, 0], after: [0, 0] } },
  ],
  flip: [
    { name: "two axes", args: [f32([2, 3, 4])], attrs: { axes: [0, 2] } },
    { name: "negative axis", args: [f32([3, 4])], attrs: { axes: [-1] } },
    { name: "size-1 axis", args: [f32([1, 4])], attrs: { axes: [0] } },
  ],

  gather: [
    { name: "repeated ids", args: [f32([5, 3]), data([6], [4, 1, 4, 0, 4, 1], "i64")], attrs: {} },
    { name: "2-D i32 ids", args: [f32([4, 2]), ids([2, 3], 4, "i32")], attrs: {} },
    { name: "rank-1 table", args: [f32([6]), ids([4], 6)], attrs: {} },
    { name: "rank-3 table, rank-0 id", args: [f32([3, 2, 2]), ids([], 3)], attrs: {} },
  ],
  gather_rows: [
    { name: "rank 3", args: [f32([3, 4, 2]), ids([3], 4)], attrs: {} },
    { name: "rank 2, i32 index", args: [f32([2, 5]), ids([2], 5, "i32")], attrs: {} },
    { name: "one row, size-1 axis", args: [f32([1, 3, 1]), ids([1], 3)], attrs: {} },
  ],
  scatter_add: [
    { name: "repeated ids, an unused row", args: [data([5], [2, 0, 2, 3, 2], "i64"), f32([5, 3])], attrs: { rows: 5 } },
    { name: "2-D ids", args: [ids([2, 3], 4, "i32"), f32([2, 3, 2])], attrs: { rows: 4 } },
    { name: "no trailing axes", args: [data([4], [1, 1, 0, 1], "i64"), f32([4])], attrs: { rows: 3 } },
  ],
  one_hot: [
    { name: "i64 ids", args: [ids([4], 5)], attrs: { depth: 5 } },
    { name: "2-D i32 ids", args: [ids([2, 3], 3, "i32")], attrs: { depth: 3 } },
    { name: "ids outside [0, depth) give zero rows", args: [data([4], [-1, 3, 1, 4], "i64")], attrs: { depth: 3 } },
  ],
  attention: attentionCases(true),
  attention_probs: attentionCases(false),

  fill: [
    { name: "f32 matrix", args: [], attrs: { shape: [2, 3], value: 1.5, dtype: "f32" } },
    { name: "rank 0", args: [], attrs: { shape: [], value: -2, dtype: "f32" } },
    { name: "i32", args: [], attrs: { shape: [3], value: 7, dtype: "i32" } },
    { name: "empty", args: [], attrs: { shape: [0, 2], value: 1, dtype: "f32" } },
  ],
  cast: [
    { name: "f32 to i32 truncates toward zero", args: [f32([3, 4], { normal: 3 })], attrs: { dtype: "i32" } },
    { name: "i64 to f32", args: [ids([2, 3], 9)], attrs: { dtype: "f32" } },
    { name: "f32 to f32", args: [f32([2, 3])], attrs: { dtype: "f32" } },
    {
      name: "bool to f32",
      args: [{ dtype: "bool", shape: [2, 3], values: { from: [0, 1] } }],
      attrs: { dtype: "f32" },
    },
  ],
  // rate > 0 draws a mask at training time; the engines run these graphs for inference, where dropout is the identity
  dropout: [
    { name: "rate 0", args: [f32([2, 3])], attrs: { rate: 0 } },
    { name: "rate 0, size-1 axes", args: [f32([1, 3, 1])], attrs: {} },
  ],
};
