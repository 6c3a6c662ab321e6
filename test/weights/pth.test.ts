import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { loadCheckpoint, shapesOf } from "../../src/runtime/weights/load.ts";
import { decodePth } from "../../src/runtime/weights/pth.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { f16BitsToNumber, toFloat32, type HostTensor } from "../../src/runtime/weights/tensor.ts";
import { FIXTURES, LOCAL, assertSameTensors } from "./helpers.ts";

const reference = (dir: string) => readSafetensors(`${FIXTURES}/${dir}/weights.safetensors`).tensors;

for (const dir of ["clip-tiny", "xclip-tiny-e64"]) {
  test(`${dir}: weights.pth (zip) and weights-legacy.pth equal weights.safetensors bit for bit`, () => {
    const ref = reference(dir);
    for (const [file, format] of [
      ["weights.pth", "pth-zip"],
      ["weights-legacy.pth", "pth-legacy"],
    ]) {
      const path = `${FIXTURES}/${dir}/${file}`;
      assertSameTensors(decodePth(readFileSync(path), path), ref, `${dir}/${file}`);
      const ckpt = loadCheckpoint(path);
      assert.is(ckpt.format, format);
      assertSameTensors(ckpt.tensors, ref, `${dir}/${file} via loadCheckpoint`);
      assert.equal(ckpt.notes, []);
    }
  });

  test(`${dir}: weights-fp16.pth is the reference rounded to f16`, () => {
    const ref = reference(dir);
    const path = `${FIXTURES}/${dir}/weights-fp16.pth`;
    const raw = decodePth(readFileSync(path), path);
    const ckpt = loadCheckpoint(path);
    assert.equal([...ckpt.tensors.keys()].sort(), [...ref.keys()].sort());
    assert.equal(ckpt.notes, ["converted f16 tensors to f32"]);
    for (const [name, r] of ref) {
      assert.is(raw.get(name)!.dtype, "f16");
      assert.is(ckpt.sourceDtypes.get(name), "f16");
      const got = ckpt.tensors.get(name)!;
      assert.is(got.dtype, "f32");
      assert.equal(got.shape, r.shape, name);
      const bits = raw.get(name)!.data as Uint16Array;
      const want = r.data as Float32Array;
      for (let i = 0; i < want.length; i++) {
        // Within f16 rounding (relative 2^-11, with f16's subnormal spacing 2^-24 as the floor) ...
        assert.ok(
          Math.abs((got.data[i] as number) - want[i]) <= Math.max(Math.abs(want[i]) * 1e-3, 2 ** -24),
          `${name}[${i}]`,
        );
        // ... and the f32 is exactly the f16 value, decoded independently from its bits.
        assert.is(got.data[i], f16BitsToNumber(bits[i]));
      }
    }
  });
}

test("official training layout: the state dict comes out of {'model': ...}, the rest is skipped", () => {
  const path = `${FIXTURES}/xclip-tiny-e64/checkpoint-official-layout.pth`;
  const ckpt = loadCheckpoint(path);
  assertSameTensors(ckpt.tensors, reference("xclip-tiny-e64"), "official layout");
  assert.is(ckpt.notes.length, 1);
  assert.match(ckpt.notes[0], /took the state dict from `model`; skipped epoch, max_accuracy, lr_scheduler, config/);
  assert.equal(shapesOf(ckpt).get("visual.conv1.weight"), [64, 3, 8, 8]);
});

/** Expected values made by Python from the storages and strides (test/weights/fixtures/make.py). */
function checkAgainstJson(tensors: Map<string, HostTensor>, json: string) {
  const expected = JSON.parse(readFileSync(json, "utf8")) as Record<
    string,
    { shape: number[]; values: (number | boolean)[] }
  >;
  assert.equal([...tensors.keys()].sort(), Object.keys(expected).sort());
  for (const [name, { shape, values }] of Object.entries(expected)) {
    const t = tensors.get(name)!;
    assert.equal(t.shape, shape, name);
    // f64 and i64 compared in full; f16/bf16/bool widen exactly to f32.
    const got = t.dtype === "i64" || t.dtype === "f64" ? [...t.data].map((v) => Number(v)) : [...toFloat32(t)];
    assert.equal(got, values.map(Number), name);
  }
}

test("views: storage offsets, shared storages, transposed strides, 0-d, empty; i64, bf16, f16, bool, f64", () => {
  for (const file of ["strided.pth", "strided-zip64.pth"]) {
    const raw = decodePth(readFileSync(`${LOCAL}/${file}`), file);
    checkAgainstJson(new Map([...raw].map(([k, t]) => [k.replace(/^module\./, ""), t])), `${LOCAL}/strided.json`);
    const ckpt = loadCheckpoint(`${LOCAL}/${file}`);
    assert.is(ckpt.format, "pth-zip");
    assert.equal([...ckpt.tensors.get("doubles")!.data], [Math.fround(0.1), -Infinity]); // f32 cannot hold -1e300
    assert.equal([...ckpt.tensors.get("half")!.data], [1, -2, 0.000060975551605224609375, 65504]);
    assert.equal(ckpt.notes, [
      "training checkpoint: took the state dict from `state_dict`; skipped optimizer, epoch, note",
      "removed the DistributedDataParallel prefix `module.` from every name",
      "converted bf16, f16, f64 tensors to f32",
    ]);
    const longs = ckpt.tensors.get("longs")!;
    assert.is(longs.dtype, "i64");
    assert.equal([...longs.data], [-(2n ** 40n), -1n, 0n, 7n, 2n ** 53n + 2n]);
    assert.is(ckpt.tensors.get("bools")!.dtype, "bool");
  }
});

test("legacy format: a storage that is a view of another (view_metadata)", () => {
  const ckpt = loadCheckpoint(`${LOCAL}/legacy-views.pth`);
  assert.is(ckpt.format, "pth-legacy");
  checkAgainstJson(ckpt.tensors, `${LOCAL}/legacy-views.json`);
});

test.run();
