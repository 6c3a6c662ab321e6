/**
 * One IR op -> ONNX nodes (opset 17), one entry per op: `Record<OpName, OnnxKernel>`, so the type checker
 * holds the table complete. A kernel reads its node's attributes and writes the node's value under
 * `ctx.out`; helper values get fresh names under the node's own name.
 */
import type { Dim, DType, Node, NodeOf, TensorType } from "../../compiler/0-core/schema.ts";
import { viaDecomposition, type KernelTable } from "../../compiler/ops/kernels.ts";
import { ElemType, tensorProto, type AttrValue } from "./proto.ts";
import { rawBytes } from "./raw.ts";

export interface OnnxContext {
  node: Node;
  /** Value names of the node's arguments. */
  args: string[];
  /** The name the node's value must be written under. */
  out: string;
  argType(i: number): TensorType;
  /** Whether argument i is a weight exported as [in, out] (a linear layer's, transposed once at export). */
  laid(i: number): boolean;
  /** One ONNX node; returns its (first) output name, `out` when given. */
  emit(op: string, inputs: string[], attrs?: Record<string, AttrValue>, out?: string): string;
  /** A constant initializer. */
  constant(dtype: DType, dims: number[], values: readonly number[]): string;
  /** An int64 [rank] shape tensor for IR dims (symbolic ones computed from the input shapes at run time). */
  dims(shape: readonly Dim[]): string;
  /** IR dims with the symbols the export binds (`fixed`) replaced by their values. */
  resolved(shape: readonly Dim[]): Dim[];
  /** Polynomial equality of two IR dims. */
  same(a: Dim, b: Dim): boolean;
  file: string;
}

/** A kernel: the node (its attributes typed by the op table) and the lowering's context. */
export type OnnxKernels = KernelTable<[c: OnnxContext], void>;
type AnyKernel = (n: Node, c: OnnxContext) => void;

/** Past any axis end: Slice clamps it to the dim. */
const TO_END = 2 ** 62;

const same =
  (op: string): AnyKernel =>
  (_n, c) =>
    void c.emit(op, c.args, {}, c.out);
/** Nothing to emit: inputs and parameters are named by the lowering itself. */
const leaf: AnyKernel = () => {};

function reduce(op: string, axesAsInput: boolean): (n: NodeOf<"mean" | "sum" | "max">, c: OnnxContext) => void {
  return (n, c) => {
    const axes = n.attrs.axes;
    // no axes reduces nothing in the IR; ONNX's Reduce* with no axes would reduce them all
    if (axes.length === 0) return void c.emit("Identity", c.args, {}, c.out);
    const keepdims = n.attrs.keepdims ? 1 : 0;
    if (axesAsInput) c.emit(op, [c.args[0], c.constant("i64", [axes.length], axes)], { keepdims }, c.out);
    else c.emit(op, c.args, { axes, keepdims }, c.out);
  };
}

/** Conv in any of its 1-3 spatial ranks: ONNX's Conv takes the kernel shape, per-axis attributes and the group. */
function conv(n: NodeOf<"conv1d" | "conv2d" | "conv3d">, c: OnnxContext): void {
  const kernel = (c.argType(1).shape as number[]).slice(2);
  const { stride, padding, dilation, groups } = n.attrs;
  const attrs = {
    kernel_shape: kernel,
    strides: stride,
    pads: [...padding, ...padding],
    dilations: dilation ?? kernel.map(() => 1),
    group: groups ?? 1,
  };
  c.emit("Conv", c.args, attrs, c.out);
}

function slice(n: NodeOf<"slice">, c: OnnxContext): void {
  const shape = c.argType(0).shape;
  const { begin, size } = n.attrs;
  const axes: number[] = [];
  const starts: Dim[] = [];
  const ends: Dim[] = [];
  begin.forEach((b, i) => {
    const whole = size[i] === -1 || c.same(addDims(b, size[i]), shape[i]);
    if (c.same(b, 0) && whole) return;
    axes.push(i);
    starts.push(b);
    ends.push(whole ? TO_END : addDims(b, size[i]));
  });
  if (axes.length === 0) return void c.emit("Identity", [c.args[0]], {}, c.out);
  c.emit("Slice", [c.args[0], c.dims(starts), c.dims(ends), c.constant("i64", [axes.length], axes)], {}, c.out);
}

/** Argument i as int64, ONNX's index type (cast when the IR holds i32). */
const int64 = (c: OnnxContext, i: number) =>
  c.argType(i).dtype === "i64" ? c.args[i] : c.emit("Cast", [c.args[i]], { to: ElemType.i64 });

/** Slice backwards on each axis: from the last entry past the first (a negative step clamps the end to -1). */
function flip(n: NodeOf<"flip">, c: OnnxContext): void {
  const axes = n.attrs.axes;
  if (axes.length === 0) return void c.emit("Identity", c.args, {}, c.out);
  const each = (v: number) =>
    c.constant(
      "i64",
      [axes.length],
      axes.map(() => v),
    );
  c.emit("Slice", [c.args[0], each(-1), each(-TO_END), c.constant("i64", [axes.length], axes), each(-1)], {}, c.out);
}

/** A zero [rows, ...rest] table with each row of updates added at its id: ScatterND's "add" sums repeated ids. */
function scatterAdd(n: NodeOf<"scatter_add">, c: OnnxContext): void {
  const zeros = c.emit("ConstantOfShape", [c.dims(n.type.shape)], { value: { tensor: tensorOf(n.type.dtype, [0]) } });
  const index = c.emit("Unsqueeze", [int64(c, 0), c.constant("i64", [1], [-1])]);
  c.emit("ScatterND", [zeros, index, c.args[1]], { reduction: "add" }, c.out);
}

/** OneHot counts ids in [-depth, 0) from the end; the IR gives them a zero row, so they are moved past the end first. */
function oneHot(n: NodeOf<"one_hot">, c: OnnxContext): void {
  const ids = int64(c, 0);
  const kept = c.emit("Where", [
    c.emit("Less", [ids, c.constant("i64", [], [0])]),
    c.constant("i64", [], [TO_END]),
    ids,
  ]);
  c.emit("OneHot", [kept, c.dims([n.attrs.depth]), c.constant("f32", [2], [0, 1])], { axis: -1 }, c.out);
}

const addDims = (a: Dim, b: Dim): Dim => (typeof a === "number" && typeof b === "number" ? a + b : `${a} + ${b}`);

export const onnxKernels: OnnxKernels = {
  input: leaf,
  param: leaf,
  const: (n, c) => void c.emit("Identity", [c.constant(n.type.dtype, [], [n.attrs.value])], {}, c.out),
  add: same("Add"),
  sub: same("Sub"),
  mul: same("Mul"),
  div: same("Div"),
  pow: same("Pow"),
  maximum: same("Max"),
  minimum: same("Min"),
  equal: same("Equal"),
  greater: same("Greater"),
  neg: same("Neg"),
  exp: same("Exp"),
  log: same("Log"),
  sqrt: same("Sqrt"),
  rsqrt: (n, c) => void c.emit("Reciprocal", [c.emit("Sqrt", c.args)], {}, c.out),
  sigmoid: same("Sigmoid"),
  tanh: same("Tanh"),
  relu: same("Relu"),
  abs: same("Abs"),
  erf: same("Erf"),
  // opset 17 has no Gelu: the op table's erf form
  gelu: viaDecomposition,
  matmul: same("MatMul"),
  linear: (n, c) => {
    const w = c.laid(1) ? c.args[1] : c.emit("Transpose", [c.args[1]], { perm: [1, 0] });
    if (c.args.length < 3) return void c.emit("MatMul", [c.args[0], w], {}, c.out);
    c.emit("Add", [c.emit("MatMul", [c.args[0], w]), c.args[2]], {}, c.out);
  },
  conv1d: conv,
  conv2d: conv,
  conv3d: conv,
  layer_norm: (n, c) => void c.emit("LayerNormalization", c.args, { axis: -1, epsilon: { float: n.attrs.eps } }, c.out),
  softmax: (n, c) => void c.emit("Softmax", c.args, { axis: n.attrs.axis }, c.out),
  log_softmax: (n, c) => void c.emit("LogSoftmax", c.args, { axis: n.attrs.axis }, c.out),
  // x / ||x||, without an epsilon, as CLIP normalises its features
  l2_normalize: (n, c) =>
    void c.emit("Div", [c.args[0], c.emit("ReduceL2", c.args, { axes: [n.attrs.axis], keepdims: 1 })], {}, c.out),
  argmax: (n, c) => {
    const attrs = { axis: n.attrs.axis, keepdims: 0 };
    if (n.type.dtype === "i64") return void c.emit("ArgMax", c.args, attrs, c.out);
    c.emit("Cast", [c.emit("ArgMax", c.args, attrs)], { to: ElemType[n.type.dtype] }, c.out);
  },
  mean: reduce("ReduceMean", false),
  sum: reduce("ReduceSum", true),
  max: reduce("ReduceMax", false),
  reshape: (n, c) => {
    // one symbolic dim is Reshape's -1: the shape stays a constant ORT can fold
    const shape = c.resolved(n.attrs.shape);
    const symbolic = shape.filter((d) => typeof d === "string").length;
    // a 0 in Reshape's shape copies the input's dim unless allowzero (which forbids -1 beside it): an empty target says so
    const empty = shape.includes(0);
    const target = symbolic === 1 && !empty ? shape.map((d) => (typeof d === "string" ? -1 : d)) : shape;
    c.emit("Reshape", [c.args[0], c.dims(target)], empty ? { allowzero: 1 } : {}, c.out);
  },
  transpose: (n, c) => void c.emit("Transpose", c.args, { perm: n.attrs.perm }, c.out),
  concat: (n, c) => void c.emit("Concat", c.args, { axis: n.attrs.axis }, c.out),
  broadcast_to: (n, c) => {
    // Expand broadcasts the input against the shape: a 1 keeps the input's own dim, so dims the input
    // already has (symbolic ones included) need no run-time shape arithmetic.
    const target = n.attrs.shape;
    // ORT's optimiser drops an Expand of a size-1 axis to 0 as a no-op (its shape inference keeps the 1): an empty
    // target is an empty tensor
    if (target.includes(0))
      return void c.emit(
        "ConstantOfShape",
        [c.dims(target)],
        { value: { tensor: tensorOf(n.type.dtype, [0]) } },
        c.out,
      );
    const from = c.argType(0).shape;
    const shape = target.map((d, i) => {
      const j = i - (target.length - from.length);
      return j >= 0 && c.same(from[j], d) ? 1 : d;
    });
    c.emit("Expand", [c.args[0], c.dims(shape)], {}, c.out);
  },
  slice,
  flip,
  // opset 17 Pad: pads [begins..., ends...] and the fill value as inputs
  pad: (n, c) => {
    const { before, after, value } = n.attrs;
    const pads = c.constant("i64", [before.length * 2], [...before, ...after]);
    c.emit("Pad", [c.args[0], pads, c.constant(n.type.dtype, [], [value])], { mode: "constant" }, c.out);
  },
  gather: (n, c) => void c.emit("Gather", c.args, { axis: 0 }, c.out),
  // row n takes x[n, idx[n]]: GatherND with one batch dim and an index of length 1
  gather_rows: (n, c) => {
    c.emit(
      "GatherND",
      [c.args[0], c.emit("Unsqueeze", [int64(c, 1), c.constant("i64", [1], [1])])],
      { batch_dims: 1 },
      c.out,
    );
  },
  scatter_add: scatterAdd,
  one_hot: oneHot,
  // the op table's products, softmax and causal mask: one place for the mask, and ORT folds it to a constant at load
  attention: viaDecomposition,
  attention_probs: viaDecomposition,
  fill: (n, c) => {
    const value = { value: { tensor: tensorOf(n.type.dtype, [n.attrs.value]) } };
    c.emit("ConstantOfShape", [c.dims(n.attrs.shape)], value, c.out);
  },
  cast: (n, c) => void c.emit("Cast", c.args, { to: ElemType[n.attrs.dtype] }, c.out),
  dropout: (n, c) => void c.emit("Identity", c.args, {}, c.out),
};

function tensorOf(dtype: DType, values: readonly number[]) {
  return tensorProto("", dtype, [1], rawBytes(dtype, values));
}
