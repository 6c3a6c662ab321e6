import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { probeVideo, readVideoFrames } from "../../src/runtime/data/video.ts";
import { readImage } from "../../src/runtime/data/image.ts";
import { readClip, readViews } from "../../src/runtime/data/clip-reader.ts";
import { MEAN, STD } from "../../src/runtime/data/transform.ts";
import { scratch, ffmpeg, errorOf } from "./helpers.ts";
import { ffmpegMissing, needs } from "../helpers/requires.ts";

// 30 frames of 40x24 whose red channel is 8 * frame number, green 128, blue 255 - 8n: each frame says who it is.
const dir = scratch("video");
const counting = [
  "-f",
  "lavfi",
  "-i",
  "color=c=black:size=40x24:rate=10:duration=3",
  "-vf",
  "format=rgb24,geq=r='8*N':g='128':b='255-8*N'",
];
const mp4 = join(dir, "count.mp4");
const mkv = join(dir, "count.mkv");
const withFfmpeg = needs(test, ffmpegMissing());
if (!ffmpegMissing()) {
  ffmpeg([...counting, "-c:v", "libx264", "-pix_fmt", "yuv444p", "-qp", "0", mp4]);
  ffmpeg([...counting, "-c:v", "ffv1", "-pix_fmt", "bgr0", mkv]);
}

const near = (a: number, b: number, eps: number) => assert.ok(Math.abs(a - b) <= eps, `${a} vs ${b}`);

withFfmpeg("probe: size and frame count from the container (mp4) or by counting packets (mkv)", async () => {
  assert.equal(await probeVideo(mp4), { width: 40, height: 24, frames: 30, cfr: 10 });
  assert.equal(await probeVideo(mkv), { width: 40, height: 24, frames: 30, cfr: 10 });
});

withFfmpeg("decodes exactly the frames asked for, in the order asked", async () => {
  for (const [file, eps] of [
    [mkv, 0],
    [mp4, 3],
  ] as const) {
    const frames = await readVideoFrames(file, [28, 1, 5, 5, 29]);
    assert.is(frames.length, 5);
    frames.forEach((f, k) => {
      assert.equal([f.width, f.height, f.data.length], [40, 24, 40 * 24 * 3]);
      const n = [28, 1, 5, 5, 29][k];
      const centre = (12 * 40 + 20) * 3;
      near(f.data[centre], 8 * n, eps);
      near(f.data[centre + 1], 128, eps);
      near(f.data[centre + 2], 255 - 8 * n, eps);
    });
  }
});

withFfmpeg("seeking (long videos) and the select filter give the same frames", async () => {
  // 400 frames at 10 fps with a keyframe every 50: red = frame mod 256, green = 16 * floor(frame / 256).
  const long = join(dir, "long.mp4");
  ffmpeg([
    "-f",
    "lavfi",
    "-i",
    "color=c=black:size=16x16:rate=10:duration=40",
    "-vf",
    "format=rgb24,geq=r='mod(10*T\\,256)':g='16*floor(T/25.6)':b='0'",
    "-c:v",
    "libx264",
    "-pix_fmt",
    "yuv444p",
    "-qp",
    "0",
    "-g",
    "50",
    long,
  ]);
  const info = await probeVideo(long);
  assert.is(info.frames, 400);
  const indices = [399, 0, 49, 50, 51, 257, 257, 398];
  const seek = await readVideoFrames(long, indices, info, { seek: true });
  const select = await readVideoFrames(long, indices, info, { seek: false });
  assert.is(seek.length, 8);
  seek.forEach((f, k) => {
    near(f.data[0], indices[k] % 256, 2);
    near(f.data[1], 16 * Math.floor(indices[k] / 256), 2);
    assert.ok(Buffer.from(f.data).equals(Buffer.from(select[k].data)), `frame ${indices[k]}`);
  });
});

withFfmpeg("readClip on a video: T centre frames, [T, 3, size, size], normalised", async () => {
  const clip = await readClip({ path: mkv, kind: "video" }, { frames: 8, size: 16 });
  assert.is(clip.length, 8 * 3 * 16 * 16);
  const plane = 256;
  [1, 5, 9, 13, 16, 20, 24, 28].forEach((n, t) => {
    const at = t * 3 * plane + 8 * 16 + 8;
    near(clip[at], (8 * n - MEAN[0]) / STD[0], 1e-4);
    near(clip[at + plane], (128 - MEAN[1]) / STD[1], 1e-4);
    near(clip[at + 2 * plane], (255 - 8 * n - MEAN[2]) / STD[2], 1e-4);
  });
  const views = await readViews({ path: mkv, kind: "video" }, { frames: 8, size: 16, clips: 2, crops: 3 });
  assert.is(views.length, 6);
  // views 0-2 are clip 0 (frames 0, 4, ...), views 3-5 clip 1 (frames 2, 6, ...); first frame's red channel:
  near(views[0][0], (0 - MEAN[0]) / STD[0], 1e-4);
  near(views[5][0], (16 - MEAN[0]) / STD[0], 1e-4);
});

withFfmpeg("a non-PNG image goes through ffmpeg", async () => {
  const bmp = join(dir, "one.bmp");
  ffmpeg(["-f", "lavfi", "-i", "color=c=0x3366CC:size=6x4", "-frames:v", "1", bmp]);
  const img = await readImage(bmp);
  assert.equal([img.width, img.height], [6, 4]);
  // lavfi's colour source is YUV, so the RGB comes back within a few levels.
  [0x33, 0x66, 0xcc].forEach((v, c) => near(img.data[c], v, 4));
});

withFfmpeg("corrupt or missing video: catalogued video_decode naming the file", async () => {
  const bad = join(dir, "corrupt.mp4");
  writeFileSync(bad, Buffer.from("this is not a video, just forty-odd bytes of text"));
  const e = await errorOf(() => probeVideo(bad));
  assert.is(e.code, "MDL511");
  assert.is(e.file, bad);
  const gone = await errorOf(() => readClip({ path: join(dir, "nope.mp4"), kind: "video" }, { frames: 8, size: 16 }));
  assert.equal([gone.code, gone.message], ["MDL511", "cannot decode video: no such file"]);
  const badImage = join(dir, "bad.jpg");
  writeFileSync(badImage, "not a jpeg");
  assert.is((await errorOf(() => readImage(badImage))).code, "MDL512");
});

test("ffmpeg missing from PATH: the catalogued install hint", async () => {
  const saved = process.env.PATH;
  const empty = join(dir, "empty-path");
  mkdirSync(empty, { recursive: true });
  process.env.PATH = empty;
  try {
    const e = await errorOf(() => probeVideo(mp4));
    // Without ffmpeg the test video was never made, so only the existence check runs: accept either outcome.
    if (!ffmpegMissing()) assert.equal([e.code, e.file], ["MDL510", undefined]);
    assert.is((await errorOf(() => readImage(join(dir, "one.bmp")))).code, ffmpegMissing() ? "MDL512" : "MDL510");
    // A damaged PNG frame never needs ffmpeg: our decoder names the file and the fault.
    const badPng = join(dir, "img_00003.png");
    writeFileSync(badPng, "not a png");
    assert.equal(await errorOf(() => readImage(badPng)), {
      code: "MDL512",
      message: "cannot decode image: not a PNG file (bad signature)",
      file: badPng,
    });
  } finally {
    process.env.PATH = saved;
  }
});

test.run();
