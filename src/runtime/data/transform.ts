/**
 * Spatial transforms of the X-CLIP pipeline, computed as one bilinear sampling per output pixel:
 * resize the short side, crop, (flip), normalise, written channel-first into a Float32Array.
 * Bilinear sampling follows OpenCV's INTER_LINEAR (half-pixel centres, edge clamping, no antialiasing), which
 * mmcv uses; we keep the resized values in float instead of rounding them to bytes as OpenCV does.
 */
import type { RgbImage } from "./image.ts";
import { randInt, type Rng } from "./rng.ts";

export const MEAN = [123.675, 116.28, 103.53] as const;
export const STD = [58.395, 57.12, 57.375] as const;

/** A crop in source-pixel coordinates (may be fractional), resampled to size x size. */
export interface CropBox {
  x: number;
  y: number;
  w: number;
  h: number;
  flip: boolean;
}

/** mmcv's rescale_size for scale (-1, short): the short side becomes `short`, the long one keeps the ratio. */
export function resizeShortSide(width: number, height: number, short: number): { width: number; height: number } {
  const s = short / Math.min(width, height);
  return { width: Math.floor(width * s + 0.5), height: Math.floor(height * s + 0.5) };
}

/** The test-time short side: 256/224 of the crop (256 for 224). */
export const testResize = (size: number): number => Math.round((256 / 224) * size);

/** A crop box given in resized-image pixels, mapped back to the source image. */
function fromResized(
  src: { width: number; height: number },
  rs: { width: number; height: number },
  left: number,
  top: number,
  cw: number,
  ch: number,
  flip: boolean,
): CropBox {
  const kx = src.width / rs.width;
  const ky = src.height / rs.height;
  return { x: left * kx, y: top * ky, w: cw * kx, h: ch * ky, flip };
}

/**
 * Test-time crops. One crop: resize the short side to 256/224*size, centre crop (mmaction CenterCrop offsets,
 * `(W - size) // 2`). Three crops: resize the short side to `size`, then first, centre and last square along the
 * long side (mmaction ThreeCrop), i.e. left/centre/right or top/centre/bottom.
 */
export function testCrops(width: number, height: number, size: number, crops: 1 | 3 = 1): CropBox[] {
  const src = { width, height };
  if (crops === 1) {
    const rs = resizeShortSide(width, height, testResize(size));
    return [fromResized(src, rs, (rs.width - size) >> 1, (rs.height - size) >> 1, size, size, false)];
  }
  const rs = resizeShortSide(width, height, size);
  const wide = rs.width >= rs.height;
  const step = ((wide ? rs.width : rs.height) - size) >> 1;
  return [0, step, 2 * step].map((o) => fromResized(src, rs, wide ? o : 0, wide ? 0 : o, size, size, false));
}

export const TRAIN_SCALES = [1, 0.875, 0.75, 0.66] as const;

/**
 * A training crop in the spirit of mmaction's MultiScaleCrop (used by X-CLIP): after the test-time short-side
 * resize, a crop whose width and height are each base*scale for scales at most one step apart, at a random
 * position, later resized to size x size. A horizontal flip only when asked for: flipping turns "moving left"
 * into "moving right", so it is off by default.
 */
export function trainCrop(
  width: number,
  height: number,
  size: number,
  rng: Rng,
  opts: { flip?: boolean; scales?: readonly number[] } = {},
): CropBox {
  const scales = opts.scales ?? TRAIN_SCALES;
  const rs = resizeShortSide(width, height, testResize(size));
  const base = Math.min(rs.width, rs.height);
  const pairs: [number, number][] = [];
  for (let i = 0; i < scales.length; i++)
    for (let j = 0; j < scales.length; j++) if (Math.abs(i - j) <= 1) pairs.push([i, j]);
  const [i, j] = pairs[randInt(rng, pairs.length)];
  const cw = Math.max(1, Math.floor(base * scales[i]));
  const ch = Math.max(1, Math.floor(base * scales[j]));
  const left = randInt(rng, rs.width - cw + 1);
  const top = randInt(rng, rs.height - ch + 1);
  const flip = opts.flip ? rng.next() < 0.5 : false;
  return fromResized({ width, height }, rs, left, top, cw, ch, flip);
}

/** Resample `box` of `img` to size x size, normalise, and write [3, size, size] into `out` at `offset`. */
export function renderView(img: RgbImage, box: CropBox, size: number, out: Float32Array, offset = 0): void {
  const { width: W, height: H, data } = img;
  const plane = size * size;
  const x0s = new Int32Array(size);
  const x1s = new Int32Array(size);
  const fxs = new Float64Array(size);
  for (let u = 0; u < size; u++) {
    const sx = Math.min(W - 1, Math.max(0, box.x + ((u + 0.5) * box.w) / size - 0.5));
    const x0 = Math.floor(sx);
    const dst = box.flip ? size - 1 - u : u;
    x0s[dst] = x0;
    x1s[dst] = Math.min(W - 1, x0 + 1);
    fxs[dst] = sx - x0;
  }
  for (let v = 0; v < size; v++) {
    const sy = Math.min(H - 1, Math.max(0, box.y + ((v + 0.5) * box.h) / size - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(H - 1, y0 + 1);
    const fy = sy - y0;
    for (let u = 0; u < size; u++) {
      const fx = fxs[u];
      const a = (y0 * W + x0s[u]) * 3;
      const b = (y0 * W + x1s[u]) * 3;
      const c = (y1 * W + x0s[u]) * 3;
      const d = (y1 * W + x1s[u]) * 3;
      for (let k = 0; k < 3; k++) {
        const top = data[a + k] + (data[b + k] - data[a + k]) * fx;
        const bottom = data[c + k] + (data[d + k] - data[c + k]) * fx;
        out[offset + k * plane + v * size + u] = (top + (bottom - top) * fy - MEAN[k]) / STD[k];
      }
    }
  }
}
