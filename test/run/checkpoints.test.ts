/**
 * Any X-CLIP checkpoint, not only the fixtures': checkpoints of other widths, frame counts, layer counts and
 * seeds are written here (createParams + toTorchLayout + writeSafetensors) and binding must recover every
 * hyperparameter from the shapes alone, and the model must run. Their numbers have no PyTorch reference
 * (only the fixtures do), so what is checked here is binding, shapes, finiteness and exact reload.
 * Also: 100 consecutive predictions leave tf.memory().numTensors unchanged.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { createParams, toTorchLayout } from "../../src/runtime/tfjs/lower.ts";
import { writeSafetensors, readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { disposeAll } from "../../src/runtime/run/io-tensors.ts";
import { toModelInputs } from "../../src/runtime/run/model-inputs.ts";
import { createRunner } from "../../src/runtime/run/runner.ts";
import { FIXTURES, compileWith, wasm1 } from "./helpers.ts";

await wasm1();
const dir = mkdtempSync(join(tmpdir(), "mdl-ckpt-"));

// hyperparameters a checkpoint implies; heads follow width / 64 as in the official build_model
const VARIANTS: Record<string, number>[] = [
  {
    embed: 64,
    width: 128,
    layers: 1,
    patch: 16,
    resolution: 48,
    frames: 3,
    context: 10,
    vocab: 100,
    text_width: 64,
    text_layers: 1,
    mit_layers: 2,
    prompts_layers: 1,
  },
  {
    embed: 128,
    width: 64,
    layers: 3,
    patch: 8,
    resolution: 24,
    frames: 6,
    context: 8,
    vocab: 77,
    text_width: 192,
    text_layers: 2,
    mit_layers: 1,
    prompts_layers: 3,
  },
];

VARIANTS.forEach((hyper, i) => {
  test(`checkpoint ${i} (${Object.entries(hyper)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ")}): every hyperparameter bound from its shapes, the model runs`, async () => {
    const r = compile("models/xclip.mdl", fsHost, { set: Object.entries(hyper).map(([k, v]) => [k, String(v)]) });
    assert.ok(r.value, r.diagnostics.map((d) => d.message).join("\n"));
    const made = r.value!;
    const tensors = new Map<string, HostTensor>();
    for (const [path, t] of createParams(made, undefined, { trainable: false, seed: 100 + i })) {
      const x = await toTorchLayout(made, path, t as tf.Tensor);
      tensors.set(path, { dtype: "f32", shape: x.shape, data: x.data });
      t.dispose();
    }
    const file = join(dir, `xclip-${i}.safetensors`);
    writeSafetensors(file, tensors);

    const { ir, ckpt } = compileWith("models/xclip.mdl", file);
    for (const [name, value] of Object.entries(hyper)) {
      const h = ir.hyper.find((x) => x.name === name)!;
      assert.equal([name, h.value, h.source], [name, value, "checkpoint"]);
    }
    const before = tf.memory().numTensors;
    const runner = createRunner(ir, ckpt, { strict: true });
    const video = tf.randomNormal([2, hyper.frames, 3, hyper.resolution, hyper.resolution], 0, 1, "float32", 5);
    const text = tf.tensor(
      [
        [hyper.vocab - 2, 5, 9, hyper.vocab - 1, 0, 0, 0, 0],
        [hyper.vocab - 2, hyper.vocab - 1, 0, 0, 0, 0, 0, 0],
        [hyper.vocab - 2, 3, 4, 5, 6, 7, 8, hyper.vocab - 1],
      ].map((row) => [...row, ...new Array(hyper.context - 8).fill(0)]),
      undefined,
      "int32",
    );
    const { outputs } = await runner.run({ video, text });
    assert.equal(outputs.logits.shape, [2, 3]);
    const logits = (outputs.logits as tf.Tensor).dataSync();
    assert.ok(logits.every(Number.isFinite));
    // params loaded from the file are the ones written: a second model from the same tensors agrees exactly
    const again = createRunner(made, { ...ckpt, tensors: readSafetensors(file).tensors });
    const second = (await again.run({ video, text })).outputs;
    assert.equal([...(second.logits as tf.Tensor).dataSync()], [...logits]);
    disposeAll({ video, text, ...outputs });
    disposeAll(second);
    await runner.dispose();
    await again.dispose();
    assert.is(tf.memory().numTensors, before);
  });
});

test("100 consecutive predictions of a compiled model leave tf.memory().numTensors unchanged", async () => {
  const dirE = `${FIXTURES}/xclip-tiny-e64`;
  const { ir, ckpt } = compileWith("models/xclip.mdl", `${dirE}/weights.safetensors`);
  const runner = createRunner(ir, ckpt);
  const io = readSafetensors(`${dirE}/io.safetensors`).tensors;
  const inputs = toModelInputs(ir, io, "io.safetensors");
  const first = (await runner.run(inputs)).outputs;
  const ref = [...(first.logits as tf.Tensor).dataSync()];
  disposeAll(first);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 100; i++) {
    const { outputs } = await runner.run(inputs);
    if (i === 99) assert.equal([...(outputs.logits as tf.Tensor).dataSync()], ref);
    disposeAll(outputs);
    assert.is(tf.memory().numTensors, before, `after prediction ${i + 1}`);
  }
  disposeAll(inputs);
  await runner.dispose();
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
