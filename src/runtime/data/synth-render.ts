/**
 * The synthetic temporal classes: one object on a textured background, changing along one "trajectory"
 * parameter. Each pair of classes shares a trajectory and differs only in its direction in time: a video of the
 * second class is exactly a video of the first played backwards (same distractor draw, frames reversed), so no
 * single frame and no unordered set of frames tells the pair apart; only temporal order does.
 */
import { deriveSeed, mulberry32, randInt, uniform, type Rng } from "./rng.ts";
import type { Image8 } from "./png.ts";

type Motion = "x" | "y" | "scale" | "alpha" | "angle";

/** Pairs in class-id order; `forward` is the member whose trajectory parameter grows with time. */
export const SYNTH_PAIRS: { motion: Motion; names: [string, string]; slugs: [string, string]; forward: 0 | 1 }[] = [
  {
    motion: "x",
    names: ["an object moving to the left", "an object moving to the right"],
    slugs: ["moving-left", "moving-right"],
    forward: 1,
  },
  {
    motion: "y",
    names: ["an object moving up", "an object moving down"],
    slugs: ["moving-up", "moving-down"],
    forward: 1,
  },
  {
    motion: "scale",
    names: ["an object growing larger", "an object shrinking"],
    slugs: ["growing", "shrinking"],
    forward: 0,
  },
  {
    motion: "alpha",
    names: ["an object fading in", "an object fading out"],
    slugs: ["fading-in", "fading-out"],
    forward: 0,
  },
  // Image y points down, so a growing angle turns clockwise on screen.
  {
    motion: "angle",
    names: ["an object rotating clockwise", "an object rotating anticlockwise"],
    slugs: ["rotating-clockwise", "rotating-anticlockwise"],
    forward: 0,
  },
];

export const SYNTH_CLASSES = SYNTH_PAIRS.flatMap((p) => p.names);

const SHAPES = ["square", "circle", "triangle", "diamond"] as const;

/** Everything that varies between videos except the class: the distractors and the trajectory's extent. */
export interface SynthDraw {
  seed: number;
  motion: Motion;
  frames: number;
  size: number;
  background: [number, number, number];
  /** Static texture amplitude and per-frame sensor noise amplitude, in pixel levels. */
  texture: number;
  noise: number;
  colour: [number, number, number];
  mark: [number, number, number];
  shape: (typeof SHAPES)[number];
  radius: number;
  cx: number;
  cy: number;
  angle: number;
  /** The trajectory parameter at the first and last frame of the forward class. */
  from: number;
  to: number;
}

const colour = (rng: Rng): [number, number, number] => [randInt(rng, 256), randInt(rng, 256), randInt(rng, 256)];
const dist = (a: readonly number[], b: readonly number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Draw one video's distractors for a pair. Both classes of the pair render from the same draw. */
export function drawSynth(seed: number, motion: Motion, frames: number, size: number): SynthDraw {
  const rng = mulberry32(seed);
  const background = colour(rng);
  let obj = colour(rng);
  // Resample (deterministically) until the object stands out from the background.
  for (let k = 0; k < 32 && dist(obj, background) < 120; k++) obj = colour(rng);
  const mark: [number, number, number] = [255 - obj[0], 255 - obj[1], 255 - obj[2]];
  const shape = SHAPES[randInt(rng, SHAPES.length)];
  const radius = size * uniform(rng, 0.16, 0.22);
  const texture = uniform(rng, 0, 12);
  const noise = uniform(rng, 0, 3);
  const angle = uniform(rng, 0, 2 * Math.PI);
  const steps = Math.max(1, frames - 1);
  const margin = radius + 1;
  let cx = uniform(rng, margin, size - margin);
  let cy = uniform(rng, margin, size - margin);
  let from = 0;
  let to = 0;
  if (motion === "x" || motion === "y") {
    // Speed and start vary; the whole path stays inside the frame and covers most of it, so that the
    // motion, not a few pixels of drift, is what a model has to see.
    const room = size - 2 * margin;
    const travel = room * uniform(rng, 0.7, 1);
    from = uniform(rng, margin, size - margin - travel);
    to = from + travel;
  } else if (motion === "scale") {
    from = uniform(rng, 0.4, 0.6);
    to = uniform(rng, 1.0, 1.25);
    const big = radius * to + 1;
    cx = uniform(rng, big, size - big);
    cy = uniform(rng, big, size - big);
  } else if (motion === "alpha") {
    from = uniform(rng, 0, 0.1);
    to = uniform(rng, 0.9, 1);
  } else {
    from = angle;
    to = angle + steps * uniform(rng, (15 * Math.PI) / 180, (30 * Math.PI) / 180);
  }
  return {
    seed,
    motion,
    frames,
    size,
    background,
    texture,
    noise,
    colour: obj,
    mark,
    shape,
    radius,
    cx,
    cy,
    angle,
    from,
    to,
  };
}

function inside(shape: SynthDraw["shape"], u: number, v: number): boolean {
  switch (shape) {
    case "square":
      return Math.abs(u) <= 0.8 && Math.abs(v) <= 0.8;
    case "circle":
      return u * u + v * v <= 1;
    case "triangle":
      return u >= -0.6 && Math.abs(v) <= (0.9 * (1 - u)) / 1.6;
    case "diamond":
      return Math.abs(u) + Math.abs(v) <= 1;
  }
}

const SUB = 3; // 3x3 supersampling for soft edges

/** Frame `t` of the forward trajectory (0 = first), as 8-bit RGB. */
export function renderSynthFrame(d: SynthDraw, t: number): Image8 {
  const { size } = d;
  const k = d.frames > 1 ? t / (d.frames - 1) : 0;
  const p = d.motion === "scale" ? d.from * Math.pow(d.to / d.from, k) : d.from + (d.to - d.from) * k;
  const cx = d.motion === "x" ? p : d.cx;
  const cy = d.motion === "y" ? p : d.cy;
  const r = d.radius * (d.motion === "scale" ? p : 1);
  const alpha = d.motion === "alpha" ? p : 1;
  const theta = d.motion === "angle" ? p : d.angle;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  // The static texture depends only on the video; the sensor noise on the frame's place in the forward trajectory,
  // so a reversed video has exactly the same frames.
  const tex = mulberry32(deriveSeed(d.seed, "texture"));
  const sensor = mulberry32(deriveSeed(d.seed, "frame", t));
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      let body = 0;
      let marked = 0;
      for (let sy = 0; sy < SUB; sy++)
        for (let sx = 0; sx < SUB; sx++) {
          const dx = x + (sx + 0.5) / SUB - cx;
          const dy = y + (sy + 0.5) / SUB - cy;
          const u = (dx * cos + dy * sin) / r;
          const v = (-dx * sin + dy * cos) / r;
          if (!inside(d.shape, u, v)) continue;
          if ((u - 0.5) ** 2 + v * v <= 0.22 * 0.22) marked++;
          else body++;
        }
      const grain = (tex.next() - 0.5) * 2 * d.texture;
      for (let c = 0; c < 3; c++) {
        const bg = d.background[c] + grain;
        const fg = (body * d.colour[c] + marked * d.mark[c]) / SUB / SUB;
        const cover = ((body + marked) / SUB / SUB) * alpha;
        const value = bg * (1 - cover) + fg * alpha + (sensor.next() - 0.5) * 2 * d.noise;
        data[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  return { width: size, height: size, channels: 3, data };
}

/** All frames of one video of class `member` (0 or 1) of a pair, from a draw. */
export function renderSynthVideo(d: SynthDraw, member: 0 | 1, forward: 0 | 1): Image8[] {
  const frames = Array.from({ length: d.frames }, (_, t) => renderSynthFrame(d, t));
  return member === forward ? frames : frames.reverse();
}
