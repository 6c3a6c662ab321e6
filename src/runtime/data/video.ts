/** Video files through ffmpeg: probe the size and frame count, then decode only the frames asked for. */
import { existsSync } from "node:fs";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { runTool } from "./ffmpeg.ts";
import type { RgbImage } from "./image.ts";

export interface VideoInfo {
  width: number;
  height: number;
  frames: number;
  /** Frames per second when the stream declares a constant rate (r_frame_rate = avg_frame_rate), else 0. */
  cfr: number;
}

/**
 * A constant-rate video is read by seeking when the wanted frames are on average this far apart: each seek decodes
 * up to a GOP (often 250 frames), so seeking only wins when frames are sparse. Measured on 320x240 H.264 with
 * GOP 250: 8 of 7,500 frames 896 -> 262 ms; 8 of 1,500 frames 362 (select) vs 454 ms (seek).
 */
export const SEEK_SPACING = 500;

const rate = (text: unknown): number => {
  const [a, b] = String(text).split("/").map(Number);
  return b > 0 && a > 0 ? a / b : 0;
};

const decodeFail =
  (file: string) =>
  (why: string): never =>
    fail("video_decode", file, why);

function requireFile(path: string): void {
  if (!existsSync(path)) fail("video_decode", path, "no such file");
}

/**
 * Size and frame count. The container's frame count is used when it has one (mp4 does); otherwise packets are
 * counted, which demuxes the file but decodes nothing.
 */
export async function probeVideo(path: string): Promise<VideoInfo> {
  requireFile(path);
  const probe = async (extra: string[], entries: string) => {
    const out = await runTool(
      "ffprobe",
      ["-v", "error", ...extra, "-select_streams", "v:0", "-show_entries", `stream=${entries}`, "-of", "json", path],
      decodeFail(path),
    );
    let parsed: { streams?: Record<string, unknown>[] };
    try {
      parsed = JSON.parse(out.toString());
    } catch {
      return decodeFail(path)("ffprobe printed something that is not JSON");
    }
    const stream = parsed.streams?.[0];
    if (!stream) return decodeFail(path)("no video stream");
    return stream;
  };
  const s = await probe([], "width,height,nb_frames,r_frame_rate,avg_frame_rate");
  const width = Number(s.width);
  const height = Number(s.height);
  if (!(width > 0 && height > 0)) decodeFail(path)("no frame size in the video stream");
  let frames = Number(s.nb_frames);
  if (!(frames > 0)) frames = Number((await probe(["-count_packets"], "nb_read_packets")).nb_read_packets);
  if (!(frames > 0)) decodeFail(path)("the video has no frames");
  const fps = rate(s.r_frame_rate);
  return { width, height, frames, cfr: fps > 0 && Math.abs(fps - rate(s.avg_frame_rate)) < 1e-6 * fps ? fps : 0 };
}

/**
 * ffmpeg arguments that pick frames by index. Short (or variable-rate) videos: a select filter passes on only
 * the wanted frames, exact by construction, and `-frames:v` stops decoding after the last of them; but it decodes
 * every frame before that. Sparse frames of long constant-rate videos: one input per frame, each seeking to a quarter frame before
 * the frame's timestamp (ffmpeg's accurate seek drops the frames before it), trimmed to one frame and concatenated,
 * so only a GOP per wanted frame is decoded.
 */
function frameArgs(path: string, wanted: number[], info: VideoInfo, seek: boolean): string[] {
  const out = ["-an", "-sn", "-vsync", "0", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"];
  if (!seek) {
    const select = `select=${wanted.map((i) => `eq(n\\,${i})`).join("+")}`;
    return ["-i", path, "-vf", select, "-frames:v", String(wanted.length), ...out];
  }
  const inputs = wanted.flatMap((i) => ["-ss", Math.max(0, (i - 0.25) / info.cfr).toFixed(6), "-i", path]);
  const trims = wanted.map((_, k) => `[${k}:v]trim=end_frame=1,setpts=PTS-STARTPTS[v${k}]`);
  const graph = `${trims.join(";")};${wanted.map((_, k) => `[v${k}]`).join("")}concat=n=${wanted.length}:v=1:a=0[out]`;
  return [...inputs, "-filter_complex", graph, "-map", "[out]", ...out];
}

/**
 * Decode the frames with the given 0-based indices (in any order, repeats allowed), returned in that order.
 * If the container promised more frames than it holds, missing indices repeat the last decoded frame.
 * `seek` overrides the choice between the select filter and seeking (see frameArgs).
 */
export async function readVideoFrames(
  path: string,
  indices: readonly number[],
  info?: VideoInfo,
  opts: { seek?: boolean } = {},
): Promise<RgbImage[]> {
  const meta = info ?? (await probeVideo(path));
  const { width, height } = meta;
  const wanted = [...new Set(indices)].sort((a, b) => a - b);
  if (wanted.length === 0) return [];
  const seek = (opts.seek ?? meta.frames / wanted.length > SEEK_SPACING) && meta.cfr > 0;
  const raw = await runTool(
    "ffmpeg",
    ["-v", "error", "-nostdin", "-threads", "1", ...frameArgs(path, wanted, meta, seek)],
    decodeFail(path),
  );
  const frameBytes = width * height * 3;
  const got = Math.floor(raw.length / frameBytes);
  if (got === 0 || raw.length % frameBytes !== 0)
    decodeFail(path)(`expected ${wanted.length} frames of ${width}x${height}, got ${raw.length} bytes`);
  const byIndex = new Map<number, RgbImage>();
  wanted.forEach((idx, k) => {
    const at = Math.min(k, got - 1) * frameBytes;
    byIndex.set(idx, { width, height, data: new Uint8Array(raw.buffer, raw.byteOffset + at, frameBytes) });
  });
  return indices.map((i) => byIndex.get(i)!);
}
