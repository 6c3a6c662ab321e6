/**
 * Binding hyperparameters from checkpoint shapes, against the official fixtures: the values solved
 * from each weight file's header equal its config.json (written by the PyTorch code that made it),
 * and the compiled IR declares exactly the file's tensors with the file's shapes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { loadCheckpoint, shapesOf } from "../../src/runtime/weights/load.ts";
import { compileText, MODELS, rendered } from "../compiler/helpers.ts";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";

const FIX = "test/fixtures";
// config.json names -> the models' hyperparameter names
const names: Record<string, string> = {
  embed_dim: "embed",
  vision_width: "width",
  vision_layers: "layers",
  vision_patch_size: "patch",
  image_resolution: "resolution",
  T: "frames",
  context_length: "context",
  vocab_size: "vocab",
  transformer_width: "text_width",
  transformer_layers: "text_layers",
  mit_layers: "mit_layers",
  prompts_layers: "prompts_layers",
};

/** Shapes straight from the safetensors header (JSON after an 8-byte length), independent of the loader. */
function headerShapes(file: string): Map<string, number[]> {
  const raw = readFileSync(file);
  const header = JSON.parse(raw.subarray(8, 8 + Number(raw.readBigUInt64LE(0))).toString()) as Record<
    string,
    { shape: number[] }
  >;
  delete header.__metadata__;
  return new Map(Object.entries(header).map(([k, v]) => [k, v.shape]));
}

const cases = [
  ["xclip-tiny-e64", "models/xclip.mdl"],
  ["xclip-tiny-e128", "models/xclip.mdl"],
  ["xclip-tiny-mixed", "models/xclip.mdl"],
  ["clip-tiny", "models/clip.mdl"],
] as const;

for (const [fixture, model] of cases) {
  test(`${fixture}: hyperparameters bound from the weights equal config.json, and the IR's parameters equal the file's`, () => {
    const file = `${FIX}/${fixture}/weights.safetensors`;
    const shapes = shapesOf(loadCheckpoint(file));
    const r = compile(model, memoryHost(MODELS), { weights: { file, shapes } });
    assert.equal(rendered(r), "", "binds and compiles cleanly");
    const ir = r.value!;
    const config = JSON.parse(readFileSync(`${FIX}/${fixture}/config.json`, "utf8")).hyperparameters as Record<
      string,
      number
    >;
    const hyper = new Map(ir.hyper.map((h) => [h.name, h]));
    let compared = 0;
    for (const [key, name] of Object.entries(names)) {
      if (!(key in config) || !hyper.has(name)) continue;
      assert.is(hyper.get(name)!.value, config[key], `${name} (${key})`);
      compared++;
    }
    assert.ok(compared >= (model.includes("xclip") ? 12 : 9), `compared ${compared} hyperparameters`);
    // the values came from the checkpoint, not from defaults that happen to agree
    assert.is(hyper.get("embed")!.source, "checkpoint");

    const header = headerShapes(file);
    assert.equal(ir.params.map((p) => p.path).sort(), [...header.keys()].sort(), "the same tensor names");
    for (const p of ir.params) assert.equal(p.shape, header.get(p.path), p.path);
  });
}

test("X-CLIP with --set frames=16 against the e64 weights: the conflict names the tensor and the value it implies", () => {
  const file = `${FIX}/xclip-tiny-e64/weights.safetensors`;
  const r = compile("models/xclip.mdl", memoryHost(MODELS), {
    set: [["frames", "16"]],
    weights: { file, shapes: shapesOf(loadCheckpoint(file)) },
  });
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  assert.equal(
    errors.map((d) => d.code),
    ["MDL314"],
  );
  assert.match(
    errors[0].message,
    "`frames` is 16 (--set), but `mit.positional_embedding` with shape [1, 4, 64] implies frames = 4",
  );
  assert.is(errors[0].file, "models/xclip.mdl");
  assert.is(r.value, undefined);
});

test("a preset that disagrees with the checkpoint is named as the source of the conflict", () => {
  const file = `${FIX}/clip-tiny/weights.safetensors`;
  const r = compile("models/clip.mdl", memoryHost(MODELS), {
    preset: "tiny",
    weights: { file, shapes: shapesOf(loadCheckpoint(file)) },
  });
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  assert.ok(errors.length > 0 && errors.every((d) => d.code === "MDL314"), rendered(r));
  // tiny says embed 64 and width 64; the fixture has 96 and 128
  assert.ok(
    errors.some((d) => d.message.startsWith("`embed` is 64 (preset tiny)") && d.message.includes("embed = 96")),
    rendered(r),
  );
  assert.ok(
    errors.some((d) => d.message.startsWith("`width` is 64 (preset tiny)") && d.message.includes("width = 128")),
    rendered(r),
  );
});

test("a model without the checkpoint binds nothing: defaults stay, and their source says so", () => {
  const r = compileText('import { XCLIP } from "models/xclip.mdl"\nmodel V extends XCLIP {}');
  assert.equal(rendered(r), "");
  assert.equal(
    r.value!.hyper.find((h) => h.name === "frames")!,
    { name: "frames", type: "int", value: 8, source: "default" },
  );
});

test.run();
