/**
 * The plain-TS inflater against node's zlib, the reference: every level and strategy zlib writes, mutated streams
 * (both refuse, or both give the same bytes), and the bound a declared size puts on a deflate bomb.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { constants, crc32 as zlibCrc32, deflateRawSync, inflateRawSync } from "node:zlib";
import { InflateError, inflateRaw } from "../../src/runtime/weights/inflate.ts";
import { crc32 } from "../../src/util/crc32.ts";
import { below, rng } from "../helpers/mutate.ts";

const text = readFileSync("src/runtime/weights/pickle.ts");
const floats = readFileSync("test/fixtures/clip-tiny/weights.pth").subarray(0, 200_000);
const rand = rng(11);
const noise = Uint8Array.from({ length: 5000 }, () => below(rand, 256));
const INPUTS: [string, Uint8Array][] = [
  ["empty", new Uint8Array(0)],
  ["one byte", Uint8Array.of(42)],
  ["100k zeros", new Uint8Array(100_000)],
  ["source text", text],
  ["f32 storages", floats],
  ["noise", noise],
];
const STRATEGIES = [
  constants.Z_DEFAULT_STRATEGY,
  constants.Z_FILTERED,
  constants.Z_HUFFMAN_ONLY,
  constants.Z_RLE,
  constants.Z_FIXED,
];

test("every zlib level and strategy inflates to the same bytes, with zlib's CRC-32", () => {
  for (const [name, data] of INPUTS) {
    assert.is(crc32(data), zlibCrc32(data), `${name}: crc`);
    for (const level of [0, 1, 6, 9]) {
      for (const strategy of STRATEGIES) {
        const out = inflateRaw(deflateRawSync(data, { level, strategy }), data.length);
        assert.ok(Buffer.from(out).equals(data), `${name}, level ${level}, strategy ${strategy}`);
      }
    }
  }
});

test("3000 mutated streams: refused where zlib refuses them, the same bytes where it does not", () => {
  const r = rng(7);
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const len = below(r, 3000),
      at = below(r, text.length - len);
    const c = Buffer.from(deflateRawSync(text.subarray(at, at + len), { level: below(r, 10), strategy: below(r, 5) }));
    for (let f = 1 + below(r, 3); f > 0 && c.length; f--) c[below(r, c.length)] ^= 1 << below(r, 8);
    let want: Buffer | undefined;
    try {
      want = inflateRawSync(c);
    } catch {
      want = undefined;
    }
    if (want) {
      assert.ok(Buffer.from(inflateRaw(c, want.length)).equals(want), `case ${i}`);
      accepted++;
    } else
      assert.throws(
        () => inflateRaw(c, 1 << 16),
        (e: unknown) => e instanceof InflateError,
        `case ${i}`,
      );
  }
  assert.ok(accepted > 1000 && accepted < 2900, `${accepted} accepted`);
});

test("a bomb (16 MiB of zeros) inflates no further than its declared size; a cut stream and a short one are refused", () => {
  const bomb = deflateRawSync(new Uint8Array(16 << 20));
  const before = process.memoryUsage().arrayBuffers;
  assert.throws(() => inflateRaw(bomb, 1000), /inflates past the 1000 bytes declared for it/);
  assert.throws(() => inflateRaw(bomb, 2 ** 32), /inflates to 16777216 bytes, 4294967296 were declared/);
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 << 20, "allocated");
  assert.throws(() => inflateRaw(bomb.subarray(0, bomb.length >> 1), 16 << 20), /ends in the middle of a block/);
});

test.run();
