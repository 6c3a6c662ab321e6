import { test } from "uvu";
import * as assert from "uvu/assert";
import { testIndices, trainIndices } from "../../src/runtime/data/sampling.ts";
import { renderView, testCrops, trainCrop, resizeShortSide, MEAN, STD } from "../../src/runtime/data/transform.ts";
import type { RgbImage } from "../../src/runtime/data/image.ts";
import { mulberry32, type Rng } from "../../src/runtime/data/rng.ts";

const fixed = (...values: number[]): Rng => {
  let i = 0;
  return { next: () => values[i++ % values.length] };
};

test("test-time sampling: centre of 8 segments of 30 frames", () => {
  // segment = 30/8 = 3.75; floor(3.75 i + 1.875) = 1.875, 5.625, 9.375, 13.125, 16.875, 20.625, 24.375, 28.125
  assert.equal(testIndices(30, 8), [1, 5, 9, 13, 16, 20, 24, 28]);
  // two temporal views take the points at 1/4 and 3/4 of each segment: 3.75 i + 0.9375 and + 2.8125
  assert.equal(testIndices(30, 8, 0, 2), [0, 4, 8, 12, 15, 19, 23, 27]);
  assert.equal(testIndices(30, 8, 1, 2), [2, 6, 10, 14, 17, 21, 25, 29]);
  // fewer frames than segments: floor(0.375 i + 0.1875)
  assert.equal(testIndices(3, 8), [0, 0, 0, 1, 1, 2, 2, 2]);
  assert.equal(testIndices(8, 8), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test("training sampling: one uniform frame inside each segment", () => {
  assert.equal(trainIndices(30, 8, fixed(0)), [0, 3, 7, 11, 15, 18, 22, 26]);
  assert.equal(trainIndices(30, 8, fixed(0.999)), [3, 7, 11, 14, 18, 22, 26, 29]);
  const rng = mulberry32(7);
  for (let k = 0; k < 200; k++) {
    const idx = trainIndices(30, 8, rng);
    idx.forEach((f, i) =>
      assert.ok(f >= Math.floor(i * 3.75) && f < Math.ceil((i + 1) * 3.75), `frame ${f} in segment ${i}`),
    );
  }
});

function image(width: number, height: number, px: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(px(x, y), (y * width + x) * 3);
  return { width, height, data };
}

const norm = (values: number[], c: number) => values.map((v) => (v - MEAN[c]) / STD[c]);
function close(actual: Float32Array, expected: number[], eps = 1e-4) {
  assert.is(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < eps, `index ${i}: ${v} vs ${expected[i]}`));
}

test("resize short side, centre crop, normalise: 6x4 image to 2x2 by hand", () => {
  // size 2 -> short side round(256/224*2) = 2 -> 3x2; centre crop left (3-2)//2 = 0.
  // Source x = (u + 0.5) * 6/3 - 0.5 = 0.5, 2.5: each output pixel averages a 2x2 block.
  const img = image(6, 4, (x, y) => [10 * x + 40 * y, 200 - 10 * x, 7]);
  const [box] = testCrops(6, 4, 2);
  const out = new Float32Array(12);
  renderView(img, box, 2, out);
  close(out, [...norm([25, 45, 105, 125], 0), ...norm([195, 175, 195, 175], 1), ...norm([7, 7, 7, 7], 2)]);
});

test("bilinear upsampling clamps at the edges like OpenCV", () => {
  // 2x2 to 3x3 (size 3: short side round(3.43) = 3, no crop). Source coords -1/6 -> 0, 0.5, 7/6 -> 1.
  const r = [
    [0, 90],
    [30, 120],
  ];
  const img = image(2, 2, (x, y) => [r[y][x], 0, 0]);
  const out = new Float32Array(27);
  renderView(img, testCrops(2, 2, 3)[0], 3, out);
  close(out.subarray(0, 9), norm([0, 45, 90, 15, 60, 105, 30, 75, 120], 0));
});

test("mmcv resize sizes and three crops along the long side", () => {
  assert.equal(resizeShortSide(320, 240, 256), { width: 341, height: 256 }); // 320*256/240 = 341.33
  assert.equal(resizeShortSide(240, 320, 37), { width: 37, height: 49 }); // 49.33
  // 8x4 with size 4: short side 4 keeps the image, crops start at 0, 2, 4.
  assert.equal(
    testCrops(8, 4, 4, 3).map((b) => [b.x, b.y, b.w, b.h]),
    [
      [0, 0, 4, 4],
      [2, 0, 4, 4],
      [4, 0, 4, 4],
    ],
  );
  // 4x8 (portrait) with size 2: resize to 2x4, crops at y = 0, 1, 2 in resized pixels = 0, 2, 4 in the source.
  assert.equal(
    testCrops(4, 8, 2, 3).map((b) => [b.x, b.y, b.w, b.h]),
    [
      [0, 0, 4, 4],
      [0, 2, 4, 4],
      [0, 4, 4, 4],
    ],
  );
  // 224 on a 340x256 video: short side 256, centre crop at ((388.., 256) - 224) // 2.
  const [b] = testCrops(340, 256, 224);
  assert.equal([b.x, b.y, b.w, b.h], [58, 16, 224, 224]); // resized 340x256 unchanged: (340-224)//2 = 58
});

test("training crop: scale jitter within the image, flip only when asked", () => {
  const rng = mulberry32(3);
  const img = image(40, 30, (x, y) => [x * 6, y * 8, 100]);
  let flips = 0;
  for (let k = 0; k < 300; k++) {
    const box = trainCrop(40, 30, 16, rng, { flip: k % 2 === 0 });
    assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.w <= 40 + 1e-9 && box.y + box.h <= 30 + 1e-9);
    // resized short side 18: crop sides are floor(18 * s), s in {1, .875, .75, .66}, scaled back by 30/18
    const sides = [18, 15, 13, 11].map((s) => (s * 30) / 18);
    assert.ok(sides.some((s) => Math.abs(s - box.w) < 1e-9) && sides.some((s) => Math.abs(s - box.h) < 1e-9));
    if (box.flip) flips++;
    if (k % 2 === 1) assert.not.ok(box.flip);
  }
  assert.ok(flips > 45 && flips < 105, `${flips} flips of 150`);
  // A flipped view is the mirror image of the same unflipped crop.
  const box = trainCrop(40, 30, 16, mulberry32(9));
  const a = new Float32Array(3 * 256);
  const b = new Float32Array(3 * 256);
  renderView(img, box, 16, a);
  renderView(img, { ...box, flip: true }, 16, b);
  for (let c = 0; c < 3; c++)
    for (let v = 0; v < 16; v++)
      for (let u = 0; u < 16; u++) assert.is(b[c * 256 + v * 16 + u], a[c * 256 + v * 16 + 15 - u]);
});

test.run();
