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

/** f, which works on the last axis only (tfjs's softmax kernels), along any axis: that axis swapped to the end and back. */
function alongAxis(f: (x: tf.Tensor) => tf.Tensor) {
  return (x: tf.Tensor, axis: number): tf.Tensor => {
    const a = axis < 0 ? axis + x.rank : axis;
    if (a === x.rank - 1) return f(x);
    const perm = [...Array(x.rank).keys()];
    [perm[a], perm[x.rank - 1]] = [perm[x.rank - 1], perm[a]];
    return tf.transpose(f(tf.transpose(x, perm)), perm);
  };
}

export const softmax = alongAxis((x) => tf.softmax(x));
/** x - log(sum(exp(x))) along `axis`, computed stably (tfjs's own, a custom gradient over max, exp and log). */
export const logSoftmax = alongAxis((x) => tf.logSoftmax(x));
