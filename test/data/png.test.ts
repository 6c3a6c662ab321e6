import { test } from "uvu";
import * as assert from "uvu/assert";
import { crc32, deflateSync, inflateSync } from "node:zlib";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodePng, encodePng, toRgb, type Image8, type PngFilter } from "../../src/runtime/data/png.ts";
import { scratch, ffmpeg, errorOf } from "./helpers.ts";
import { ffmpegMissing, needs } from "../helpers/requires.ts";

/** A deterministic image with smooth gradients and sharp edges, so every filter has work to do. */
function pattern(width: number, height: number, channels: 1 | 2 | 3 | 4): Image8 {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++)
        data[(y * width + x) * channels + c] = (x * 7 + y * 13 + c * 50 + ((x ^ y) & 4 ? 90 : 0)) & 255;
  return { width, height, channels, data };
}

/** Test-side chunk walk: the filter byte of every row, read from the inflated IDAT. */
function rowFilters(png: Uint8Array, rowBytes: number): number[] {
  const dv = new DataView(png.buffer, png.byteOffset);
  const idat: Uint8Array[] = [];
  for (let pos = 8; pos < png.length;) {
    const len = dv.getUint32(pos);
    if (String.fromCharCode(...png.subarray(pos + 4, pos + 8)) === "IDAT")
      idat.push(png.subarray(pos + 8, pos + 8 + len));
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const out: number[] = [];
  for (let at = 0; at < raw.length; at += rowBytes + 1) out.push(raw[at]);
  return out;
}

test("round trip for every channel count and filter, with the filter byte actually used", () => {
  for (const ch of [1, 2, 3, 4] as const) {
    const img = pattern(13, 9, ch);
    for (const filter of [0, 1, 2, 3, 4] as PngFilter[]) {
      const png = encodePng(img, { filter });
      assert.equal(rowFilters(png, 13 * ch), new Array(9).fill(filter));
      const back = decodePng(png, "x.png");
      assert.is(back.channels, ch);
      assert.equal([back.width, back.height], [13, 9]);
      assert.ok(Buffer.from(back.data).equals(Buffer.from(img.data)), `channels ${ch} filter ${filter}`);
    }
    const adaptive = encodePng(img);
    assert.ok(Buffer.from(decodePng(adaptive, "x.png").data).equals(Buffer.from(img.data)));
    // On this pattern the heuristic picks more than one filter, so mixed rows are exercised too.
    assert.ok(new Set(rowFilters(adaptive, 13 * ch)).size > 1);
  }
});

/** A minimal independent PNG writer (filter 0 only) for formats our encoder does not produce. */
function handPng(ihdr: number[], chunks: [string, Uint8Array][], raw: Uint8Array): Uint8Array {
  const chunk = (type: string, body: Uint8Array) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, "latin1");
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", Buffer.from(ihdr)),
    ...chunks.map(([t, b]) => chunk(t, b)),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}
const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

test("hand-built palette (2 bits, with transparency) and 1-bit grey", () => {
  // 3x2 palette image, 2 bits per index: row 0 = 0 1 2, row 1 = 2 1 0 -> bytes 0b00011000, 0b10010000.
  const plte = Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255]);
  const trns = Uint8Array.from([10, 20]);
  const png = handPng(
    [...be32(3), ...be32(2), 2, 3, 0, 0, 0],
    [
      ["PLTE", plte],
      ["tRNS", trns],
    ],
    Uint8Array.from([0, 0b00011000, 0, 0b10010000]),
  );
  const img = decodePng(png, "p.png");
  assert.is(img.channels, 4);
  assert.equal(
    [...img.data],
    [255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 255, 0, 0, 255, 255, 0, 255, 0, 20, 255, 0, 0, 10],
  );
  // 1-bit grey 5x1: 1 0 1 1 0 -> 0b10110000; 1 -> 255.
  const grey = decodePng(
    handPng([...be32(5), ...be32(1), 1, 0, 0, 0, 0], [], Uint8Array.from([0, 0b10110000])),
    "g.png",
  );
  assert.equal([...toRgb(grey)], [255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0]);
});

test("hand-built Adam7 interlaced image", () => {
  const W = 5,
    H = 3;
  const value = (x: number, y: number) => 10 * y + x;
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ];
  const bytes: number[] = [];
  for (const [x0, y0, dx, dy] of passes)
    for (let y = y0; y < H; y += dy) {
      const row: number[] = [];
      for (let x = x0; x < W; x += dx) row.push(value(x, y));
      if (row.length) bytes.push(0, ...row);
    }
  const img = decodePng(handPng([...be32(W), ...be32(H), 8, 0, 0, 0, 1], [], Uint8Array.from(bytes)), "i.png");
  const expected: number[] = [];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) expected.push(value(x, y));
  assert.equal([...img.data], expected);
});

test("corrupt PNGs are catalogued image errors naming the file", async () => {
  const png = encodePng(pattern(4, 4, 3));
  const flipped = Uint8Array.from(png);
  flipped[45] ^= 0xff;
  assert.equal(await errorOf(() => decodePng(flipped, "bad.png")), {
    code: "MDL512",
    message: "cannot decode image: CRC mismatch in the IDAT chunk",
    file: "bad.png",
  });
  assert.is((await errorOf(() => decodePng(png.subarray(0, 30), "cut.png"))).code, "MDL512");
  assert.match((await errorOf(() => decodePng(Uint8Array.from([1, 2, 3]), "x.png"))).message, /not a PNG/);
});

test("a header claiming a huge image, or data inflating past the header's size, is refused before allocating (fuzz media:47, 51, 57, 63, 71, 75, 77)", async () => {
  // The fuzz campaign (bench/fuzz/media.ts) found IHDRs of up to 2^32 x 2^32 over a few bytes: new Uint16Array threw a RangeError.
  for (const [w, h] of [
    [0x7fffffff, 0x7fffffff],
    [0xffffffff, 3],
    [65536, 65536],
  ]) {
    const e = await errorOf(() =>
      decodePng(handPng([...be32(w), ...be32(h), 8, 2, 0, 0, 0], [], new Uint8Array(64)), "huge.png"),
    );
    assert.equal(
      [e.code, e.file, e.message],
      ["MDL512", "huge.png", `cannot decode image: ${w}x${h} is larger than mdl decodes (268435456 pixels)`],
    );
  }
  // A zlib bomb: 16x16 RGB needs 784 bytes of filtered rows; 20 MB of zeros compress to ~20 KB.
  const bombPng = handPng([...be32(16), ...be32(16), 8, 2, 0, 0, 0], [], new Uint8Array(20_000_000));
  const before = process.memoryUsage().arrayBuffers;
  const bomb = await errorOf(() => decodePng(bombPng, "bomb.png"));
  assert.equal(
    [bomb.code, bomb.message],
    ["MDL512", "cannot decode image: the compressed data inflates to more than the header's size allows"],
  );
  assert.ok(process.memoryUsage().arrayBuffers - before < 10_000_000, "the bomb was not inflated");
});

const PRED = ["none", "sub", "up", "avg", "paeth", "mixed"];

needs(test, ffmpegMissing())("decodes ffmpeg's PNGs for every prediction filter and pixel format", () => {
  const dir = scratch("png");
  const src = [
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=38x22:rate=1",
    "-frames:v",
    "1",
    "-vf",
    "format=rgba,crop=37:21:0:0",
  ];
  for (const [fmt, channels] of [
    ["rgb24", 3],
    ["rgba", 4],
    ["gray", 1],
    ["ya8", 2],
  ] as const) {
    const raw = ffmpeg([...src, "-f", "rawvideo", "-pix_fmt", fmt, "pipe:1"]);
    for (const pred of PRED) {
      const file = join(dir, `${fmt}-${pred}.png`);
      ffmpeg([...src, "-pred", pred, "-pix_fmt", fmt, file]);
      const img = decodePng(readFileSync(file), file);
      assert.equal([img.width, img.height, img.channels], [37, 21, channels]);
      assert.ok(Buffer.from(img.data).equals(raw), `${fmt} ${pred}`);
    }
  }
  // 16-bit samples come out as their high byte.
  const file = join(dir, "rgb48.png");
  ffmpeg([...src, "-pix_fmt", "rgb48be", file]);
  const raw16 = ffmpeg(["-i", file, "-f", "rawvideo", "-pix_fmt", "rgb48be", "pipe:1"]);
  const img = decodePng(readFileSync(file), file);
  assert.ok(img.data.every((v, i) => v === raw16[2 * i]));
});

needs(test, ffmpegMissing())("ffmpeg decodes our PNGs to the same pixels", () => {
  const dir = scratch("png-out");
  const img = pattern(23, 11, 3);
  for (const filter of [0, 1, 2, 3, 4] as PngFilter[]) {
    const file = join(dir, `f${filter}.png`);
    writeFileSync(file, encodePng(img, { filter }));
    assert.ok(ffmpeg(["-i", file, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]).equals(Buffer.from(img.data)));
  }
});

test.run();
