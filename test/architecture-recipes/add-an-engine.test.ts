/**
 * docs/architecture.md's "add an engine", followed on a scratch tree: `mdl predict --runtime traced` runs a model
 * through the run path (runner, io-tensors) on the new engine, which says what it compiles, and writes the
 * values the model defines. Before the recipe, `--runtime traced` is a usage error.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors, writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { toFloat32 } from "../../src/runtime/weights/tensor.ts";
import { ortMissing } from "../../src/runtime/onnx/session.ts";
import { needs } from "../helpers/requires.ts";
import { applyStep, mdl, recipeSteps, scratchTree } from "./recipe.ts";

const TITLE = "add an engine";

const MODEL = `model Squash {
  forward(x: [2, 3]) -> [2, 3] {
    return tanh(x) * 2 + 1
  }
}
`;

needs(test, await ortMissing())("add an engine: mdl predict runs a model on it, and only once it is a --runtime", () => {
  const steps = recipeSteps(TITLE);
  assert.equal(steps.map((s) => s.file), ["src/runtime/traced/engine.ts", "src/cli/options.ts"]);
  const { root, done } = scratchTree();
  try {
    const x = Float32Array.from([-2, -0.5, 0, 0.25, 1, 3]);
    writeFileSync(join(root, "squash.mdl"), MODEL);
    writeSafetensors(join(root, "in.safetensors"), new Map([["input.x", { dtype: "f32", shape: [2, 3], data: x }]]));
    const args = ["predict", "squash.mdl", "--inputs", "in.safetensors", "--out", "out.safetensors", "--runtime", "traced"];

    const before = mdl(root, args);
    assert.is(before.status, 2, before.stdout + before.stderr);
    assert.match(before.stderr, /--runtime must be one of onnx, tfjs, got `traced`/);

    for (const s of steps) applyStep(root, s, TITLE);
    const r = mdl(root, args);
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stderr, /^traced: compiling Squash, \d+ nodes$/m, "the run did not go through the new engine");
    const written = readSafetensors(join(root, "out.safetensors")).tensors;
    assert.equal([...written.keys()], ["out.out"]);
    const y = written.get("out.out")!;
    assert.equal(y.shape, [2, 3]);
    const got = toFloat32(y);
    x.forEach((v, i) => assert.ok(Math.abs(got[i] - (Math.tanh(v) * 2 + 1)) < 1e-6, `element ${i}: ${got[i]}`));
  } finally {
    done();
  }
});

test.run();
