/**
 * Classification losses on logits [B, K]. Label smoothing spreads `smoothing` evenly over all K classes
 * (target = (1 - s) * onehot + s / K), which is what X-CLIP's mixup targets and timm's
 * LabelSmoothingCrossEntropy both compute.
 */
import * as tf from "@tensorflow/tfjs";
import { invariant } from "../../compiler/diagnostics/diagnostic.ts";

/** Mean over the batch of -sum_k target[b, k] * log_softmax(logits)[b, k]. */
export function softTargetCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  invariant(logits.rank === 2 && targets.rank === 2, "cross-entropy takes logits and targets of rank 2");
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits, -1)), -1))) as tf.Scalar);
}

/** Smoothed one-hot targets [B, K] for integer labels. */
export function smoothedTargets(labels: ArrayLike<number>, classes: number, smoothing: number): tf.Tensor2D {
  invariant(smoothing >= 0 && smoothing < 1, `label smoothing must be in [0, 1), got ${smoothing}`);
  const off = smoothing / classes;
  const data = new Float32Array(labels.length * classes).fill(off);
  for (let b = 0; b < labels.length; b++) {
    const y = labels[b];
    invariant(Number.isInteger(y) && y >= 0 && y < classes, `label ${y} is not a class index below ${classes}`);
    data[b * classes + y] = 1 - smoothing + off;
  }
  return tf.tensor2d(data, [labels.length, classes]);
}

export function labelSmoothingCrossEntropy(logits: tf.Tensor2D, labels: ArrayLike<number>, smoothing = 0): tf.Scalar {
  return tf.tidy(() => softTargetCrossEntropy(logits, smoothedTargets(labels, logits.shape[1], smoothing)));
}
