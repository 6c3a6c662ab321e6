import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import type { Checkpoint } from "../../src/runtime/weights/checkpoint.ts";
import { identify } from "../../src/runtime/weights/identify.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { FIXTURES } from "./helpers.ts";

/** The hyperparameters the official code's fixture config records (written beside the weights by torch). */
const config = (dir: string) =>
  JSON.parse(readFileSync(`${FIXTURES}/${dir}/config.json`, "utf8")).hyperparameters as Record<string, number>;
const tiny = (h: Record<string, number>) =>
  `ViT, patch ${h.vision_patch_size}, width ${h.vision_width}, ${h.vision_layers}+${h.transformer_layers} layers`;
const clipHyper = (h: Record<string, number>) => ({
  vocab: h.vocab_size,
  context: h.context_length,
  text_width: h.transformer_width,
  text_layers: h.transformer_layers,
  embed: h.embed_dim,
  width: h.vision_width,
  layers: h.vision_layers,
  patch: h.vision_patch_size,
  resolution: h.image_resolution,
});

test("clip-tiny: a tiny CLIP in OpenAI's names, every size as the fixture's config records it", () => {
  const h = config("clip-tiny");
  const id = identify(loadCheckpoint(`${FIXTURES}/clip-tiny/weights.pth`));
  assert.is(id.description, `CLIP ${tiny(h)} (OpenAI layout)`);
  assert.is(id.family, "clip");
  assert.equal(id.hyper, clipHyper(h));
});

test("xclip-tiny-e64: frames, MIT and prompt layers; the fp16 file and the training checkpoint say the same model", () => {
  const h = config("xclip-tiny-e64");
  const model = `X-CLIP (${tiny(h)}), ${h.T} frames, MIT ${h.mit_layers} layer${h.mit_layers === 1 ? "" : "s"}, prompts ${h.prompts_layers} layers`;
  for (const f of ["weights.safetensors", "weights-fp16.pth"]) {
    const id = identify(loadCheckpoint(`${FIXTURES}/xclip-tiny-e64/${f}`));
    assert.is(id.description, `${model} (official X-CLIP layout)`, f);
    assert.equal(
      id.hyper,
      { ...clipHyper(h), frames: h.T, mit_layers: h.mit_layers, prompts_layers: h.prompts_layers },
      f,
    );
  }
  const wrapped = identify(loadCheckpoint(`${FIXTURES}/xclip-tiny-e64/checkpoint-official-layout.pth`));
  assert.is(wrapped.description, `${model} (official X-CLIP layout, under \`model\` of a training checkpoint)`);
});

test("clip-e64 as OpenAI's names, Hugging Face's and an open_clip checkpoint: one model, three origins", () => {
  // clip-e64 is the CLIP part of xclip-tiny-e64 (clip-e64/make.py), so that config holds its sizes.
  const model = `CLIP ${tiny(config("xclip-tiny-e64"))}`;
  const cases: [string, string][] = [
    ["clip-e64/weights.pth", "OpenAI layout"],
    ["clip-e64/hf/model.safetensors", "Hugging Face layout"],
    ["clip-e64/hf-sharded/model.safetensors.index.json", "Hugging Face layout"],
    ["clip-e64/openclip/epoch_1.pt", "open_clip checkpoint"],
  ];
  for (const [file, origin] of cases)
    assert.is(identify(loadCheckpoint(`${FIXTURES}/${file}`)).description, `${model} (${origin})`, file);
});

/** A checkpoint's names and shapes as a model file's presets declare them (OpenAI's and X-CLIP's released configs). */
function declared(model: string, preset: string): Checkpoint {
  const r = compile(model, fsHost, { preset });
  assert.ok(r.value, r.diagnostics.map((d) => d.message).join("\n"));
  const tensors = new Map(
    r.value!.params.map((p) => [p.path, { dtype: "f32" as const, shape: p.shape, data: new Float32Array(0) }]),
  );
  return { file: preset, format: "safetensors", tensors, sourceDtypes: new Map(), notes: [], layout: "official" };
}

test("released sizes by name: patch and width give B/32, B/16, L/14, and the image size L/14@336", () => {
  for (const preset of ["B/32", "B/16", "L/14", "L/14@336"])
    assert.is(identify(declared("models/clip.mdl", preset)).description, `CLIP ViT-${preset} (OpenAI layout)`);
  const id = identify(declared("models/xclip.mdl", "B/32"));
  // The official training path's defaults (spec §7): 8 frames, mit_layers 1, prompts_layers 2.
  assert.is(id.description, "X-CLIP ViT-B/32, 8 frames, MIT 1 layer, prompts 2 layers (official X-CLIP layout)");
  assert.is(
    identify(declared("models/xclip.mdl", "L/14@336")).model,
    "X-CLIP ViT-L/14@336, 8 frames, MIT 1 layer, prompts 2 layers",
  );
});

test("OpenAI's ResNet towers by their blocks per stage (ResNet-50: 3, 4, 6, 3), beside a CLIP text tower", () => {
  const text = [...loadCheckpoint(`${FIXTURES}/clip-e64/weights.pth`).tensors].filter(
    ([k]) => !k.startsWith("visual."),
  );
  const tensors = new Map(text);
  const blocks = [3, 4, 6, 3];
  blocks.forEach((n, i) => {
    for (let j = 0; j < n; j++)
      tensors.set(`visual.layer${i + 1}.${j}.conv1.weight`, {
        dtype: "f32",
        shape: [1, 1, 1, 1],
        data: new Float32Array(1),
      });
  });
  tensors.set("visual.attnpool.c_proj.weight", { dtype: "f32", shape: [1, 1], data: new Float32Array(1) });
  assert.is(identify({ tensors, layout: "official" }).description, "CLIP RN50 (OpenAI layout)");
  tensors.delete("visual.layer4.2.conv1.weight");
  assert.is(identify({ tensors, layout: "official" }).model, "CLIP ResNet, 3-4-6-2 blocks");
});

test("tensors that are no CLIP are unrecognised", () => {
  const id = identify(loadCheckpoint(`${FIXTURES}/clip-tiny/io.safetensors`));
  assert.equal([id.family, id.description, id.hyper], ["unrecognised", "unrecognised", {}]);
});

const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { encoding: "utf8" });

test("mdl weights says the format, the dtype mix, the parameter count and the model", () => {
  const r = mdl("weights", `${FIXTURES}/xclip-tiny-e64/weights-fp16.pth`);
  assert.is(r.status, 0, r.stderr);
  const raw = readFileSync(`${FIXTURES}/xclip-tiny-e64/weights.safetensors`);
  const header = JSON.parse(raw.subarray(8, 8 + Number(raw.readBigUInt64LE(0))).toString());
  delete header.__metadata__;
  const entries = Object.values(header as Record<string, { shape: number[] }>);
  const count = entries.reduce((n, e) => n + e.shape.reduce((a, b) => a * b, 1), 0);
  const [first, second] = r.stdout.split("\n");
  assert.is(
    first,
    `${FIXTURES}/xclip-tiny-e64/weights-fp16.pth: PyTorch zip (torch.save), ${entries.length} tensors (f16 ×${entries.length}), ${count.toLocaleString("en-US")} parameters`,
  );
  assert.match(
    second,
    /^model: X-CLIP \(ViT, patch 8, width 64, 2\+2 layers\), 4 frames, MIT 1 layer, prompts 2 layers \(official X-CLIP layout\)$/,
  );
});

test("mdl weights --json on an open_clip checkpoint: format, model, dtypes, what its training wrapper held", () => {
  const r = mdl("weights", `${FIXTURES}/clip-e64/openclip/epoch_1.pt`, "--json");
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  // Independent count: the HF file's header (same weights, q/k/v split, int64 position_ids beside them).
  const raw = readFileSync(`${FIXTURES}/clip-e64/hf/model.safetensors`);
  const header = JSON.parse(raw.subarray(8, 8 + Number(raw.readBigUInt64LE(0))).toString()) as Record<
    string,
    { dtype: string; shape: number[] }
  >;
  const floats = Object.entries(header).filter(([k, e]) => k !== "__metadata__" && e.dtype === "F32");
  assert.is(
    out.parameters,
    floats.reduce((n, [, e]) => n + e.shape.reduce((a, b) => a * b, 1), 0),
  );
  assert.equal(out.dtypes, { f32: out.tensors.length });
  assert.is(out.format, "pth-zip");
  assert.is(out.layout, "official");
  assert.is(out.model.origin, "open_clip checkpoint");
  assert.is(out.model.family, "clip");
  assert.is(out.model.hyper.patch, 8);
});

test("mdl weights on OpenAI's fp16 TorchScript file: the f16/f32 mix convert_weights leaves, as torch listed it", () => {
  const io = JSON.parse(readFileSync(`${FIXTURES}/clip-tiny/openai-jit-io.json`, "utf8"))["openai-jit-fp16.pt"] as {
    dtypes: Record<string, string>;
    buffers: string[];
  };
  const short: Record<string, string> = { float16: "f16", float32: "f32" };
  const want: Record<string, number> = {};
  for (const [name, d] of Object.entries(io.dtypes))
    if (!io.buffers.includes(name)) want[short[d]] = (want[short[d]] ?? 0) + 1;
  const r = mdl("weights", `${FIXTURES}/clip-tiny/openai-jit-fp16.pt`, "--json");
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.dtypes, want);
  assert.is(out.model.description, `CLIP ${tiny(config("clip-tiny"))} (OpenAI layout)`);
});

test("mdl weights on the HF file shows its safetensors metadata and the layout it was mapped from", () => {
  const r = mdl("weights", `${FIXTURES}/clip-e64/hf/model.safetensors`);
  assert.is(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^test\/fixtures\/clip-e64\/hf\/model\.safetensors: safetensors \(format: pt\), 62 tensors \(f32 ×62\), /,
  );
  assert.match(r.stdout, /\nmodel: CLIP ViT, patch 8, width 64, 2\+2 layers \(Hugging Face layout\)\n/);
});

test.run();
