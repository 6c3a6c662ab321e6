/** linear and the patchify convolution: both end in one flat 2-D product against a pre-laid weight. */
import * as tf from "@tensorflow/tfjs";
import { matmul2d, matmul2dBias } from "./matmul.ts";

/**
 * linear(x, w, b?): x [..., in] -> [..., out]. `wT` is the weight already laid out [in, out] (the
 * lowering transposes torch's [out, in] once at load), so the product needs no transpose flag.
 */
export function linear(x: tf.Tensor, wT: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const [inF, outF] = wT.shape;
  const x2 = tf.reshape(x, [-1, inF]) as tf.Tensor2D;
  const y = b ? matmul2dBias(x2, wT, b) : matmul2d(x2, wT as tf.Tensor2D);
  return tf.reshape(y, [...x.shape.slice(0, -1), outF]);
}

/**
 * conv2d with stride == kernel and no padding: x [N, C, H, W] -> [N, O, H/kh, W/kw] as patches
 * times a weight pre-reshaped to [C*kh*kw, O]. Transposes stay 4-D (5-D ones are 100x slower on wasm).
 */
export function patchConv(x: tf.Tensor, wP: tf.Tensor, kh: number, kw: number, b?: tf.Tensor): tf.Tensor {
  const [n, c, h, w] = x.shape;
  const gh = Math.floor(h / kh);
  const gw = Math.floor(w / kw);
  // torch drops the rows and columns that do not fill a whole patch
  if (gh * kh !== h || gw * kw !== w) x = tf.slice(x, [0, 0, 0, 0], [n, c, gh * kh, gw * kw]);
  // (n,c,i) a j b -> (n,c,i) j a b
  let p = tf.transpose(tf.reshape(x, [n * c * gh, kh, gw, kw]), [0, 2, 1, 3]);
  // n c (i,j) (a,b) -> n (i,j) c (a,b): rows are patches, columns match the weight's (c, a, b)
  p = tf.transpose(tf.reshape(p, [n, c, gh * gw, kh * kw]), [0, 2, 1, 3]);
  const y = linear(tf.reshape(p, [n * gh * gw, c * kh * kw]), wP, b);
  return tf.transpose(tf.reshape(y, [n, gh, gw, wP.shape[1]!]), [0, 3, 1, 2]);
}
