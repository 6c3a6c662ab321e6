/**
 * Which frames make a clip: segment-based sampling (mmaction's SampleFrames with clip_len=1, num_clips=T,
 * as X-CLIP uses it). The video is cut into T equal segments and one frame is taken from each.
 */
import type { Rng } from "./rng.ts";

/**
 * Test time: the centre of each segment, `floor(i*n/T + n/(2T))` as in mmaction. With several temporal views
 * (`clips` > 1) view k takes the point at (k + 0.5)/clips of each segment instead, so the views spread evenly
 * over a segment and one view is exactly the single-view centre sampling.
 */
export function testIndices(numFrames: number, T: number, clip = 0, clips = 1): number[] {
  const seg = numFrames / T;
  const out: number[] = [];
  for (let i = 0; i < T; i++) out.push(Math.min(numFrames - 1, Math.floor(i * seg + (seg * (clip + 0.5)) / clips)));
  return out;
}

/**
 * Training: a uniformly random frame inside each segment. Segments are real-valued (i*n/T to (i+1)*n/T) so every
 * frame can be drawn, also when n is not a multiple of T; with n < T neighbouring segments may repeat a frame.
 */
export function trainIndices(numFrames: number, T: number, rng: Rng): number[] {
  const out: number[] = [];
  for (let i = 0; i < T; i++) out.push(Math.min(numFrames - 1, Math.floor(((i + rng.next()) * numFrames) / T)));
  return out;
}
