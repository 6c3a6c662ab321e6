/**
 * The tfjs kernel table: one entry per op of the op table (compiler/ops/table.ts), reading the
 * node's typed attributes. The kernels live in the files beside this one. Weights of `linear` and
 * patchify `conv2d` come in the runtime layout when `laid` says so.
 */
import * as tf from "@tensorflow/tfjs";
import type { NodeOf } from "../../../compiler/0-core/schema.ts";
import { isUnsupported, kernelFor, type KernelTable } from "../../../compiler/ops/kernels.ts";
import { fail } from "../../../compiler/diagnostics/diagnostic.ts";
import { attention, attentionProbs } from "./attention.ts";
import { binary, unary } from "./elementwise.ts";
import { gather, gatherRows, oneHot, scatterAdd } from "./gather.ts";
import { convNd } from "./conv.ts";
import { isPatchify } from "../../backend/param-layout.ts";
import { linear, patchConv } from "./linear.ts";
import { matmul } from "./matmul.ts";
import { l2Normalize, layerNorm, logSoftmax, softmax } from "./norm.ts";
import { dims, fill, slice, tfDtype, type Env } from "./shape.ts";

export interface OpContext {
  env: Env;
  training: boolean;
  /** The seed a stochastic op draws from: a recomputed run draws the same numbers again (undefined: a fresh draw). */
  seed?: number;
  /** Whether argument i of the node is a weight already in the runtime layout. */
  laid: (i: number) => boolean;
  /** The IR (torch-layout) shape of argument i, with the batch symbols bound. */
  argShape: (i: number) => number[];
  /** The tensor an input or parameter node stands for (the lowering binds them). */
  leaf: (node: NodeOf<"input" | "param">) => tf.Tensor;
}

export type TfjsKernels = KernelTable<[x: tf.Tensor[], ctx: OpContext], tf.Tensor>;

const bin = (f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (_n: unknown, x: tf.Tensor[]) => f(x[0], x[1]);
const un = (f: (a: tf.Tensor) => tf.Tensor) => (_n: unknown, x: tf.Tensor[]) => f(x[0]);

export const tfjsKernels: TfjsKernels = {
  input: (n, _x, ctx) => ctx.leaf(n),
  param: (n, _x, ctx) => ctx.leaf(n),
  const: (n) => tf.scalar(n.attrs.value, tfDtype(n.type.dtype)),
  add: bin(binary.add),
  sub: bin(binary.sub),
  mul: bin(binary.mul),
  div: bin(binary.div),
  pow: bin(binary.pow),
  maximum: bin(binary.maximum),
  minimum: bin(binary.minimum),
  equal: bin(binary.equal),
  greater: bin(binary.greater),
  neg: un(unary.neg),
  exp: un(unary.exp),
  log: un(unary.log),
  sqrt: un(unary.sqrt),
  rsqrt: un(unary.rsqrt),
  sigmoid: un(unary.sigmoid),
  tanh: un(unary.tanh),
  relu: un(unary.relu),
  gelu: un(unary.gelu),
  abs: un(unary.abs),
  erf: un(unary.erf),
  matmul: (_n, x) => matmul(x[0], x[1]),
  linear: (_n, x, ctx) => linear(x[0], ctx.laid(1) ? x[1] : tf.transpose(x[1]), x[2]),
  conv1d: (n, x) => convNd(x[0], x[1], n.attrs, x[2]),
  conv2d: ({ attrs }, x, ctx) => {
    const [, , kh, kw] = ctx.argShape(1);
    if (ctx.laid(1)) return patchConv(x[0], x[1], kh, kw, x[2]);
    if (isPatchify([kh, kw], attrs)) {
      const [o] = x[1].shape;
      return patchConv(x[0], tf.transpose(tf.reshape(x[1], [o, -1])), kh, kw, x[2]);
    }
    return convNd(x[0], x[1], attrs, x[2]);
  },
  conv3d: (n, x) => convNd(x[0], x[1], n.attrs, x[2]),
  layer_norm: (n, x) => layerNorm(x[0], x[1], x[2], n.attrs.eps),
  softmax: (n, x) => softmax(x[0], n.attrs.axis),
  log_softmax: (n, x) => logSoftmax(x[0], n.attrs.axis),
  l2_normalize: (n, x) => l2Normalize(x[0], n.attrs.axis),
  argmax: (n, x) => tf.argMax(x[0], n.attrs.axis),
  mean: (n, x) => tf.mean(x[0], n.attrs.axes, n.attrs.keepdims),
  // tfjs-wasm sums an empty axis into uninitialised memory: an empty sum is zeros
  sum: (n, x) =>
    x[0].size === 0
      ? tf.zerosLike(tf.sum(x[0], n.attrs.axes, n.attrs.keepdims))
      : tf.sum(x[0], n.attrs.axes, n.attrs.keepdims),
  max: (n, x) => tf.max(x[0], n.attrs.axes, n.attrs.keepdims),
  reshape: (n, x, ctx) => tf.reshape(x[0], dims(n.attrs.shape, ctx.env)),
  transpose: (n, x) => tf.transpose(x[0], n.attrs.perm),
  concat: (n, x) => tf.concat(x, n.attrs.axis),
  broadcast_to: (n, x, ctx) => {
    const shape = dims(n.attrs.shape, ctx.env);
    // tf.broadcastTo keeps a size-1 axis asked to become 0 (numpy makes it 0): an empty target is an empty tensor
    return shape.includes(0) ? tf.zeros(shape, x[0].dtype) : tf.broadcastTo(x[0], shape);
  },
  slice: (n, x, ctx) => slice(x[0], n.attrs.begin, n.attrs.size, ctx.env),
  flip: (n, x) => tf.reverse(x[0], n.attrs.axes),
  pad: ({ attrs: { before, after, value } }, x) =>
    tf.pad(
      x[0],
      before.map((b, i): [number, number] => [b, after[i]]),
      value,
    ),
  gather: (_n, x) => gather(x[0], x[1]),
  gather_rows: (_n, x) => gatherRows(x[0], x[1]),
  scatter_add: (n, x, ctx) => scatterAdd(x[0], x[1], dims([n.attrs.rows], ctx.env)[0]),
  one_hot: (n, x, ctx) => oneHot(x[0], dims([n.attrs.depth], ctx.env)[0]),
  attention: (n, x) => attention(x[0], x[1], x[2], n.attrs.scale, n.attrs.causal),
  attention_probs: (n, x) => attentionProbs(x[0], x[1], n.attrs.scale, n.attrs.causal),
  fill: (n, _x, ctx) => fill(n.attrs.shape, n.attrs.value, tfDtype(n.type.dtype), ctx.env),
  cast: (n, x) => tf.cast(x[0], tfDtype(n.attrs.dtype)),
  dropout: (n, x, ctx) =>
    ctx.training && n.attrs.rate > 0 ? tf.dropout(x[0], n.attrs.rate, undefined, ctx.seed) : x[0],
};

export function evalOp(node: NodeOf<keyof TfjsKernels>, x: tf.Tensor[], ctx: OpContext, file: string): tf.Tensor {
  const k = kernelFor(tfjsKernels, node.op);
  return isUnsupported(k) ? fail("unsupported_op", file, node.op, "tfjs") : k(node, x, ctx);
}
