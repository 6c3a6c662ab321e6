/**
 * Exported files pass ONNX's own checker (full_check) and ONNX's shape inference agrees with mdl's shapes
 * for every IR value: exactly when the batch symbols are bound, and wherever it knows a dim when they stay
 * dynamic (`B`, `K` as dim_param). Needs Debian's python3-onnx; skipped with the reason elsewhere.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evalDim } from "../../src/compiler/0-core/dim.ts";
import type { ModelIR } from "../../src/compiler/0-core/schema.ts";
import { lowerToOnnx, type LowerOptions, type TorchTensor } from "../../src/runtime/onnx/lower.ts";
import { writeModel } from "../../src/runtime/onnx/model.ts";
import { createSession } from "../../src/runtime/onnx/session.ts";
import { needs, TORCH_PYTHON } from "../helpers/requires.ts";
import { compileWith, FIXTURES } from "../run/helpers.ts";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";

const onnxMissing = (() => {
  const r = spawnSync(TORCH_PYTHON, ["-c", "import onnx"], { encoding: "utf8" });
  return r.status === 0 ? undefined : `${TORCH_PYTHON} cannot import onnx (apt-get install python3-onnx)`;
})();
const withOnnx = needs(test, onnxMissing);
const dir = mkdtempSync(join(tmpdir(), "mdl-onnx-test-"));

type Shapes = Record<string, (number | string | null)[] | null>;

function inferShapes(ir: ModelIR, opts: LowerOptions, name: string): { shapes: Shapes; valueOf: Map<number, string> } {
  const g = lowerToOnnx(ir, opts);
  const path = join(dir, `${name}.onnx`);
  writeModel(path, g);
  const r = spawnSync(TORCH_PYTHON, ["test/onnx/infer-shapes.py", path], { encoding: "utf8", maxBuffer: 1 << 28 });
  assert.is(r.status, 0, `the ONNX checker refused ${name}: ${r.stderr}`);
  return { shapes: JSON.parse(r.stdout).shapes, valueOf: g.valueOf };
}

/** Zeros for every parameter: shapes are all a shape test needs, and zeros cost nothing to make. */
const zeros = (ir: ModelIR) =>
  new Map<string, TorchTensor>(
    ir.params.map((p) => [p.path, { shape: p.shape, data: new Float32Array(p.shape.reduce((a, d) => a * d, 1)) }]),
  );

function compareBound(ir: ModelIR, env: Record<string, number>, name: string) {
  const { shapes, valueOf } = inferShapes(ir, { weights: zeros(ir), fixed: env }, `${name}-bound`);
  let n = 0;
  for (const node of ir.graph.nodes) {
    const want = node.type.shape.map((d) => evalDim(d, env));
    const got = shapes[valueOf.get(node.id)!];
    // a linear weight is exported [in, out], once
    const laid = node.op === "param" && want.length === 2 && got?.join() === [...want].reverse().join();
    if (!laid) assert.equal(got, want, `${name}: ${node.op} ${node.id} in ${node.scope}`);
    n++;
  }
  return n;
}

function compareDynamic(ir: ModelIR, name: string) {
  const { shapes, valueOf } = inferShapes(ir, { weights: zeros(ir) }, `${name}-dynamic`);
  let known = 0;
  for (const node of ir.graph.nodes) {
    const got = shapes[valueOf.get(node.id)!];
    if (!got || node.op === "param") continue;
    const want = node.type.shape;
    assert.is(got.length, want.length, `${name}: rank of ${node.op} ${node.id} in ${node.scope}`);
    got.forEach((d, i) => {
      if (d === null || (typeof d === "string" && d.startsWith("unk__"))) return;
      assert.is(d, want[i], `${name}: dim ${i} of ${node.op} ${node.id} in ${node.scope}: [${got}] against [${want}]`);
      known++;
    });
  }
  for (const p of [...ir.graph.inputs, ...ir.graph.outputs])
    assert.equal(shapes[p.name], p.type.shape, `port ${p.name}`);
  return known;
}

for (const [fixture, model] of [
  ["xclip-tiny-e64", "models/xclip.mdl"],
  ["clip-tiny", "models/clip.mdl"],
]) {
  withOnnx(`${fixture}: passes the checker; inferred shapes equal mdl's, bound and dynamic`, () => {
    const { ir } = compileWith(model, `${FIXTURES}/${fixture}/weights.safetensors`);
    assert.ok(compareBound(ir, { B: 2, K: 3 }, fixture) > 100);
    assert.ok(compareDynamic(ir, fixture) > 100);
  });
}

withOnnx("X-CLIP-B/32 at frames=16: the exported graph has the shapes mdl's summary gives", () => {
  const r = compile("models/xclip.mdl", fsHost, { preset: "B/32", set: [["frames", "16"]] });
  assert.ok(r.value);
  const ir = r.value!;
  assert.equal(ir.graph.inputs.find((p) => p.name === "video")!.type.shape, ["B", 16, 3, 224, 224]);
  assert.ok(compareBound(ir, { B: 1, K: 2 }, "xclip-b32-t16") > 1000);
});

withOnnx(
  "conv1d, conv3d tubelet, grouped/dilated conv2d and pad: ONNX's shape inference agrees, bound and dynamic",
  () => {
    const r = compile("test/ir/samples/video-ops/input.mdl", fsHost);
    assert.ok(r.value);
    assert.ok(compareBound(r.value!, { B: 2 }, "video-ops") > 15);
    assert.ok(compareDynamic(r.value!, "video-ops") > 15);
  },
);

test("batch symbols stay dynamic: one file runs at two batch sizes", async () => {
  const { ir } = compileWith("models/clip.mdl", `${FIXTURES}/clip-tiny/weights.safetensors`);
  const session = await createSession(ir, { threads: 1 });
  const image = ir.graph.inputs.find((p) => p.name === "image")!.type.shape;
  const context = ir.graph.inputs.find((p) => p.name === "text")!.type.shape[1] as number;
  for (const [b, k] of [
    [1, 2],
    [3, 5],
  ]) {
    const size = (image.slice(1) as number[]).reduce((a, d) => a * d, b);
    const text = new BigInt64Array(k * context);
    for (let i = 0; i < k; i++) [text[i * context], text[i * context + 1 + i]] = [1n, 5n];
    const out = await session.run({
      image: { dtype: "f32", shape: [b, ...(image.slice(1) as number[])], data: new Float32Array(size).fill(0.1) },
      text: { dtype: "i64", shape: [k, context], data: text },
    });
    assert.equal(out.logits_per_image.shape, [b, k]);
  }
  await session.dispose();
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
