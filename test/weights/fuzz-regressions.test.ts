/**
 * Checkpoints the fuzz campaign (bench/fuzz, `npm run fuzz`) once crashed the loader with, replayed from their
 * seeds, plus the same faults built by hand: each must now be a catalogued error, allocated nothing huge.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { decodeCheckpoint } from "../../src/runtime/weights/checkpoint.ts";
import { weightsMutant } from "../../bench/fuzz/weights.ts";
import { expectMdlError } from "./helpers.ts";
import { torchSaveLegacy, torchSaveZip, type Py } from "./torch-writer.ts";

// weights:<seed> -> the catalogued code it must give (it threw a RangeError before).
const SEEDS: [number, string, RegExp][] = [
  [88, "MDL504", /declares \d+ elements over a storage of 4; copying it out would take \d+ bytes/], // zero-stride view: new Uint8Array(4 TB)
  [9, "MDL503", /zip/], // ZIP64 extra field read past the end of the file (DataView RangeError)
  // A protocol-0 INT/LONG opcode whose text line is not a number (BigInt threw a SyntaxError).
  [2522, "MDL504", /is not an integer/],
  [3659, "MDL504", /is not an integer/],
  [4733, "MDL504", /is not an integer/],
];

for (const [seed, code, re] of SEEDS) {
  test(`fuzz weights:${seed} is ${code}`, () => {
    const { file, bytes } = weightsMutant(seed);
    let message = "";
    try {
      decodeCheckpoint(bytes, file);
    } catch {
      message = expectMdlError(() => decodeCheckpoint(bytes, file), code, file);
    }
    assert.match(message, re);
  });
}

test("a view declaring 10^12 elements over 4 stored ones is refused before anything is allocated (zip and legacy)", () => {
  const small = { dtype: "f32" as const, shape: [4], data: new Float32Array(4) };
  const root: Py = {
    dict: [["model", { ordered: [["w", { tensor: small, view: { size: [1e6, 1e6], stride: [0, 0] } }]] }]],
  };
  for (const [label, bytes] of [
    ["zip", torchSaveZip(root)],
    ["legacy", torchSaveLegacy(root)],
  ] as const) {
    const before = process.memoryUsage().arrayBuffers;
    const msg = expectMdlError(() => decodeCheckpoint(bytes, label), "MDL504", label);
    assert.match(msg, /tensor `w` \[1000000, 1000000\] with strides \[0, 0\] declares 1000000000000 elements/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 26, `${label}: allocated`);
  }
  // A legitimate expanded view (a few elements repeated) still loads, copied out.
  const ok = decodeCheckpoint(
    torchSaveZip({
      dict: [
        [
          "w",
          {
            tensor: { dtype: "f32", shape: [3], data: Float32Array.of(1, 2, 3) },
            view: { size: [2, 3], stride: [0, 1] },
          },
        ],
      ],
    }),
    "ok",
  );
  assert.equal([...ok.tensors.get("w")!.data], [1, 2, 3, 1, 2, 3]);
});

test("a zip entry whose directory claims 4 TB is refused before anything is allocated", () => {
  const w = { dtype: "f32" as const, shape: [2], data: Float32Array.of(1, 2) };
  const bytes = torchSaveZip({ dict: [["w", { tensor: w }]] }, { entry: "archive/data/0", size: 4n << 40n });
  const before = process.memoryUsage().arrayBuffers;
  assert.match(
    expectMdlError(() => decodeCheckpoint(bytes, "claims.pth"), "MDL503", "claims.pth"),
    /zip entry `archive\/data\/0` needs bytes \d+\.\.4398046511\d+, the file has \d+/,
  );
  assert.ok(process.memoryUsage().arrayBuffers - before < 1 << 26);
});

test.run();
