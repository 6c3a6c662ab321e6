import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  writeSafetensors,
} from "../../src/runtime/weights/safetensors.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { FIXTURES, assertSameTensors, expectMdlError, sameBits } from "./helpers.ts";

/** A safetensors file built by hand, byte by byte, so the reader is not only tested against our writer. */
function handMade(header: object | string, data: number[], pad = 0): Uint8Array {
  const json = new TextEncoder().encode(
    (typeof header === "string" ? header : JSON.stringify(header)) + " ".repeat(pad),
  );
  const out = new Uint8Array(8 + json.length + data.length);
  out[0] = json.length & 0xff;
  out[1] = json.length >> 8;
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test("reads a hand-made file with an odd header length, from an odd offset in a larger buffer", () => {
  // 1.0f = 00 00 80 3f, -2.0f = 00 00 00 c0; int16 -3 = fd ff
  const header = {
    a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
    b: { dtype: "I16", shape: [1], data_offsets: [8, 10] },
  };
  const data = [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0xfd, 0xff];
  let file = handMade(header, data);
  if (file[0] % 2 === 0) file = handMade(header, data, 1);
  assert.is(file[0] % 2, 1, "header length is odd, so the data section is misaligned");
  const backing = new Uint8Array(file.length + 3);
  backing.set(file, 3);
  const { tensors } = decodeSafetensors(backing.subarray(3), "hand.safetensors");
  assert.equal([...tensors.get("a")!.data], [1, -2]);
  assert.equal(tensors.get("a")!.shape, [2]);
  assert.equal([...tensors.get("b")!.data], [-3]);
});

test("round trip: every dtype, metadata, 0-d and zero-size tensors, header padded to 8 bytes", () => {
  const tensors = new Map<string, HostTensor>([
    ["logit_scale", { dtype: "f32", shape: [], data: new Float32Array([4.605]) }],
    ["empty", { dtype: "f32", shape: [0, 4], data: new Float32Array(0) }],
    ["h", { dtype: "f16", shape: [2], data: new Uint16Array([0x3c00, 0xc000]) }],
    ["b", { dtype: "bf16", shape: [1, 2], data: new Uint16Array([0x3f80, 0x4049]) }],
    ["d", { dtype: "f64", shape: [1], data: new Float64Array([0.1]) }],
    ["l", { dtype: "i64", shape: [2], data: new BigInt64Array([-(2n ** 62n), 5n]) }],
    ["i", { dtype: "i32", shape: [1], data: new Int32Array([-7]) }],
    ["s", { dtype: "i16", shape: [1], data: new Int16Array([300]) }],
    ["c", { dtype: "i8", shape: [1], data: new Int8Array([-1]) }],
    ["u", { dtype: "u8", shape: [3], data: new Uint8Array([0, 128, 255]) }],
    ["m", { dtype: "bool", shape: [2], data: new Uint8Array([1, 0]) }],
  ]);
  const metadata = { format: "pt", note: "ünïcode ✓" };
  // Names of growing length make the JSON header every length mod 8; each must be padded and read back.
  for (let extra = 0; extra < 8; extra++) {
    const named = new Map([...tensors, ["x".repeat(extra + 1), tensors.get("i")!] as [string, HostTensor]]);
    const bytes = encodeSafetensors(named, metadata);
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    assert.is(headerLen % 8, 0);
    const back = decodeSafetensors(bytes, "rt.safetensors");
    assert.equal(back.metadata, metadata);
    assertSameTensors(back.tensors, named, `extra ${extra}`);
  }
});

test("the official fixtures decode, re-encode and decode to the same tensors", () => {
  for (const dir of ["clip-tiny", "xclip-tiny-e64", "xclip-tiny-mixed"]) {
    const path = `${FIXTURES}/${dir}/weights.safetensors`;
    const first = readSafetensors(path);
    assert.ok(first.tensors.size > 40, dir);
    assert.equal(first.tensors.get("logit_scale")!.shape, []);
    const again = decodeSafetensors(encodeSafetensors(first.tensors, first.metadata), "again");
    assert.equal(again.metadata, first.metadata);
    assertSameTensors(again.tensors, first.tensors, dir);
  }
  // An independent check of one value: the raw f32 at the tensor's offset in the file, read by DataView.
  const raw = readFileSync(`${FIXTURES}/xclip-tiny-e64/weights.safetensors`);
  const n = Number(raw.readBigUInt64LE(0));
  const header = JSON.parse(raw.subarray(8, 8 + n).toString());
  const [begin] = header["visual.proj"].data_offsets;
  const t = readSafetensors(`${FIXTURES}/xclip-tiny-e64/weights.safetensors`).tensors.get("visual.proj")!;
  assert.is(t.data[0], raw.readFloatLE(8 + n + begin));
  assert.is(t.data[65], raw.readFloatLE(8 + n + begin + 65 * 4));
});

test("writeSafetensors writes atomically and leaves no temp file", () => {
  const dir = mkdtempSync(join(tmpdir(), "mdl-st-"));
  try {
    const t = new Map<string, HostTensor>([
      ["w", { dtype: "f32", shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }],
    ]);
    writeSafetensors(join(dir, "out.safetensors"), t, { k: "v" });
    assert.equal(readdirSync(dir), ["out.safetensors"]);
    const back = readSafetensors(join(dir, "out.safetensors"));
    assert.ok(sameBits(back.tensors.get("w")!, t.get("w")!));
    assert.equal(back.metadata, { k: "v" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("malformed headers are refused with a catalogued error naming the file", () => {
  const f = "bad.safetensors";
  const w = (offsets: number[], dtype = "F32", shape = [2]) => ({ dtype, shape, data_offsets: offsets });
  const cases: [Uint8Array, string, RegExp][] = [
    [new Uint8Array(5), "MDL503", /shorter than the 8-byte/],
    [handMade("[1, 2]", []), "MDL504", /not a JSON object/],
    [handMade("{not json", []), "MDL504", /not valid UTF-8 JSON/],
    [handMade({ a: w([0, 8]), b: w([4, 12]) }, new Array(12).fill(0)), "MDL504", /`a` and `b` overlap/],
    [handMade({ a: w([0, 8], "C64") }, new Array(8).fill(0)), "MDL506", /C64/],
    [handMade({ a: w([0, 8], "F32", [-2]) }, new Array(8).fill(0)), "MDL504", /invalid shape/],
    [handMade({ a: w([8, 0]) }, new Array(8).fill(0)), "MDL504", /invalid data_offsets/],
    [handMade({ __metadata__: { n: 1 } }, []), "MDL504", /metadata `n` is not a string/],
    [handMade({ a: w([0, 8]) }, new Array(8).fill(0)).subarray(0, 20), "MDL503", /header needs/],
  ];
  for (const [bytes, code, re] of cases)
    assert.match(
      expectMdlError(() => decodeSafetensors(bytes, f), code, f),
      re,
    );
});

test.run();
