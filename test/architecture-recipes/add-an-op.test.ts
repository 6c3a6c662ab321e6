/**
 * docs/architecture.md's "add an op", followed on a scratch tree: after its steps, `softsign(x)` compiles in a
 * .mdl, its value on tfjs-wasm and on ONNX Runtime equals the float64 reference the recipe added, the PyTorch
 * export calls its kernel, every kernel table has it, and `npm run gen`'s docs/primitives.md lists it. Before
 * the kernel step for ONNX Runtime, the same check fails on that engine only; before the recipe, nothing compiles.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyStep, recipeSteps, scratchTree, tsx } from "./recipe.ts";

const TITLE = "add an op";

/** Compiles softsign in a .mdl and runs it on every engine; prints one JSON line. */
const CHECK = String.raw`
import { compile } from "./src/compiler/compile.ts";
import { memoryHost } from "./src/compiler/2-resolve/host.ts";
import { initBackend } from "./src/runtime/tfjs/backend.ts";
import { tfjsEngine } from "./src/runtime/tfjs/engine.ts";
import { createOnnxEngine } from "./src/runtime/onnx/engine.ts";
import { generateTorch } from "./src/runtime/torch/generate.ts";
import { kernelTables } from "./src/runtime/kernel-tables.ts";
import { reference } from "./test/ops/reference.ts";

const text = "model Soft {\n  forward(x: [3, 4]) -> [3, 4] {\n    return softsign(x) * 2\n  }\n}\n";
const r = compile("soft.mdl", memoryHost({ "soft.mdl": text }));
const out = { diagnostics: r.diagnostics.map((d) => d.code + " " + d.message), engines: {}, torch: false, tables: {} };
if (r.value) {
  const ir = r.value;
  const x = Float32Array.from({ length: 12 }, (_, i) => (i - 5.5) * 0.9);
  const want = reference.softsign([{ shape: [3, 4], data: Float64Array.from(x) }]).data.map((v) => v * 2);
  await initBackend({ backend: "wasm", threads: 1 });
  for (const [name, start] of [["tfjs", async () => tfjsEngine], ["onnx", () => createOnnxEngine({ threads: 1 })]]) {
    try {
      const e = await start();
      const program = await e.compile(ir);
      const y = await program.run({ x: e.fromHost({ dtype: "f32", shape: [3, 4], data: x }) }, new Map());
      const got = (await e.read(y[ir.graph.outputs[0].name])).data;
      out.engines[name] = Math.max(...want.map((w, i) => Math.abs(got[i] - w)));
    } catch (err) {
      out.engines[name] = String(err?.message ?? err).split("\n")[0];
    }
  }
  out.torch = generateTorch(ir, { source: () => undefined }).includes("F.softsign(");
  for (const [name, load] of Object.entries(kernelTables)) out.tables[name] = "softsign" in (await load());
}
console.log(JSON.stringify(out));
`;

test("add an op: softsign compiles, runs on tfjs and ONNX Runtime as its reference says, and is listed", () => {
  const steps = recipeSteps(TITLE);
  assert.equal(
    steps.map((s) => s.file),
    [
      "src/compiler/ops/elementwise.ts",
      "src/compiler/ops/table.ts",
      "src/compiler/ops/samples.ts",
      "test/ops/reference.ts",
      "src/runtime/tfjs/ops/index.ts",
      "src/runtime/onnx/kernels.ts",
      "src/runtime/torch/ops.ts",
    ],
    "the recipe's seven hand-edited files",
  );
  const { root, done } = scratchTree();
  try {
    writeFileSync(join(root, "check-op.ts"), CHECK);
    const run = () => {
      const r = tsx(root, "check-op.ts");
      assert.is(r.status, 0, r.stderr);
      return JSON.parse(r.stdout.trim().split("\n").pop()!);
    };
    // every step but ONNX Runtime's kernel: the op compiles and runs on tfjs, not on ONNX Runtime (whose table
    // lacks it: the type checker says so in a typed build, the lowering throws here)
    const onnx = steps.findIndex((s) => s.file === "src/runtime/onnx/kernels.ts");
    steps.forEach((s, i) => i !== onnx && applyStep(root, s, TITLE));
    const partial = run();
    assert.equal(partial.diagnostics, []);
    assert.ok(partial.engines.tfjs < 1e-6, `tfjs: ${partial.engines.tfjs}`);
    assert.type(partial.engines.onnx, "string", "ONNX Runtime ran softsign without its kernel");
    assert.equal(partial.tables, { tfjs: true, onnx: false, torch: true });

    applyStep(root, steps[onnx], TITLE);
    const full = run();
    assert.equal(full.diagnostics, []);
    assert.ok(full.engines.tfjs < 1e-6, `tfjs: ${full.engines.tfjs}`);
    assert.ok(full.engines.onnx < 1e-6, `onnx: ${full.engines.onnx}`);
    assert.ok(full.torch, "the PyTorch export does not call F.softsign");
    assert.equal(full.tables, { tfjs: true, onnx: true, torch: true });

    // step 6: npm run gen's docs/primitives.md (only its generator: the CST and std generators do not read the table)
    const gen = spawnSync(process.execPath, ["--import", "tsx", "scripts/gen-primitives.ts"], {
      cwd: root,
      encoding: "utf8",
    });
    assert.is(gen.status, 0, gen.stderr);
    assert.match(readFileSync(join(root, "docs/primitives.md"), "utf8"), /softsign/);
  } finally {
    done();
  }
});

test("before the recipe, a model that calls softsign does not compile", () => {
  const { root, done } = scratchTree();
  try {
    writeFileSync(join(root, "check-op.ts"), CHECK);
    const r = tsx(root, "check-op.ts");
    assert.is(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.ok(
      out.diagnostics.some((d: string) => /softsign/.test(d)),
      out.diagnostics.join("\n"),
    );
  } finally {
    done();
  }
});

test.run();
