/**
 * Training clips held in memory. The training loop's loss function is synchronous and draws its sampling and
 * crop from the loop's RNG, so every entry's frames are decoded once before training; each step then samples
 * frames and a crop from them as `readClip` does in training mode. Memory is frames x H x W x 3 bytes per video,
 * fine for the small data sets trained here; long videos should be cut into frame folders first.
 */
import { openSource, type ClipSource } from "../data/clip-reader.ts";
import type { RgbImage } from "../data/image.ts";
import type { Rng } from "../data/rng.ts";
import { trainIndices } from "../data/sampling.ts";
import { renderView, trainCrop } from "../data/transform.ts";

export class ClipBank {
  private constructor(private readonly videos: RgbImage[][]) {}

  static async load(
    entries: readonly ClipSource[],
    onEntry?: (done: number, total: number) => void,
  ): Promise<ClipBank> {
    const videos: RgbImage[][] = [];
    for (const e of entries) {
      const source = await openSource(e);
      videos.push(await source.read(Array.from({ length: source.count }, (_, i) => i)));
      onEntry?.(videos.length, entries.length);
    }
    return new ClipBank(videos);
  }

  get size(): number {
    return this.videos.length;
  }

  /** Frames decoded for each clip, in entry order. */
  frameCounts(): number[] {
    return this.videos.map((v) => v.length);
  }

  /**
   * Random segment frames and one crop for the whole clip, written as [T, 3, size, size] at `offset`. The crop is
   * scale-jittered unless `jitter` is false (then the whole frame, resized): on small synthetic frames a jittered crop
   * cuts moving objects out of view, which teaches nothing.
   */
  sampleInto(
    i: number,
    frames: number,
    size: number,
    rng: Rng,
    out: Float32Array,
    offset: number,
    jitter = true,
  ): void {
    const video = this.videos[i];
    const picked = trainIndices(video.length, frames, rng).map((k) => video[k]);
    const box = trainCrop(picked[0].width, picked[0].height, size, rng, jitter ? {} : { scales: [1] });
    const per = 3 * size * size;
    picked.forEach((f, t) => renderView(f, box, size, out, offset + t * per));
  }
}
