/**
 * The media campaign: mutated PNG frames (odd seeds) and video files (even seeds, only where ffmpeg is on PATH)
 * through the data pipeline's reader (`readClip`, what training, eval and classify call). A frame mutant sits
 * among good frames in a folder; half the PNG mutants get their chunk CRCs recomputed so the damage reaches
 * the decoder instead of stopping at the checksum. Videos are decoded by ffmpeg, so their cases are slower.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readClip } from "../../src/runtime/data/clip-reader.ts";
import { encodePng } from "../../src/runtime/data/png.ts";
import { crc32 } from "../../src/util/crc32.ts";
import { below, mutateBytes, pick, rng } from "../../test/helpers/mutate.ts";
import type { Outcome } from "./outcome.ts";

export const hasFfmpeg = spawnSync("ffmpeg", ["-version"]).status === 0;
const work = mkdtempSync(join(tmpdir(), "mdl-fuzz-media-"));
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

const gradient = (w: number, h: number, ch: 1 | 2 | 3 | 4) =>
  encodePng({
    width: w,
    height: h,
    channels: ch,
    data: Uint8Array.from({ length: w * h * ch }, (_, i) => (i * 37) & 255),
  });
const pngs: Uint8Array[] = [gradient(16, 12, 3), gradient(9, 7, 4), gradient(5, 5, 1), gradient(32, 2, 2)];
const videos: string[] = [];
if (hasFfmpeg) {
  // Small inputs of the kinds users have: H.264 in mp4, a lossless mkv, a gif, interlaced and 16-bit PNGs.
  const ff = (args: string[], out: string) => {
    const r = spawnSync("ffmpeg", [
      "-v",
      "error",
      "-nostdin",
      "-y",
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=32x24:rate=8:duration=1",
      ...args,
      join(work, out),
    ]);
    if (r.status === 0) return join(work, out);
  };
  for (const [args, out] of [
    [["-pix_fmt", "yuv420p"], "a.mp4"],
    [["-c:v", "ffv1"], "b.mkv"],
    [[], "c.gif"],
  ] as const) {
    const v = ff([...args], out);
    if (v) videos.push(v);
  }
  for (const [args, out] of [
    [["-frames:v", "1", "-pix_fmt", "rgb48be"], "d.png"],
    [["-frames:v", "1", "-pix_fmt", "pal8"], "e.png"],
    [["-frames:v", "1", "-pix_fmt", "gray"], "f.png"],
  ] as const) {
    const p = ff([...args], out);
    if (p) pngs.push(new Uint8Array(readFileSync(p)));
  }
}

/** Recompute every chunk's CRC, so a mutant is judged by its content. */
function fixCrcs(b: Uint8Array): Uint8Array {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let pos = 8; pos + 12 <= b.length;) {
    const len = view.getUint32(pos);
    if (pos + 12 + len > b.length) break;
    view.setUint32(pos + 8 + len, crc32(b, pos + 4, pos + 8 + len));
    pos += 12 + len;
  }
  return b;
}

/** A PNG whose IHDR claims a huge image (width x height up to 2^62 pixels) over its small data. */
function hugeHeader(b: Uint8Array, rand: () => number): Uint8Array {
  const out = Uint8Array.from(b);
  const view = new DataView(out.buffer);
  view.setUint32(16, pick(rand, [0x7fffffff, 0xffffffff, 65535, 1 << 20, 1]));
  view.setUint32(20, pick(rand, [0x7fffffff, 0xffffffff, 65535, 1 << 20, 1]));
  return fixCrcs(out);
}

export function mediaMutant(seed: number): { kind: "frames" | "video"; name: string; bytes: Uint8Array } {
  const rand = rng(seed);
  if (seed % 2 === 0 && videos.length) {
    const v = pick(rand, videos);
    const b = new Uint8Array(readFileSync(v));
    const bytes = rand() < 0.3 ? mutateBytes(b, rand, 0, Math.min(b.length, 512)) : mutateBytes(b, rand);
    return { kind: "video", name: `v${v.slice(v.lastIndexOf("."))}`, bytes };
  }
  const png = pick(rand, pngs);
  const way = below(rand, 4);
  const bytes =
    way === 0 ? hugeHeader(png, rand) : way === 1 ? mutateBytes(png, rand) : fixCrcs(mutateBytes(png, rand));
  return { kind: "frames", name: "img_00002.png", bytes };
}

export async function runMediaCase(seed: number): Promise<Outcome> {
  const { kind, name, bytes } = mediaMutant(seed);
  const dir = join(work, `case-${seed}`);
  mkdirSync(dir, { recursive: true });
  try {
    if (kind === "frames") {
      writeFileSync(join(dir, "img_00001.png"), pngs[0]);
      writeFileSync(join(dir, name), bytes);
      writeFileSync(join(dir, "img_00003.png"), pngs[0]);
      await readClip({ path: dir, kind: "frames" }, { frames: 4, size: 16 });
    } else {
      writeFileSync(join(dir, name), bytes);
      await readClip({ path: join(dir, name), kind: "video" }, { frames: 4, size: 16 });
    }
    return "accepted";
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
