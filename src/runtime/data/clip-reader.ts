/**
 * From a dataset entry to model input: sample frame indices, decode only those frames, crop and normalise into
 * a Float32Array laid out [T, 3, size, size] (one video of `input.video` [B, T, 3, H, W]).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { diag, fail, type Diagnostic } from "../../compiler/diagnostics/diagnostic.ts";
import { isImagePath, readImage, type RgbImage } from "./image.ts";
import { probeVideo, readVideoFrames } from "./video.ts";
import { testIndices, trainIndices } from "./sampling.ts";
import { renderView, testCrops, trainCrop, type CropBox } from "./transform.ts";
import type { Rng } from "./rng.ts";

/** What a clip reader needs of an entry (a DatasetEntry has it). */
export interface ClipSource {
  path: string;
  kind: "video" | "frames" | "image";
}

export interface ClipOptions {
  /** T, frames per clip. */
  frames: number;
  /** Side of the square crop. */
  size: number;
  /** Random segment frames and a random scale-jittered crop; needs `rng`. Default: test-time sampling. */
  train?: boolean;
  rng?: Rng;
  /** Training only: random horizontal flip. Off by default because it swaps left and right motion. */
  flip?: boolean;
  /** Test only: temporal views and spatial crops (1 or 3) for `readViews`. */
  clips?: number;
  crops?: 1 | 3;
  /** Test only: hears that a video or folder has fewer frames than `frames`, and which were repeated (MDL557). */
  notice?: (d: Diagnostic) => void;
}

/**
 * Segment sampling takes a frame per segment, so a clip of n < T frames repeats frames (a 1-frame video
 * becomes T copies of it): say so, with the indices taken. An image is a still clip by intent and is not noted.
 */
function notePadding(src: ClipSource, count: number, indices: readonly number[], opts: ClipOptions): void {
  if (!opts.notice || src.kind === "image" || count >= opts.frames) return;
  const shown = indices.slice(0, 16).join(", ") + (indices.length > 16 ? ", ..." : "");
  opts.notice(diag("clip_padded", src.path, count, opts.frames, `frame indices ${shown}`));
}

/** A decodable sequence of frames: a video, a folder of images (sorted by name), or one image. */
export interface FrameSource {
  count: number;
  read(indices: readonly number[]): Promise<RgbImage[]>;
  /** Decode enough to be confident the source is readable (used by validateDataset). */
  check(): Promise<void>;
}

/** Frame images of a folder in name order (plain code-point order, as Python's sorted()). */
export function listFrames(dir: string): string[] {
  return readdirSync(dir)
    .filter(isImagePath)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => join(dir, name));
}

export async function openSource(src: ClipSource): Promise<FrameSource> {
  if (src.kind === "video") {
    const info = await probeVideo(src.path);
    return {
      count: info.frames,
      read: (indices) => readVideoFrames(src.path, indices, info),
      check: async () => void (await readVideoFrames(src.path, [0, info.frames - 1], info)),
    };
  }
  const files = src.kind === "image" ? [src.path] : listFrames(src.path);
  const read = async (indices: readonly number[]) => {
    const cache = new Map<number, RgbImage>();
    const out: RgbImage[] = [];
    for (const i of indices) {
      if (!cache.has(i)) cache.set(i, await readImage(files[i]));
      out.push(cache.get(i)!);
    }
    return out;
  };
  return {
    count: files.length,
    read,
    check: async () => {
      const all = files.every((f) => f.toLowerCase().endsWith(".png"));
      const frames = await read(all ? files.map((_, i) => i) : [0, files.length - 1]);
      const { width, height } = frames[0];
      const odd = frames.findIndex((f) => f.width !== width || f.height !== height);
      if (odd >= 0)
        fail(
          "image_decode",
          files[all ? odd : files.length - 1],
          `frame is ${frames[odd].width}x${frames[odd].height}, the first frame is ${width}x${height}`,
        );
    },
  };
}

function render(frames: RgbImage[], boxFor: (f: RgbImage) => CropBox, size: number): Float32Array {
  const per = 3 * size * size;
  const out = new Float32Array(frames.length * per);
  // One box for the whole clip (computed on the first frame), so every frame is cropped alike.
  const box = boxFor(frames[0]);
  frames.forEach((f, t) => renderView(f, box, size, out, t * per));
  return out;
}

/** One view of a clip: at test time centre frames and a centre crop; in training random frames and crop. */
export async function readClip(src: ClipSource, opts: ClipOptions): Promise<Float32Array> {
  const source = await openSource(src);
  if (source.count === 0) fail("image_decode", src.path, "the folder holds no frame images");
  if (opts.train) {
    const rng = opts.rng;
    if (!rng) throw new Error("mdl internal error: readClip in training mode needs an rng");
    const frames = await source.read(trainIndices(source.count, opts.frames, rng));
    return render(frames, (f) => trainCrop(f.width, f.height, opts.size, rng, { flip: opts.flip }), opts.size);
  }
  const indices = testIndices(source.count, opts.frames);
  notePadding(src, source.count, indices, opts);
  const frames = await source.read(indices);
  return render(frames, (f) => testCrops(f.width, f.height, opts.size, 1)[0], opts.size);
}

/**
 * Multi-view testing: `clips` temporal offsets x `crops` spatial crops, clip-major, each [T, 3, size, size].
 * All frames of all views are decoded in one pass.
 */
export async function readViews(src: ClipSource, opts: ClipOptions): Promise<Float32Array[]> {
  const source = await openSource(src);
  if (source.count === 0) fail("image_decode", src.path, "the folder holds no frame images");
  const clips = opts.clips ?? 1;
  const crops = opts.crops ?? 1;
  const perClip = Array.from({ length: clips }, (_, k) => testIndices(source.count, opts.frames, k, clips));
  notePadding(src, source.count, perClip[0], opts);
  const frames = await source.read(perClip.flat());
  const views: Float32Array[] = [];
  for (let k = 0; k < clips; k++) {
    const clipFrames = frames.slice(k * opts.frames, (k + 1) * opts.frames);
    const boxes = testCrops(clipFrames[0].width, clipFrames[0].height, opts.size, crops);
    for (const box of boxes) views.push(render(clipFrames, () => box, opts.size));
  }
  return views;
}
