/**
 * `compile`'s `bake` (an inference program owns its parameters: initializers on ONNX Runtime, re-laid weights on
 * tfjs) gives the numbers of the same program fed its parameters as inputs, on both engines, and the fixture's
 * reference logits; disposing it frees what it baked. ORT's concat (text chunks joined) keeps integer dtypes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { engine, useEngine } from "../../src/runtime/backend/current.ts";
import type { Tensor } from "../../src/runtime/backend/engine.ts";
import { createOnnxEngine } from "../../src/runtime/onnx/engine.ts";
import { toModelInputs } from "../../src/runtime/run/model-inputs.ts";
import { checkpointWeights } from "../../src/runtime/run/load-params.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { compileWith, FIXTURES, wasm1 } from "../run/helpers.ts";
import { hostRelError } from "./helpers.ts";

const E64 = `${FIXTURES}/xclip-tiny-e64`;
const io = readSafetensors(`${E64}/io.safetensors`).tensors;
const { ir, ckpt } = compileWith("models/xclip.mdl", `${E64}/weights.safetensors`);
const { weights } = checkpointWeights(ir, ckpt, { strict: true });
await wasm1();
const tfjs = engine();
const ort = await createOnnxEngine({ threads: 1 });
test.after(() => useEngine(tfjs));

for (const e of [tfjs, ort]) {
  test(`${e.name}: a baked program gives the logits of the program fed its parameters, and the reference's`, async () => {
    useEngine(e);
    const before = e.numTensors();
    const inputs = toModelInputs(ir, io, "io.safetensors");
    const logits = async (out: Record<string, Tensor>) => {
      const h = await e.read(out.logits);
      e.dispose(out);
      return h;
    };
    const baked = await e.compile(ir, { bake: { weights, seed: 0 } });
    const fed = await e.compile(ir);
    const params = e.createParams(ir, weights, { trainable: false, seed: 0, compiled: true });
    const a = await logits(await baked.run(inputs));
    const b = await logits(await fed.run(inputs, params));
    assert.ok(hostRelError(a, b, "baked against fed") <= 1e-6);
    assert.ok(hostRelError(a, io.get("out.logits")!, "baked against the reference") <= 1e-5);
    await baked.dispose();
    await fed.dispose();
    e.dispose(params.values());
    e.dispose(inputs);
    assert.is(e.numTensors(), before, "tensors left behind");
  });
}

test("ORT's concat keeps the dtype and joins along any axis", async () => {
  const ids = [
    ort.fromHost({ dtype: "i64", shape: [1, 2], data: BigInt64Array.from([1n, 2n]) }),
    ort.fromHost({ dtype: "i64", shape: [2, 2], data: BigInt64Array.from([3n, 4n, 5n, 6n]) }),
  ];
  const rows = await ort.read(ort.concat(ids, 0));
  assert.equal([rows.dtype, rows.shape, [...rows.data]], ["i64", [3, 2], [1n, 2n, 3n, 4n, 5n, 6n]]);
  const xs = [
    ort.fromHost({ dtype: "f32", shape: [2, 1], data: Float32Array.from([1, 2]) }),
    ort.fromHost({ dtype: "f32", shape: [2, 2], data: Float32Array.from([3, 4, 5, 6]) }),
  ];
  const cols = await ort.read(ort.concat(xs, 1));
  assert.equal([cols.dtype, cols.shape, [...cols.data]], ["f32", [2, 3], [1, 3, 4, 2, 5, 6]]);
});

test.run();
