/**
 * Stacks indexed, sliced and looped over, and per-layer outputs collected in a list (issue 22 point 1), run on
 * tfjs and ONNX Runtime against the same arithmetic done here in float64 loops: the layers run in the order the
 * forward names them, and the collected values are the layers' own outputs.
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
import { compileModel, randomInputs, randomWeights, runMdl } from "../torch/helpers.ts";
import { wasm1 } from "./helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "mdl-stack-outputs-"));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

type Weights = Map<string, Float32Array>;
/** `blocks.i` (a d x d Linear) on rows of x. */
const layer = (w: Weights, i: number, x: number[][]) => {
  const W = w.get(`blocks.${i}.weight`)!;
  const b = w.get(`blocks.${i}.bias`)!;
  const d = b.length;
  return x.map((row) => Array.from({ length: d }, (_, o) => b[o] + row.reduce((a, v, k) => a + v * W[o * d + k], 0)));
};

/** Each sample's output, computed from its weights and its input rows. */
const SAMPLES: Record<string, (w: Weights, x: number[][]) => number[]> = {
  // blocks[0], blocks[-1] (of 4), then blocks[1:3]
  "stack-index": (w, x) => layer(w, 2, layer(w, 1, layer(w, 3, layer(w, 0, x)))).flat(),
  // for i, layer in blocks (3) with i < 2, then heads[1:]
  "stack-for": (w, x) => {
    const y = layer(w, 1, layer(w, 0, x));
    const W = w.get("heads.1.weight")!;
    const b = w.get("heads.1.bias")!;
    return y.flatMap((row) =>
      Array.from({ length: b.length }, (_, o) => b[o] + row.reduce((a, v, k) => a + v * W[o * b.length + k], 0)),
    );
  },
  // every layer's output collected; the last two stacked
  "collect-outputs": (w, x) => {
    const h1 = layer(w, 0, x);
    const h2 = layer(w, 1, h1);
    const h3 = layer(w, 2, h2);
    return [...h2.flat(), ...h3.flat()];
  },
};

for (const [name, reference] of Object.entries(SAMPLES)) {
  test(`${name}: tfjs and ONNX Runtime compute the layers in the written order`, async () => {
    await wasm1();
    const ir = compileModel(`test/ir/samples/${name}/input.mdl`);
    const [weights, inputs] = [join(tmp, `${name}-w.safetensors`), join(tmp, `${name}-in.safetensors`)];
    await randomWeights(ir, 7, weights);
    randomInputs(ir, 11, inputs);
    const w: Weights = new Map([...readSafetensors(weights).tensors].map(([k, t]) => [k, t.data as Float32Array]));
    const input = readSafetensors(inputs).tensors.get("input.x")!;
    const d = input.shape[1];
    const rows = Array.from({ length: input.shape[0] }, (_, r) =>
      Array.from((input.data as Float32Array).slice(r * d, (r + 1) * d)),
    );
    const want = reference(w, rows);

    const tfjs = (await runMdl(ir, weights, inputs)).out;
    const session = await createSession(ir, {
      weights: checkpointWeights(ir, loadCheckpoint(weights), { strict: true }).weights,
      threads: 1,
    });
    const ort = (await session.run({ x: input })).out.data as Float32Array;
    await session.dispose();
    for (const [engine, got] of [
      ["tfjs", tfjs],
      ["onnx", ort],
    ] as const) {
      assert.is(got.length, want.length, `${engine}: output size`);
      got.forEach((v, i) =>
        assert.ok(
          Math.abs(v - want[i]) <= 1e-5 * Math.max(1, Math.abs(want[i])),
          `${engine}: ${name}[${i}] = ${v}, want ${want[i]}`,
        ),
      );
    }
  });
}

test.run();
