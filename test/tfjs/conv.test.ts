/**
 * conv1d/conv2d/conv3d (per-axis stride, padding, dilation; groups) and pad on wasm against a float64
 * loop written here, values and gradients: the loop accumulates dL/dx and dL/dw of L = sum(y * r)
 * as it convolves, so the gradients have a reference that shares no code with tfjs's autodiff.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { build, close, randArr, strides, toTf, wasm1, type Arr } from "./helpers.ts";
import { convNd, type ConvAttrs } from "../../src/runtime/tfjs/ops/conv.ts";
import { tfjsKernels } from "../../src/runtime/tfjs/ops/index.ts";

await wasm1();

/** The table's kernels called directly, with just the node fields and context they read. */
const kernel = tfjsKernels as unknown as Record<
  "conv2d" | "pad",
  (node: unknown, x: tf.Tensor[], ctx: unknown) => tf.Tensor
>;

interface Ref {
  y: Arr;
  gx: Arr;
  gw: Arr;
}

/** torch.nn.functional.convNd by definition, on float64, with the gradients of sum(y * r). */
function refConv(x: Arr, w: Arr, a: ConvAttrs, b: Arr | undefined, r: (out: number[]) => Arr): Ref {
  const [n, c, ...size] = x.shape;
  const [o, cg, ...kernel] = w.shape;
  const g = a.groups ?? 1;
  const d = a.dilation ?? kernel.map(() => 1);
  const out = size.map((s, i) => Math.floor((s + 2 * a.padding[i] - d[i] * (kernel[i] - 1) - 1) / a.stride[i]) + 1);
  const yShape = [n, o, ...out];
  const rr = r(yShape);
  const gx = { shape: x.shape, data: new Float64Array(x.data.length) };
  const gw = { shape: w.shape, data: new Float64Array(w.data.length) };
  const [sx, sw, sy] = [strides(x.shape), strides(w.shape), strides(yShape)];
  const taps = build(kernel, () => 0);
  const y = build(yShape, ([ni, oi, ...p]) => {
    const grp = Math.floor(oi / (o / g));
    let s = b ? b.data[oi] : 0;
    const yOff = [ni, oi, ...p].reduce((acc, v, i) => acc + v * sy[i], 0);
    for (let ci = 0; ci < cg; ci++)
      for (let t = 0; t < taps.data.length; t++) {
        // the tap's multi-index from its flat position
        let rest = t;
        const k = kernel.map((_, i) => {
          const below = kernel.slice(i + 1).reduce((u, v) => u * v, 1);
          const v = Math.floor(rest / below);
          rest %= below;
          return v;
        });
        const pos = p.map((pi, i) => pi * a.stride[i] - a.padding[i] + k[i] * d[i]);
        if (pos.some((q, i) => q < 0 || q >= size[i])) continue;
        const xOff = [ni, grp * cg + ci, ...pos].reduce((acc, v, i) => acc + v * sx[i], 0);
        const wOff = [oi, ci, ...k].reduce((acc, v, i) => acc + v * sw[i], 0);
        s += x.data[xOff] * w.data[wOff];
        gx.data[xOff] += rr.data[yOff] * w.data[wOff];
        gw.data[wOff] += rr.data[yOff] * x.data[xOff];
      }
    return s;
  });
  return { y, gx, gw };
}

function check(name: string, xs: number[], ws: number[], a: ConvAttrs, withBias = true) {
  const x = randArr(xs);
  const w = randArr(ws);
  const b = withBias ? randArr([ws[0]]) : undefined;
  let r: Arr | undefined;
  const ref = refConv(x, w, a, b, (shape) => (r = randArr(shape)));
  const y = tf.tidy(() => convNd(toTf(x), toTf(w), a, b && toTf(b)));
  close(y, ref.y);
  // gradients through tfjs's autodiff on wasm (training needs them; wasm has no conv backprop-filter kernel)
  const grads = tf.grads((xt: tf.Tensor, wt: tf.Tensor) => tf.sum(tf.mul(convNd(xt, wt, a, b && toTf(b)), toTf(r!))));
  const [gx, gw] = grads([toTf(x), toTf(w)]);
  close(gx, ref.gx, 1e-4);
  close(gw, ref.gw, 1e-4);
  tf.dispose([y, gx, gw]);
  return name;
}

test("conv1d: stride, padding, dilation and groups, values and gradients", () => {
  check("plain", [2, 3, 9], [4, 3, 3], { stride: [1], padding: [0] });
  check("stride 2, padding 2, dilation 2", [2, 4, 11], [6, 2, 3], {
    stride: [2],
    padding: [2],
    dilation: [2],
    groups: 2,
  });
  check("depthwise, same length", [3, 5, 8], [5, 1, 3], { stride: [1], padding: [1], groups: 5 }, false);
});

test("conv2d: per-axis stride and padding, dilation, depthwise with a channel multiplier", () => {
  check("per-axis", [2, 3, 7, 6], [4, 3, 3, 2], { stride: [2, 1], padding: [1, 0] });
  check("dilated, grouped", [1, 4, 9, 8], [6, 2, 3, 3], {
    stride: [1, 2],
    padding: [2, 1],
    dilation: [2, 3],
    groups: 2,
  });
  check("depthwise x2", [2, 3, 5, 5], [6, 1, 3, 3], { stride: [1, 1], padding: [1, 1], groups: 3 }, false);
});

test("conv3d: tubelet patching (stride = kernel, ragged edge dropped) and a padded, strided, grouped kernel", () => {
  check("tubelet", [2, 3, 5, 8, 9], [4, 3, 2, 4, 4], { stride: [2, 4, 4], padding: [0, 0, 0] });
  check("general", [1, 4, 5, 6, 5], [4, 2, 3, 3, 2], {
    stride: [2, 1, 2],
    padding: [1, 1, 0],
    dilation: [1, 2, 1],
    groups: 2,
  });
});

test("the conv2d kernel entry takes the general path when groups or dilation rule out patchify", () => {
  const x = randArr([1, 4, 4, 4]);
  const w = randArr([4, 1, 2, 2]);
  // stride == kernel and no padding, but grouped: not a patch embedding
  const attrs = { stride: [2, 2], padding: [0, 0], groups: 4 };
  const y = kernel.conv2d({ op: "conv2d", attrs }, [toTf(x), toTf(w)], { laid: () => false, argShape: () => w.shape });
  close(y, refConv(x, w, attrs, undefined, (s) => build(s, () => 0)).y);
});

test("pad: constant value before and after each axis, gradient is the slice", () => {
  const x = randArr([2, 3, 4]);
  const attrs = { before: [0, 2, 1], after: [1, 0, 3], value: -0.5 };
  const run = (t: tf.Tensor) => kernel.pad({ op: "pad", attrs }, [t], {});
  const ref = build([3, 5, 8], ([i, j, k]) => {
    const [a, b, c] = [i, j - 2, k - 1];
    return a < 2 && b >= 0 && b < 3 && c >= 0 && c < 4 ? x.data[a * 12 + b * 4 + c] : -0.5;
  });
  close(run(toTf(x)), ref);
  const r = randArr([3, 5, 8]);
  const gx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(run(t), toTf(r))))(toTf(x));
  close(
    gx,
    build([2, 3, 4], ([i, j, k]) => r.data[i * 40 + (j + 2) * 8 + (k + 1)]),
  );
  assert.equal(gx.shape, [2, 3, 4]);
});

test.run();
