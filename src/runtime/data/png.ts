/**
 * PNG over node:zlib, so synthetic data and the demo need nothing beyond `npm install`.
 * Decodes every colour type (grey, RGB, palette, grey+alpha, RGBA) at bit depths 1-16 and Adam7
 * interlacing, to 8 bits per sample; encodes 8-bit grey, grey+alpha, RGB and RGBA with any filter.
 */
import { deflateSync, inflateSync } from "node:zlib";
import { fail } from "../../compiler/diagnostics/diagnostic.ts";
import { crc32 } from "../../util/crc32.ts";

/** Interleaved 8-bit samples, `channels` per pixel: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA. */
export interface Image8 {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  data: Uint8Array;
}

export type PngFilter = 0 | 1 | 2 | 3 | 4;

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Undo one row's filter in place; `prev` is the already unfiltered row above (zeros for the first). */
function unfilterRow(type: number, row: Uint8Array, prev: Uint8Array, bpp: number): boolean {
  const n = row.length;
  switch (type) {
    case 0:
      return true;
    case 1:
      for (let i = bpp; i < n; i++) row[i] = (row[i] + row[i - bpp]) & 255;
      return true;
    case 2:
      for (let i = 0; i < n; i++) row[i] = (row[i] + prev[i]) & 255;
      return true;
    case 3:
      for (let i = 0; i < n; i++) row[i] = (row[i] + (((i >= bpp ? row[i - bpp] : 0) + prev[i]) >> 1)) & 255;
      return true;
    case 4:
      for (let i = 0; i < n; i++) {
        const a = i >= bpp ? row[i - bpp] : 0;
        const c = i >= bpp ? prev[i - bpp] : 0;
        row[i] = (row[i] + paeth(a, prev[i], c)) & 255;
      }
      return true;
    default:
      return false;
  }
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
// 2^28 pixels (16384 x 16384): far beyond a video frame, and its samples still fit in memory.
const MAX_PIXELS = 2 ** 28;
// Adam7 passes: x start, y start, x step, y step.
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Decode a PNG to 8-bit samples. Palette images come out RGB (RGBA when they carry transparency). */
export function decodePng(bytes: Uint8Array, file: string): Image8 {
  const bad = (why: string): never => fail("image_decode", file, why);
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) bad("not a PNG file (bad signature)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0,
    height = 0,
    depth = 0,
    colour = -1,
    interlace = 0;
  let palette: Uint8Array | undefined;
  let alpha: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let pos = 8;
  let ended = false;
  while (!ended) {
    if (pos + 12 > bytes.length) bad("truncated (no IEND chunk)");
    const len = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const start = pos + 8;
    if (start + len + 4 > bytes.length) bad(`truncated inside the ${type} chunk`);
    if (crc32(bytes, pos + 4, start + len) !== view.getUint32(start + len)) bad(`CRC mismatch in the ${type} chunk`);
    const body = bytes.subarray(start, start + len);
    if (type === "IHDR") {
      width = view.getUint32(start);
      height = view.getUint32(start + 4);
      depth = body[8];
      colour = body[9];
      interlace = body[12];
      if (!(colour in CHANNELS) || !DEPTHS[colour].includes(depth))
        bad(`unsupported colour type ${colour} at bit depth ${depth}`);
      if (body[10] !== 0 || body[11] !== 0 || interlace > 1) bad("unknown compression, filter or interlace method");
      if (width === 0 || height === 0) bad("zero width or height");
    } else if (type === "PLTE") palette = body;
    else if (type === "tRNS") alpha = body;
    else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") ended = true;
    pos = start + len + 4;
  }
  if (colour < 0) bad("missing IHDR chunk");
  if (colour === 3 && !palette) bad("palette image without a PLTE chunk");
  const ch = CHANNELS[colour];
  const bitsPerPixel = ch * depth;
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const passes = interlace ? ADAM7 : [[0, 0, 1, 1]];
  // The header's size bounds everything below: checked before inflating or allocating, so a 2^31 x 2^31
  // header over a few bytes of data (or a zlib bomb) is refused instead of exhausting memory.
  if (width * height > MAX_PIXELS) bad(`${width}x${height} is larger than mdl decodes (${MAX_PIXELS} pixels)`);
  let expected = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx),
      ph = Math.ceil((height - y0) / dy);
    if (pw > 0 && ph > 0) expected += ph * (1 + Math.ceil((pw * bitsPerPixel) / 8));
  }
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: expected + 4096 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      bad("the compressed data inflates to more than the header's size allows");
    return bad(`compressed data is corrupt (${(err as Error).message})`);
  }
  if (raw.length < expected) bad("image data is shorter than the header says");
  // Samples as read, before palette/alpha expansion, one Uint16 per sample to keep 16-bit precision until the end.
  const samples = new Uint16Array(width * height * ch);
  let offset = 0;
  for (const [x0, y0, dx, dy] of passes) {
    const pw = Math.ceil((width - x0) / dx);
    const ph = Math.ceil((height - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const stride = Math.ceil((pw * bitsPerPixel) / 8);
    let prev = new Uint8Array(stride);
    for (let r = 0; r < ph; r++) {
      if (offset + 1 + stride > raw.length) bad("image data is shorter than the header says");
      const row = raw.slice(offset + 1, offset + 1 + stride);
      if (!unfilterRow(raw[offset], row, prev, bpp)) bad(`unknown filter type ${raw[offset]} on row ${r}`);
      offset += 1 + stride;
      const y = y0 + r * dy;
      for (let c = 0; c < pw; c++) {
        const dst = (y * width + x0 + c * dx) * ch;
        for (let k = 0; k < ch; k++) samples[dst + k] = readSample(row, c * ch + k, depth);
      }
      prev = row;
    }
  }
  return expand(samples, width, height, colour, depth, palette, alpha, bad);
}

function readSample(row: Uint8Array, index: number, depth: number): number {
  if (depth === 8) return row[index];
  if (depth === 16) return (row[index * 2] << 8) | row[index * 2 + 1];
  const bit = index * depth;
  return (row[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
}

function expand(
  s: Uint16Array,
  width: number,
  height: number,
  colour: number,
  depth: number,
  palette: Uint8Array | undefined,
  alpha: Uint8Array | undefined,
  bad: (why: string) => never,
): Image8 {
  const n = width * height;
  if (colour === 3) {
    const channels = alpha ? 4 : 3;
    const out = new Uint8Array(n * channels);
    const entries = palette!.length / 3;
    for (let i = 0; i < n; i++) {
      const p = s[i];
      if (p >= entries) bad(`palette index ${p} out of range (${entries} entries)`);
      out[i * channels] = palette![p * 3];
      out[i * channels + 1] = palette![p * 3 + 1];
      out[i * channels + 2] = palette![p * 3 + 2];
      if (alpha) out[i * channels + 3] = p < alpha.length ? alpha[p] : 255;
    }
    return { width, height, channels, data: out };
  }
  const ch = CHANNELS[colour] as 1 | 2 | 3 | 4;
  // Scale any depth to 8 bits the way viewers do: 16 -> high byte, 1/2/4 -> replicate to fill 0..255.
  const max = (1 << depth) - 1;
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++)
    out[i] = depth === 16 ? s[i] >> 8 : depth === 8 ? s[i] : Math.round((s[i] * 255) / max);
  return { width, height, channels: ch, data: out };
}

/** Any decoded image as 8-bit RGB (alpha dropped: frames are opaque). */
export function toRgb(img: Image8): Uint8Array {
  if (img.channels === 3) return img.data;
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const src = i * img.channels;
    const grey = img.channels <= 2;
    out[i * 3] = img.data[src];
    out[i * 3 + 1] = img.data[grey ? src : src + 1];
    out[i * 3 + 2] = img.data[grey ? src : src + 2];
  }
  return out;
}

const COLOUR_TYPE = { 1: 0, 2: 4, 3: 2, 4: 6 } as const;

function filterRow(type: PngFilter, row: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array, at: number): void {
  out[at] = type;
  for (let i = 0; i < row.length; i++) {
    const a = i >= bpp ? row[i - bpp] : 0;
    const b = prev[i];
    const c = i >= bpp ? prev[i - bpp] : 0;
    const pred = type === 0 ? 0 : type === 1 ? a : type === 2 ? b : type === 3 ? (a + b) >> 1 : paeth(a, b, c);
    out[at + 1 + i] = (row[i] - pred) & 255;
  }
}

/**
 * Encode 8-bit samples. `filter` fixes one filter for every row; "adaptive" picks per row the filter with
 * the smallest sum of absolute signed residuals (the libpng heuristic), which keeps outputs deterministic.
 */
export function encodePng(img: Image8, opts: { filter?: PngFilter | "adaptive"; level?: number } = {}): Uint8Array {
  const { width, height, channels, data } = img;
  if (data.length !== width * height * channels)
    throw new Error(`mdl internal error: encodePng got ${data.length} bytes for ${width}x${height}x${channels}`);
  const stride = width * channels;
  const filtered = new Uint8Array(height * (stride + 1));
  const scratch = new Uint8Array(stride + 1);
  let prev: Uint8Array = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    const at = y * (stride + 1);
    const mode = opts.filter ?? "adaptive";
    if (mode !== "adaptive") filterRow(mode, row, prev, channels, filtered, at);
    else {
      let best = Infinity;
      for (const t of [0, 1, 2, 3, 4] as PngFilter[]) {
        filterRow(t, row, prev, channels, scratch, 0);
        let cost = 0;
        for (let i = 1; i <= stride; i++) cost += scratch[i] < 128 ? scratch[i] : 256 - scratch[i];
        if (cost < best) {
          best = cost;
          filtered.set(scratch, at);
        }
      }
    }
    prev = row;
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = COLOUR_TYPE[channels];
  const parts = [
    Uint8Array.from(SIGNATURE),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(filtered, { level: opts.level ?? 9 })),
    chunk("IEND", new Uint8Array(0)),
  ];
  return Buffer.concat(parts);
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  dv.setUint32(8 + body.length, crc32(out, 4, 8 + body.length));
  return out;
}
