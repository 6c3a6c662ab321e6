/** Video files through ffmpeg: probe the size and frame count, then decode only the frames asked for. */
import { existsSync } from "node:fs";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { runTool } from "./ffmpeg.ts";
import type { RgbImage } from "./image.ts";

export interface VideoInfo {
  width: number;
  height: number;
  frames: number;
}

const decodeFail = (file: string) => (why: string): never => fail("video_decode", file, why);

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
  const s = await probe([], "width,height,nb_frames");
  const width = Number(s.width);
  const height = Number(s.height);
  if (!(width > 0 && height > 0)) decodeFail(path)("no frame size in the video stream");
  let frames = Number(s.nb_frames);
  if (!(frames > 0)) frames = Number((await probe(["-count_packets"], "nb_read_packets")).nb_read_packets);
  if (!(frames > 0)) decodeFail(path)("the video has no frames");
  return { width, height, frames };
}

/**
 * Decode the frames with the given 0-based indices (in any order, repeats allowed), returned in that order.
 * A select filter passes on only the wanted frames and `-frames:v` stops decoding after the last of them.
 * If the container promised more frames than it holds, missing indices repeat the last decoded frame.
 */
export async function readVideoFrames(path: string, indices: readonly number[], info?: VideoInfo): Promise<RgbImage[]> {
  const { width, height } = info ?? (await probeVideo(path));
  const wanted = [...new Set(indices)].sort((a, b) => a - b);
  if (wanted.length === 0) return [];
  const select = `select=${wanted.map((i) => `eq(n\\,${i})`).join("+")}`;
  const raw = await runTool(
    "ffmpeg",
    [
      "-v", "error", "-nostdin", "-threads", "1", "-i", path, "-an", "-sn",
      "-vf", select, "-vsync", "0", "-frames:v", String(wanted.length),
      "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ],
    decodeFail(path),
  );
  const frameBytes = width * height * 3;
  const got = Math.floor(raw.length / frameBytes);
  if (got === 0 || raw.length % frameBytes !== 0) decodeFail(path)(`expected ${wanted.length} frames of ${width}x${height}, got ${raw.length} bytes`);
  const byIndex = new Map<number, RgbImage>();
  wanted.forEach((idx, k) => {
    const at = Math.min(k, got - 1) * frameBytes;
    byIndex.set(idx, { width, height, data: new Uint8Array(raw.buffer, raw.byteOffset + at, frameBytes) });
  });
  return indices.map((i) => byIndex.get(i)!);
}
