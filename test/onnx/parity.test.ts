/**
 * The official numbers on ONNX Runtime: every fixture, every weight file, every output and every named
 * intermediate against the PyTorch reference (io.safetensors), ||ours - ref|| / ||ref|| <= 1e-5 per tensor,
 * through the exported graph (test/run/parity.test.ts does the same on tfjs). From fp16 weights the
 * tolerance and the logits' cosine comparison are those of test/run/parity.test.ts, for the reasons given there.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { createSession } from "../../src/runtime/onnx/session.ts";
import { INPUT_PREFIX } from "../../src/runtime/run/model-inputs.ts";
import { toFloat32, type HostTensor } from "../../src/runtime/weights/tensor.ts";
import { FIXTURES, compileWith, interNode } from "../run/helpers.ts";
import { checkpointWeights } from "../../src/runtime/run/load-params.ts";
import { hostRelError } from "./helpers.ts";

const FILES = [
  "weights.safetensors",
  "weights.pth",
  "weights-legacy.pth",
  "checkpoint-official-layout.pth",
  "weights-fp16.pth",
];
const CASES: [string, string][] = [
  ["xclip-tiny-e64", "models/xclip.mdl"],
  ["xclip-tiny-e128", "models/xclip.mdl"],
  ["xclip-tiny-mixed", "models/xclip.mdl"],
  ["clip-tiny", "models/clip.mdl"],
];

const worst: string[] = [];

for (const [fixture, model] of CASES) {
  const dir = `${FIXTURES}/${fixture}`;
  const io = readSafetensors(`${dir}/io.safetensors`).tensors;
  const weights32 = readSafetensors(`${dir}/weights.safetensors`).tensors;
  for (const file of FILES.filter((f) => existsSync(`${dir}/${f}`))) {
    const fp16 = file.includes("fp16");
    const tol = fp16 ? 1e-3 : 1e-5;
    test(`${fixture}/${file} on ONNX Runtime: every output and intermediate within ${tol}`, async () => {
      const { ir, ckpt } = compileWith(model, `${dir}/${file}`);
      const inters = [...io.keys()].filter((n) => n.startsWith("inter."));
      const session = await createSession(ir, {
        weights: checkpointWeights(ir, ckpt, { strict: true }).weights,
        extraOutputs: inters.map((name) => ({ name, node: interNode(ir, name) })),
        threads: 1,
      });
      const inputs: Record<string, HostTensor> = {};
      for (const p of ir.graph.inputs) inputs[p.name] = io.get(INPUT_PREFIX + p.name)!;
      const out = await session.run(inputs);
      await session.dispose();
      const errors: [string, number][] = [];
      const cosines: number[] = [];
      for (const [name, ref] of io) {
        if (!name.startsWith("inter.") && !name.startsWith("out.")) continue;
        const ours = out[name.startsWith("out.") ? name.slice(4) : name];
        assert.ok(ours, `${name}: no such output`);
        if (fp16 && name.startsWith("out.logits")) {
          const scale = (t: HostTensor) => Math.exp(toFloat32(t)[0]);
          const [a, r] = [toFloat32(ours), toFloat32(ref)];
          const [sa, sr] = [scale(ckpt.tensors.get("logit_scale")!), scale(weights32.get("logit_scale")!)];
          cosines.push(Math.max(...Array.from(r, (v, i) => Math.abs(a[i] / sa - v / sr))));
        } else errors.push([name, hostRelError(ours, ref, name)]);
      }
      assert.ok(
        cosines.every((e) => e <= 4e-3),
        `cosine errors ${cosines}`,
      );
      assert.equal(
        errors.filter(([, e]) => !(e <= tol)),
        [],
        `relative errors above ${tol}`,
      );
      const [name, e] = errors.reduce((a, b) => (b[1] > a[1] ? b : a));
      worst.push(
        `${fixture}/${file}: ${errors.length + cosines.length} tensors, worst ${e.toExponential(2)} (${name})`,
      );
    });
  }
}

test("worst relative error per fixture and file on ONNX Runtime (printed)", () => {
  assert.ok(worst.length >= 8);
  console.log("\n" + worst.join("\n"));
});

test.run();
