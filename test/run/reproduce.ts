/**
 * One checkpoint against a fixture's PyTorch reference (io.safetensors): compile the model with the checkpoint
 * as its only option, run it, and compare every output and named intermediate. Shared by the parity test
 * (the fixtures' own files) and the training-checkpoint test (files written around the same tensors).
 */
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { disposeAll } from "../../src/runtime/run/io-tensors.ts";
import { toModelInputs } from "../../src/runtime/run/model-inputs.ts";
import { createRunner } from "../../src/runtime/run/runner.ts";
import { FIXTURES, compileWith, cosineError, interNode, relError } from "./helpers.ts";

/**
 * ||ours - ref|| / ||ref|| <= 1e-5 for every tensor; from fp16 weights 1e-3, and the logits as cosines within
 * 4e-3 (see parity.test.ts for why). Returns a one-line account of the worst error.
 */
export async function assertReproduces(
  fixture: string,
  model: string,
  weights: string,
  fp16: boolean,
): Promise<string> {
  const dir = `${FIXTURES}/${fixture}`;
  const io = readSafetensors(`${dir}/io.safetensors`).tensors;
  const tol = fp16 ? 1e-3 : 1e-5;
  const before = tf.memory().numTensors;
  const { ir, ckpt } = compileWith(model, weights);
  const runner = createRunner(ir, ckpt, { strict: true });
  assert.is(runner.coverage.loaded.length, ir.params.length);
  const refs = [...io].filter(([name]) => name.startsWith("inter.") || name.startsWith("out."));
  const inters = refs.filter(([name]) => name.startsWith("inter."));
  const keep = inters.map(([name]) => interNode(ir, name));
  const inputs = toModelInputs(ir, io, `${dir}/io.safetensors`);
  const { outputs, kept } = await runner.run(inputs, keep);
  const errors: [string, number][] = [];
  const cosines: number[] = [];
  for (const [name, ref] of refs) {
    const ours = name.startsWith("out.")
      ? outputs[name.slice(4)]
      : kept.get(keep[inters.findIndex(([n]) => n === name)]);
    assert.ok(ours, `${name}: no such output`);
    if (fp16 && name.startsWith("out.logits")) {
      const scale = (t: { data: unknown }) => Math.exp((t.data as Float32Array)[0]);
      const weights32 = readSafetensors(`${dir}/weights.safetensors`).tensors;
      cosines.push(
        cosineError(ours!, ref, scale(ckpt.tensors.get("logit_scale")!), scale(weights32.get("logit_scale")!)),
      );
    } else errors.push([name, relError(ours!, ref, name)]);
  }
  assert.ok(
    cosines.every((e) => e <= 4e-3),
    `cosine errors ${cosines}`,
  );
  const bad = errors.filter(([, e]) => !(e <= tol));
  assert.equal(bad, [], `relative errors above ${tol}`);
  const [name, e] = errors.reduce((a, b) => (b[1] > a[1] ? b : a));
  const cos = cosines.length ? `; logits' cosine max abs error ${Math.max(...cosines).toExponential(2)}` : "";
  disposeAll(inputs);
  disposeAll(outputs);
  for (const t of kept.values()) t.dispose();
  await runner.dispose();
  assert.is(tf.memory().numTensors, before, "tensors left behind");
  return `${errors.length + cosines.length} tensors, worst ${e.toExponential(2)} (${name})${cos}`;
}
