import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  bf16BitsToNumber,
  f16BitsToNumber,
  numel,
  toFloat32,
  typedFromBytes,
} from "../../src/runtime/weights/tensor.ts";

// Bit patterns worked out by hand from the IEEE 754 binary16 layout (1 sign, 5 exponent bits biased by 15, 10 fraction bits).
const F16: [number, number][] = [
  [0x3c00, 1], // exponent 15 -> 2^0
  [0xc000, -2], // sign, exponent 16
  [0x3555, 0.333251953125], // exponent 13, fraction 0x155: (1 + 341/1024) / 4
  [0x7bff, 65504], // largest finite: (2 - 2^-10) * 2^15
  [0x0400, 2 ** -14], // smallest normal
  [0x0001, 2 ** -24], // smallest subnormal
  [0x03ff, 1023 * 2 ** -24], // largest subnormal
  [0x8000, -0],
  [0x7c00, Infinity],
  [0xfc00, -Infinity],
  [0x3e00, 1.5], // fraction 0x200 = 1/2
];

test("f16 bits widen to the exact values", () => {
  for (const [bits, value] of F16)
    assert.ok(
      Object.is(f16BitsToNumber(bits), value),
      `0x${bits.toString(16)} -> ${f16BitsToNumber(bits)}, want ${value}`,
    );
  assert.is(f16BitsToNumber(0x3555), 0.333251953125);
  assert.ok(Number.isNaN(f16BitsToNumber(0x7e00)));
});

test("bf16 bits are the top half of an f32", () => {
  // 0x3f80 -> f32 0x3f800000 = 1; 0xc0a0 -> 0xc0a00000 = -5; 0x3e20 -> 0x3e200000 = 0.15625; 0x4049 -> 0x40490000 = 3.140625
  for (const [bits, value] of [
    [0x3f80, 1],
    [0xc0a0, -5],
    [0x3e20, 0.15625],
    [0x4049, 3.140625],
    [0x0001, 2 ** -133],
    [0xff80, -Infinity],
  ])
    assert.is(bf16BitsToNumber(bits), value, `0x${bits.toString(16)}`);
});

test("toFloat32 converts every dtype", () => {
  const f16 = toFloat32({ dtype: "f16", shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0x7bff]) });
  assert.equal([...f16], [1, -2, 65504]);
  const bf16 = toFloat32({ dtype: "bf16", shape: [2], data: new Uint16Array([0xc0a0, 0x3e20]) });
  assert.equal([...bf16], [-5, 0.15625]);
  assert.equal([...toFloat32({ dtype: "i64", shape: [2], data: new BigInt64Array([-3n, 1n << 40n]) })], [-3, 2 ** 40]);
  assert.equal([...toFloat32({ dtype: "f64", shape: [1], data: new Float64Array([0.1]) })], [Math.fround(0.1)]);
  assert.equal([...toFloat32({ dtype: "bool", shape: [2], data: new Uint8Array([1, 0]) })], [1, 0]);
});

test("typedFromBytes copies out of a buffer at an odd offset", () => {
  const backing = new Uint8Array(9);
  new DataView(backing.buffer).setFloat32(1, 2.5, true);
  new DataView(backing.buffer).setFloat32(5, -1, true);
  const t = typedFromBytes("f32", backing.subarray(1, 9));
  assert.equal([...t], [2.5, -1]);
  assert.is(t.byteOffset, 0);
  backing[4] = 0; // the copy does not alias the source
  assert.equal([...t], [2.5, -1]);
  assert.is(numel([]), 1);
  assert.is(numel([3, 0, 2]), 0);
});

test.run();
