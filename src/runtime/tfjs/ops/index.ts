/**
 * One IR node -> tfjs. The kernels live in the files beside this one; here only the attributes are
 * decoded. Weights of `linear` and patchify `conv2d` come in the runtime layout when `laid` says so.
 */
import * as tf from "@tensorflow/tfjs";
import type { Node } from "../../../compiler/4-ir/schema.ts";
import { fail } from "../../../compiler/diagnostics/diagnostic.ts";
import { attention } from "./attention.ts";
import { binary, unary, type BinaryOp, type UnaryOp } from "./elementwise.ts";
import { gather, gatherRows } from "./gather.ts";
import { conv2d, isPatchify, linear, patchConv } from "./linear.ts";
import { matmul } from "./matmul.ts";
import { l2Normalize, layerNorm, softmax } from "./norm.ts";
import { dims, fill, slice, tfDtype, type Env } from "./shape.ts";

export interface OpContext {
  env: Env;
  training: boolean;
  /** Whether argument i of the node is a weight already in the runtime layout. */
  laid: (i: number) => boolean;
  /** The IR (torch-layout) shape of argument i, with the batch symbols bound. */
  argShape: (i: number) => number[];
}

type Attrs = Record<string, unknown>;
const num = (a: Attrs, k: string) => a[k] as number;
const axesOf = (a: Attrs) => (a.axes ?? a.axis) as number | number[];

export function evalOp(node: Node, x: tf.Tensor[], ctx: OpContext, file: string): tf.Tensor {
  const a = node.attrs;
  const op = node.op;
  if (op in binary) return binary[op as BinaryOp](x[0], x[1]);
  if (op in unary) return unary[op as UnaryOp](x[0]);
  switch (op) {
    case "const":
      return tf.scalar(a.value as number, tfDtype(node.type.dtype));
    case "matmul":
      return matmul(x[0], x[1]);
    case "linear":
      return linear(x[0], ctx.laid(1) ? x[1] : tf.transpose(x[1]), x[2]);
    case "conv2d": {
      const stride = (a.stride ?? 1) as number | number[];
      const padding = (a.padding ?? 0) as number | number[];
      const [, , kh, kw] = ctx.argShape(1);
      if (ctx.laid(1)) return patchConv(x[0], x[1], kh, kw, x[2]);
      if (isPatchify([kh, kw], stride, padding)) {
        const [o] = x[1].shape;
        return patchConv(x[0], tf.transpose(tf.reshape(x[1], [o, -1])), kh, kw, x[2]);
      }
      return conv2d(x[0], x[1], stride, padding, x[2]);
    }
    case "layer_norm":
      return layerNorm(x[0], x[1], x[2], (a.eps ?? 1e-5) as number);
    case "softmax":
      return softmax(x[0], num(a, "axis"));
    case "l2_normalize":
      return l2Normalize(x[0], num(a, "axis"));
    case "argmax":
      return tf.argMax(x[0], num(a, "axis"));
    case "mean":
      return tf.mean(x[0], axesOf(a), Boolean(a.keepdims));
    case "sum":
      return tf.sum(x[0], axesOf(a), Boolean(a.keepdims));
    case "max":
      return tf.max(x[0], axesOf(a), Boolean(a.keepdims));
    case "reshape":
      return tf.reshape(x[0], dims(a.shape as Node["type"]["shape"], ctx.env));
    case "transpose":
      return tf.transpose(x[0], a.perm as number[]);
    case "concat":
      return tf.concat(x, num(a, "axis"));
    case "broadcast_to":
      return tf.broadcastTo(x[0], dims(a.shape as Node["type"]["shape"], ctx.env));
    case "slice":
      return slice(x[0], a.begin as Node["type"]["shape"], a.size as Node["type"]["shape"], ctx.env);
    case "gather":
      return gather(x[0], x[1]);
    case "gather_rows":
      return gatherRows(x[0], x[1]);
    case "attention":
      return attention(x[0], x[1], x[2], num(a, "scale"), Boolean(a.causal));
    case "fill":
      return fill(a.shape as Node["type"]["shape"], a.value as number, tfDtype(node.type.dtype), ctx.env);
    case "cast":
      return tf.cast(x[0], tfDtype((a.dtype as string) ?? node.type.dtype));
    case "dropout": {
      const rate = (a.rate ?? 0) as number;
      return ctx.training && rate > 0 ? tf.dropout(x[0], rate) : x[0];
    }
  }
  return fail("unsupported_op", file, op, "tfjs");
}
