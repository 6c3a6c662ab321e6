/**
 * The compiler's gradients against PyTorch's on the official fixture (xclip-tiny-e64: the official X-CLIP
 * code's weights, inputs and logits). The official code itself is not here; mdl's torch export stands in for
 * it, anchored first: loaded strictly with the fixture's weights, its forward gives the fixture's official
 * logits (in float32 and in float64). Then torch autograd through the export in float64 is the reference, and
 * the IR gradients of every parameter from the compiled training step (compiler/5-train, `accumulate`) on
 * ONNX Runtime and on tfjs-wasm (float32) must agree with it within 1e-4 relative (max |a - b| / max |b|, per
 * parameter). Loss: label-smoothed cross-entropy, smoothing 0.1, labels b mod K, mean over the batch.
 *
 * The fixture's model has text_layers 2 and prompts_layers 2 (config.json), so it has 123 parameters, not the
 * 98 of `--preset tiny` (text_layers 1, prompts_layers 1, frames 8). The preset's 98 are checked the same way
 * on mdl's seeded random weights and random inputs (the same export, anchored on the fixture above).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engine, useEngine } from "../../src/runtime/backend/current.ts";
import type { Engine } from "../../src/runtime/backend/engine.ts";
import { createOnnxEngine } from "../../src/runtime/onnx/engine.ts";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { toFloat32, type HostTensor } from "../../src/runtime/weights/tensor.ts";
import { needs, torchMissing } from "../helpers/requires.ts";
import { compileWith, wasm1 } from "../run/helpers.ts";
import { gradErrors, irGrads } from "../train/ir-grads.ts";
import { compileModel, exportTo, python, randomInputs, randomWeights, relError } from "./helpers.ts";

const it = needs(test, torchMissing());
const FIXTURE = "test/fixtures/xclip-tiny-e64";
const WEIGHTS = `${FIXTURE}/weights.safetensors`;
const IO = `${FIXTURE}/io.safetensors`;
const SMOOTHING = 0.1;
const tmp = mkdtempSync(join(tmpdir(), "mdl-torch-grads-"));
const report: string[] = [];

let tfjs: Engine | undefined;
let ort: Engine | undefined;

test.before(async () => {
  if (torchMissing()) return; // every case is skipped
  await wasm1();
  tfjs = engine();
  ort = await createOnnxEngine({ threads: 1 });
});

/**
 * Torch's float64 gradients of the export of `ir` with `weightsFile` on `ioFile`'s inputs against the IR
 * gradients on ONNX Runtime and tfjs-wasm; where `official` logits are given, the export's forward is checked
 * against them first. Returns what went wrong (empty: nothing).
 */
async function compare(
  tag: string,
  ir: ModelIR,
  weightsFile: string,
  ioFile: string,
  official?: HostTensor,
): Promise<string[]> {
  const weights = new Map(
    [...loadCheckpoint(weightsFile).tensors].map(([k, t]) => [k, { shape: [...t.shape], data: toFloat32(t) }]),
  );
  // every parameter from the file (createParams would initialise a missing one silently), and nothing else
  assert.equal(ir.params.map((p) => p.path).sort(), [...weights.keys()].sort());

  const io = readSafetensors(ioFile).tensors;
  const video = io.get("input.video")!;
  const ids = io.get("input.text")!;
  const text: HostTensor = {
    dtype: "i32",
    shape: [...ids.shape],
    data: Int32Array.from(ids.data as BigInt64Array, Number),
  };
  const [B, K] = [video.shape[0], text.shape[0]];
  const labels = Array.from({ length: B }, (_, b) => b % K);

  // the reference: the exported module in torch, float64 autograd
  const dir = join(tmp, tag);
  const model = exportTo(ir, dir);
  const out = join(dir, "grads.safetensors");
  python(["test/torch/grads.py", model, weightsFile, ioFile, labels.join(","), String(SMOOTHING), out], {
    timeout: 300_000,
  });
  const ref = readSafetensors(out).tensors;

  if (official) {
    // anchored to the official code: the export's forward gives the fixture's official logits
    const want = toFloat32(official);
    const e32 = relError(ref.get("logits32")!.data as Float64Array, want, "logits32");
    const e64 = relError(ref.get("logits64")!.data as Float64Array, want, "logits64");
    report.push(
      `${tag}: the exported forward against the official logits: float32 ${e32.toExponential(2)}, float64 ${e64.toExponential(2)}`,
    );
    assert.ok(e32 <= 1e-5, `the exported float32 forward is ${e32} off the official logits`);
    assert.ok(e64 <= 1e-5, `the exported float64 forward is ${e64} off the official logits`);
  }
  const torchLoss = (ref.get("loss")!.data as Float64Array)[0];

  const want = new Map<string, Float64Array>();
  for (const [k, t] of ref) if (k.startsWith("grad.")) want.set(k.slice("grad.".length), t.data as Float64Array);
  assert.equal([...want.keys()].sort(), [...weights.keys()].sort());
  for (const p of ir.params)
    assert.equal(
      ref.get(`grad.${p.path}`)!.shape,
      [...p.shape],
      `${p.path}: torch's gradient has another shape than the IR's parameter`,
    );

  const failures: string[] = [];
  for (const [name, e] of [
    ["onnx", ort!],
    ["tfjs-wasm", tfjs!],
  ] as const) {
    const { loss, grads } = await irGrads(e, ir, { video, text, labels, weights, seed: 0, smoothing: SMOOTHING });
    const { whole, worst, per } = gradErrors(grads, want);
    const lossRel = Math.abs(loss - torchLoss) / Math.abs(torchLoss);
    const top = [...per]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([p, r]) => `${p} ${r.toExponential(2)}`)
      .join(", ");
    report.push(
      `${tag} ${name}: ${per.size} parameters; max over parameters of max|a-b|/max|b| ${worst.rel.toExponential(2)} (${worst.path}); whole vector ${whole.toExponential(2)}; loss ${lossRel.toExponential(2)}; worst: ${top}`,
    );
    if (!(worst.rel <= 1e-4)) failures.push(`${tag} ${name}: ${worst.path} off by ${worst.rel} relative`);
    if (!(whole <= 1e-4)) failures.push(`${tag} ${name}: ${whole} relative over all gradients`);
    if (!(lossRel <= 1e-5)) failures.push(`${tag} ${name}: loss ${loss} against torch's ${torchLoss}`);
  }
  return failures;
}

it("the official fixture's X-CLIP (123 parameters): IR gradients match torch's float64 autograd within 1e-4 relative, on ONNX Runtime and tfjs-wasm", async () => {
  const { ir } = compileWith("models/xclip.mdl", WEIGHTS); // the checkpoint is the only option
  assert.is(ir.params.length, 123);
  const official = readSafetensors(IO).tensors.get("out.logits")!;
  assert.equal(await compare("xclip-tiny-e64", ir, WEIGHTS, IO, official), []);
});

it("--preset tiny (98 parameters), mdl's random weights: IR gradients match torch's float64 autograd within 1e-4 relative", async () => {
  const ir = compileModel("models/xclip.mdl", { preset: "tiny" });
  assert.is(ir.params.length, 98);
  const weights = join(tmp, "tiny-w.safetensors");
  const inputs = join(tmp, "tiny-in.safetensors");
  await randomWeights(ir, 3, weights);
  randomInputs(ir, 5, inputs);
  assert.equal(await compare("preset-tiny", ir, weights, inputs), []);
});

test.after(() => {
  if (tfjs) useEngine(tfjs);
  rmSync(tmp, { recursive: true, force: true });
  if (report.length) console.log("\n" + report.join("\n"));
});

test.run();
