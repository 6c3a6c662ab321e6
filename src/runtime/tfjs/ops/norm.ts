/** Normalisations and softmax. */
import * as tf from "@tensorflow/tfjs";

/** layer_norm over the last axis with the biased variance, as torch.nn.LayerNorm. */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const xc = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), g), b);
}

/** x / ||x|| along `axis`, without an epsilon (CLIP's feature normalisation divides by the norm as is). */
export function l2Normalize(x: tf.Tensor, axis: number): tf.Tensor {
  return tf.div(x, tf.sqrt(tf.sum(tf.square(x), axis, true)));
}

/** softmax along any axis (tfjs's kernel works on the last one only). */
export function softmax(x: tf.Tensor, axis: number): tf.Tensor {
  const a = axis < 0 ? axis + x.rank : axis;
  if (a === x.rank - 1) return tf.softmax(x);
  const perm = [...Array(x.rank).keys()];
  [perm[a], perm[x.rank - 1]] = [perm[x.rank - 1], perm[a]];
  return tf.transpose(tf.softmax(tf.transpose(x, perm)), perm);
}
