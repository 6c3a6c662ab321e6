/** Elementwise ops. Binary ones broadcast as numpy does (tfjs's own rule). */
import * as tf from "@tensorflow/tfjs";

export const binary = {
  add: tf.add,
  sub: tf.sub,
  mul: tf.mul,
  div: tf.div,
  pow: tf.pow,
  maximum: tf.maximum,
  minimum: tf.minimum,
  // comparisons: bool of the broadcast shape
  equal: tf.equal,
  greater: tf.greater,
} satisfies Record<string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor>;

/** Exact (erf) GELU, as torch.nn.GELU(); CLIP's QuickGELU is written out in the models instead. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
}

export const unary = {
  neg: tf.neg,
  exp: tf.exp,
  log: tf.log,
  sqrt: tf.sqrt,
  rsqrt: tf.rsqrt,
  sigmoid: tf.sigmoid,
  tanh: tf.tanh,
  relu: tf.relu,
  gelu,
  abs: tf.abs,
  erf: tf.erf,
} satisfies Record<string, (x: tf.Tensor) => tf.Tensor>;
