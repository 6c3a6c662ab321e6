/**
 * The ONNX kernels of conv1d, conv3d (tubelet), grouped/dilated/per-axis conv2d and pad on ONNX Runtime,
 * against the tfjs kernels (checked against float64 loops in test/tfjs/conv.test.ts) on the same random
 * weights and inputs: ||ort - tfjs|| / ||tfjs|| <= 1e-5 per output.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSession } from "../../src/runtime/onnx/session.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { checkpointWeights } from "../../src/runtime/run/load-params.ts";
import { INPUT_PREFIX } from "../../src/runtime/run/model-inputs.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { compileModel, randomInputs, randomWeights, runMdl } from "../torch/helpers.ts";
import { wasm1 } from "../run/helpers.ts";
import { hostRelError } from "./helpers.ts";

const SAMPLE = "test/ir/samples/video-ops/input.mdl";
const tmp = mkdtempSync(join(tmpdir(), "mdl-onnx-video-"));

test("video-ops sample: every output on ONNX Runtime equals tfjs within 1e-5", async () => {
  await wasm1();
  const ir = compileModel(SAMPLE);
  for (const op of ["conv1d", "conv2d", "conv3d", "pad"])
    assert.ok(
      ir.graph.nodes.some((n) => n.op === op),
      `the sample uses ${op}`,
    );
  const [weights, inputs] = [join(tmp, "w.safetensors"), join(tmp, "in.safetensors")];
  await randomWeights(ir, 5, weights);
  randomInputs(ir, 9, inputs);
  const ref = await runMdl(ir, weights, inputs);
  const session = await createSession(ir, {
    weights: checkpointWeights(ir, loadCheckpoint(weights), { strict: true }).weights,
    threads: 1,
  });
  const io = readSafetensors(inputs).tensors;
  const x: Record<string, HostTensor> = {};
  for (const p of ir.graph.inputs) x[p.name] = io.get(INPUT_PREFIX + p.name)!;
  const out = await session.run(x);
  await session.dispose();
  assert.equal(Object.keys(out).sort(), Object.keys(ref).sort());
  for (const [name, want] of Object.entries(ref)) {
    const shape = ir.graph.outputs.find((o) => o.name === name)!.type.shape.map((d) => (typeof d === "number" ? d : 2));
    const e = hostRelError(out[name], { dtype: "f32", shape, data: want }, name);
    assert.ok(e <= 1e-5, `${name}: relative error ${e}`);
  }
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
