/**
 * The official X-CLIP recipe's augmentations (VideoX X-CLIP: `datasets/pipeline.py` ColorJitter and GrayScale,
 * `datasets/blending.py` CutmixMixupBlending), over the normalised [B, T, 3, S, S] float batch that training
 * feeds the model. Each transform is split into a draw (every random number it uses, from the caller's seeded
 * RNG, so that a resumed run draws the same) and a pure apply over the draw, so tests can hand the same draws
 * to a Python reference.
 *
 * As the official code applies them:
 * - colour jitter: one coin per video (p), then torchvision's ColorJitter(brightness 0.4, contrast 0.4,
 *   saturation 0.2, hue 0.1) called on each frame on its own, so each frame draws its own order and factors;
 * - grayscale: one coin per video (p), every frame converted (ITU-R 601 luma, as PIL's convert("L"));
 * - mixup or cutmix per batch: one lambda from Beta(alpha, alpha) and one random permutation; cutmix with
 *   probability `switchProb` when both are on; cutmix pastes one box, the same for every video and frame, and
 *   lambda becomes the share of the frame left unpasted. The labels mix by lambda (`labels`, `mixLabels`).
 * Colours are computed in float on the [0, 1] scale, as torchvision does on tensors, not rounded to bytes after
 * each operation as PIL does (mdl's resize keeps floats too).
 */
import type { Rng } from "./rng.ts";
import { MEAN, STD } from "./transform.ts";

/** The recipe's switches; 0 turns a transform off. */
export interface AugmentRecipe {
  /** Mixup's Beta alpha. */
  mixup: number;
  /** Cutmix's Beta alpha. */
  cutmix: number;
  /** Probability of cutmix rather than mixup when both are on. */
  switchProb: number;
  /** Probability that a video's frames are colour-jittered. */
  colorJitter: number;
  /** Probability that a video is turned grayscale. */
  grayscale: number;
}

export const NO_AUGMENT: AugmentRecipe = { mixup: 0, cutmix: 0, switchProb: 0.5, colorJitter: 0, grayscale: 0 };

/** The official `utils/config.py` AUG defaults. */
export const XCLIP_RECIPE: AugmentRecipe = {
  mixup: 0.8,
  cutmix: 1.0,
  switchProb: 0.5,
  colorJitter: 0.8,
  grayscale: 0.2,
};

export const mixes = (r: AugmentRecipe): boolean => r.mixup > 0 || r.cutmix > 0;

/** torchvision ColorJitter's ranges for the official (0.4, 0.4, 0.2, 0.1). */
export const JITTER = { brightness: 0.4, contrast: 0.4, saturation: 0.2, hue: 0.1 } as const;

/** One frame's ColorJitter: the order of the four operations (0 brightness, 1 contrast, 2 saturation, 3 hue) and their factors. */
export interface FrameJitter {
  order: number[];
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
}

export interface VideoDraw {
  /** One per frame when the video is jittered. */
  jitter?: FrameJitter[];
  gray: boolean;
}

export interface MixDraw {
  kind: "mixup" | "cutmix";
  /** The Beta draw. */
  beta: number;
  /** Video b mixes with video perm[b]. */
  perm: number[];
  /** Cutmix's box centre, drawn uniformly over the frame's pixels. */
  centre?: { x: number; y: number };
}

const uniformIn = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng.next();

function permutation(rng: Rng, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(rng.next() * (i + 1)));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

function normal(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Gamma(shape, 1): Marsaglia and Tsang, with Gamma(a) = Gamma(a + 1) U^(1/a) below shape 1. */
function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Beta(a, b) as X / (X + Y) of two gamma draws. */
export function betaSample(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a);
  const y = gamma(rng, b);
  return x / (x + y);
}

/** A video's colour draws: the jitter coin (then each frame's order and factors), then the grayscale coin. */
export function drawVideo(rng: Rng, r: AugmentRecipe, frames: number): VideoDraw {
  let jitter: FrameJitter[] | undefined;
  if (r.colorJitter > 0 && rng.next() < r.colorJitter) {
    jitter = Array.from({ length: frames }, () => ({
      order: permutation(rng, 4),
      brightness: uniformIn(rng, 1 - JITTER.brightness, 1 + JITTER.brightness),
      contrast: uniformIn(rng, 1 - JITTER.contrast, 1 + JITTER.contrast),
      saturation: uniformIn(rng, 1 - JITTER.saturation, 1 + JITTER.saturation),
      hue: uniformIn(rng, -JITTER.hue, JITTER.hue),
    }));
  }
  const gray = r.grayscale > 0 && rng.next() < r.grayscale;
  return { jitter, gray };
}

/** The batch's mixing draws: which of the two (when both are on), lambda, the permutation, cutmix's centre. */
export function drawMix(rng: Rng, r: AugmentRecipe, batch: number, size: number): MixDraw | undefined {
  if (!mixes(r)) return undefined;
  const cut = r.mixup > 0 && r.cutmix > 0 ? rng.next() < r.switchProb : r.cutmix > 0;
  const alpha = cut ? r.cutmix : r.mixup;
  const beta = betaSample(rng, alpha, alpha);
  const perm = permutation(rng, batch);
  if (!cut) return { kind: "mixup", beta, perm };
  const x = Math.min(size - 1, Math.floor(rng.next() * size));
  const y = Math.min(size - 1, Math.floor(rng.next() * size));
  return { kind: "cutmix", beta, perm, centre: { x, y } };
}

/** Cutmix's box [x1, x2) x [y1, y2) in a size x size frame: sides sqrt(1 - lambda) of the frame's, centred on the draw, clipped. */
export function cutBox(draw: MixDraw, size: number): { x1: number; y1: number; x2: number; y2: number } {
  const cut = Math.sqrt(1 - draw.beta);
  const half = Math.floor(Math.floor(size * cut) / 2);
  const clip = (v: number) => Math.max(0, Math.min(size, v));
  const { x, y } = draw.centre!;
  return { x1: clip(x - half), y1: clip(y - half), x2: clip(x + half), y2: clip(y + half) };
}

// --- colour, on one frame's [3, S, S] planes at the [0, 1] scale ---

const LUMA = [0.299, 0.587, 0.114] as const;

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

function luma(px: Float64Array, plane: number, i: number): number {
  return LUMA[0] * px[i] + LUMA[1] * px[plane + i] + LUMA[2] * px[2 * plane + i];
}

/** torchvision's _blend: f x + (1 - f) other, clamped to [0, 1]; `other` a per-pixel value or one constant. */
function blend(px: Float64Array, plane: number, f: number, other: (i: number) => number): void {
  for (let i = 0; i < plane; i++) {
    const o = other(i);
    for (let k = 0; k < 3; k++) px[k * plane + i] = clamp01(f * px[k * plane + i] + (1 - f) * o);
  }
}

/** Hue rotation through HSV (torchvision's _rgb2hsv, shift mod 1, _hsv2rgb). */
function rotateHue(px: Float64Array, plane: number, shift: number): void {
  for (let i = 0; i < plane; i++) {
    const r = px[i];
    const g = px[plane + i];
    const b = px[2 * plane + i];
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const cr = max - min;
    const s = max === min ? 0 : cr / max;
    let h = 0;
    if (max !== min) {
      const rc = (max - r) / cr;
      const gc = (max - g) / cr;
      const bc = (max - b) / cr;
      h = max === r ? bc - gc : max === g ? 2 + rc - bc : 4 + gc - rc;
    }
    h = (((h / 6 + 1) % 1) + shift + 1) % 1;
    const six = h * 6;
    const sector = Math.floor(six);
    const f = six - sector;
    const v = max;
    const p = clamp01(v * (1 - s));
    const q = clamp01(v * (1 - s * f));
    const t = clamp01(v * (1 - s * (1 - f)));
    const rgb = [
      [v, t, p],
      [q, v, p],
      [p, v, t],
      [p, q, v],
      [t, p, v],
      [v, p, q],
    ][sector % 6];
    px[i] = rgb[0];
    px[plane + i] = rgb[1];
    px[2 * plane + i] = rgb[2];
  }
}

/** One frame's ColorJitter on its [0, 1]-scale planes, in place. */
export function jitterFrame(px: Float64Array, plane: number, j: FrameJitter): void {
  for (const op of j.order) {
    if (op === 0) blend(px, plane, j.brightness, () => 0);
    else if (op === 1) {
      let sum = 0;
      for (let i = 0; i < plane; i++) sum += luma(px, plane, i);
      const mean = sum / plane;
      blend(px, plane, j.contrast, () => mean);
    } else if (op === 2) blend(px, plane, j.saturation, (i) => luma(px, plane, i));
    else rotateHue(px, plane, j.hue);
  }
}

export function grayFrame(px: Float64Array, plane: number): void {
  for (let i = 0; i < plane; i++) {
    const l = luma(px, plane, i);
    px[i] = px[plane + i] = px[2 * plane + i] = l;
  }
}

/** Apply a video's colour draws to its normalised [T, 3, S, S] frames at `offset` of `data`, in place. */
export function applyVideo(data: Float32Array, offset: number, frames: number, size: number, draw: VideoDraw): void {
  if (!draw.jitter && !draw.gray) return;
  const plane = size * size;
  const px = new Float64Array(3 * plane);
  for (let t = 0; t < frames; t++) {
    const at = offset + t * 3 * plane;
    for (let k = 0; k < 3; k++)
      for (let i = 0; i < plane; i++) px[k * plane + i] = (data[at + k * plane + i] * STD[k] + MEAN[k]) / 255;
    if (draw.jitter) jitterFrame(px, plane, draw.jitter[t]);
    if (draw.gray) grayFrame(px, plane);
    for (let k = 0; k < 3; k++)
      for (let i = 0; i < plane; i++) data[at + k * plane + i] = (px[k * plane + i] * 255 - MEAN[k]) / STD[k];
  }
}

/**
 * Mix the normalised [B, T, 3, S, S] batch in place by the draw; returns the labels' lambda (for cutmix the
 * share of the frame left unpasted): the target of video b is lambda y[b] + (1 - lambda) y[perm[b]].
 */
export function applyMix(data: Float32Array, batch: number, frames: number, size: number, draw: MixDraw): number {
  const per = data.length / batch;
  const source = data.slice();
  if (draw.kind === "mixup") {
    const lam = draw.beta;
    for (let b = 0; b < batch; b++) {
      const at = b * per;
      const from = draw.perm[b] * per;
      for (let i = 0; i < per; i++) data[at + i] = lam * source[at + i] + (1 - lam) * source[from + i];
    }
    return lam;
  }
  const { x1, y1, x2, y2 } = cutBox(draw, size);
  const planes = frames * 3;
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < planes; c++) {
      const at = b * per + c * size * size;
      const from = draw.perm[b] * per + c * size * size;
      for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) data[at + y * size + x] = source[from + y * size + x];
    }
  }
  return 1 - ((x2 - x1) * (y2 - y1)) / (size * size);
}

/** A mixed batch's targets: video b's is lambda one_hot(labels[b]) + (1 - lambda) one_hot(mixLabels[b]). */
export interface MixedTargets {
  labels: Int32Array;
  mixLabels: Int32Array;
  lambda: number;
}

/**
 * The recipe over a micro-batch the caller has sampled into `data`: each video's colour draws and their
 * application in batch order, then the batch's mix. Draws nothing when the recipe is off, so a run without
 * it draws exactly what it drew before the recipe existed.
 */
export function augmentBatch(
  rng: Rng,
  r: AugmentRecipe,
  data: Float32Array,
  labels: Int32Array,
  frames: number,
  size: number,
): MixedTargets {
  const batch = labels.length;
  const per = data.length / batch;
  if (r.colorJitter > 0 || r.grayscale > 0)
    for (let b = 0; b < batch; b++) applyVideo(data, b * per, frames, size, drawVideo(rng, r, frames));
  const draw = drawMix(rng, r, batch, size);
  if (!draw) return { labels, mixLabels: labels, lambda: 1 };
  const lambda = applyMix(data, batch, frames, size, draw);
  return { labels, mixLabels: Int32Array.from(draw.perm, (p) => labels[p]), lambda };
}
