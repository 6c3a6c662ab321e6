/**
 * Convolution over 1, 2 or 3 spatial axes in torch's layout, with per-axis stride, padding and
 * dilation and channel groups, as im2col and one batched product. Built only from ops that have both
 * a wasm kernel and a gradient (pad, slice, reshape, concat, transpose, batched matmul): the wasm
 * backend registers neither Conv2DBackpropFilter nor the depthwise gradients, and tfjs's conv
 * gradients refuse dilation, so tf.conv2d/conv3d could not be trained. Intermediates stay 4-D or
 * less (5-D transposes are slow on wasm). Memory: the column matrix holds kernel-volume / stride-volume
 * times the input, so this suits the small temporal kernels of video models; the large
 * patch-embedding convolution keeps its own path (linear.ts, patchConv).
 */
import * as tf from "@tensorflow/tfjs";
import { bmm3 } from "./matmul.ts";

export interface ConvAttrs {
  stride: number[];
  padding: number[];
  dilation?: number[];
  groups?: number;
}

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

/**
 * x [N, C, S1..Sn], w [O, C / groups, k1..kn], b [O] -> [N, O, out1..outn],
 * out = floor((S + 2p - d (k - 1) - 1) / s) + 1 per axis (torch.nn.functional.convNd).
 */
export function convNd(x: tf.Tensor, w: tf.Tensor, a: ConvAttrs, b?: tf.Tensor): tf.Tensor {
  const [n, c, ...size] = x.shape;
  const [o, cg, ...kernel] = w.shape;
  const rank = size.length;
  const dilation = a.dilation ?? kernel.map(() => 1);
  const g = a.groups ?? 1;
  const out = size.map(
    (s, i) => Math.floor((s + 2 * a.padding[i] - dilation[i] * (kernel[i] - 1) - 1) / a.stride[i]) + 1,
  );
  // zeros before and after each axis; past the end, enough more that every tap can take out * stride entries
  const need = out.map((m, i) => dilation[i] * (kernel[i] - 1) + m * a.stride[i]);
  const pads: [number, number][] = [
    [0, 0],
    [0, 0],
    ...size.map((s, i): [number, number] => [a.padding[i], Math.max(a.padding[i], need[i] - s - a.padding[i])]),
  ];
  const padded = size.map((s, i) => s + pads[i + 2][0] + pads[i + 2][1]);
  let cur = pads.some(([p, q]) => p || q) ? tf.pad(x, pads) : x;
  // axis by axis: [A1, A2, L, B] -> [A1, k, A2 * out * B], A1 = N*C*(kernels so far), A2 = (outputs so far)
  let a1 = n * c;
  let a2 = 1;
  for (let i = 0; i < rank; i++) {
    const len = padded[i];
    const rest = prod(padded.slice(i + 1));
    const view = tf.reshape(cur, [a1, a2, len, rest]);
    const taps: tf.Tensor[] = [];
    for (let t = 0; t < kernel[i]; t++) {
      // entries start, start + s, ...: take out * s of them and keep the first of every s
      const run = tf.slice(view, [0, 0, t * dilation[i], 0], [a1, a2, out[i] * a.stride[i], rest]);
      const kept =
        a.stride[i] === 1
          ? run
          : tf.slice(tf.reshape(run, [a1, a2, out[i], a.stride[i] * rest]), [0, 0, 0, 0], [a1, a2, out[i], rest]);
      taps.push(tf.reshape(kept, [a1, 1, a2 * out[i] * rest]));
    }
    cur = taps.length === 1 ? taps[0] : tf.concat(taps, 1);
    a1 *= kernel[i];
    a2 *= out[i];
  }
  // cur is [N, C, k1..kn, out1..outn] = [N, g, C/g * K, P]; the weight is [g, O/g, C/g * K]
  const K = cg * prod(kernel);
  const P = prod(out);
  const cols = tf.reshape(tf.transpose(tf.reshape(cur, [n, g, K, P]), [1, 0, 3, 2]), [g, n * P, K]);
  const wg = tf.transpose(tf.reshape(w, [g, o / g, K]), [0, 2, 1]);
  // bmm3: XNNPACK for every group count on wasm, and a backward without transpose flags
  let y: tf.Tensor = bmm3(cols as tf.Tensor3D, wg as tf.Tensor3D); // [g, N*P, O/g]
  y = tf.transpose(tf.reshape(y, [g, n, P, o / g]), [1, 0, 3, 2]); // [N, g, O/g, P]
  y = tf.reshape(y, [n, o, ...out]);
  if (b) y = tf.add(y, tf.reshape(b, [o, ...out.map(() => 1)]));
  return y;
}
