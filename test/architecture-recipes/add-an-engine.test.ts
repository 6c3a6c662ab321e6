/**
 * docs/architecture.md's "add an engine", followed on a scratch tree: `mdl predict --runtime traced` runs a model
 * through the run path (runner, io-tensors) on the new engine, which says what it compiles, and writes the
 * values the model defines; the folder-edge list allows the engine's imports (test/architecture passes). Before
 * the recipe, `--runtime traced` is a usage error; before its layers.ts step, test/architecture fails naming the engine.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readSafetensors, writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { toFloat32 } from "../../src/runtime/weights/tensor.ts";
import { ortMissing } from "../../src/runtime/onnx/session.ts";
import { needs } from "../helpers/requires.ts";
import { applyStep, ARCHITECTURE, architectureTest, mdl, recipeSteps, scratchTree } from "./recipe.ts";

const TITLE = "add an engine";

const MODEL = `model Squash {
  forward(x: [2, 3]) -> [2, 3] {
    return tanh(x) * 2 + 1
  }
}
`;

needs(test, await ortMissing())(
  "add an engine: mdl predict runs a model on it, and only once it is a --runtime",
  () => {
    const steps = recipeSteps(TITLE);
    assert.equal(
      steps.map((s) => s.file),
      ["src/runtime/traced/engine.ts", "src/cli/options.ts", "test/architecture/layers.ts"],
    );
    const { root, done } = scratchTree(ARCHITECTURE);
    try {
      const x = Float32Array.from([-2, -0.5, 0, 0.25, 1, 3]);
      writeFileSync(join(root, "squash.mdl"), MODEL);
      writeSafetensors(join(root, "in.safetensors"), new Map([["input.x", { dtype: "f32", shape: [2, 3], data: x }]]));
      const args = [
        "predict",
        "squash.mdl",
        "--inputs",
        "in.safetensors",
        "--out",
        "out.safetensors",
        "--runtime",
        "traced",
      ];

      const before = mdl(root, args);
      assert.is(before.status, 2, before.stdout + before.stderr);
      assert.match(before.stderr, /--runtime must be one of onnx, tfjs, got `traced`/);

      applyStep(root, steps[0], TITLE);
      applyStep(root, steps[1], TITLE);
      const unlisted = architectureTest(root);
      assert.is.not(unlisted.status, 0, "test/architecture passed with an engine folder layers.ts does not list");
      assert.match(unlisted.stdout + unlisted.stderr, /src\/runtime\/traced/);
      applyStep(root, steps[2], TITLE);
      const layers = architectureTest(root);
      assert.is(layers.status, 0, layers.stdout.slice(-3000) + layers.stderr);

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
  },
);

test.run();
