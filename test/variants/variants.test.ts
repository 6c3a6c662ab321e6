// The four published video variants of issue 12, written in models/variants/: each checks under every
// preset (its own and the ones it inherits), summarises, diffs against X-CLIP, predicts at a frame count
// bound from the input alone, and trains for 20 tiny steps in which only the intended tensors change.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { readSafetensors, writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { initBackend } from "../../src/runtime/tfjs/backend.ts";
import { createParams, toTorchLayout } from "../../src/runtime/tfjs/lower.ts";
import { latestCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { cleanup, mdl, smallData, tinyIr } from "../session/helpers.ts";

const VARIANTS = {
  temporalConv: "models/variants/xclip-temporal-conv.mdl",
  timesformer: "models/variants/timesformer.mdl",
  actionclip: "models/variants/actionclip.mdl",
  adapters: "models/variants/xclip-adapters.mdl",
  evl: "models/variants/evl.mdl",
};
const dir = mkdtempSync(join(tmpdir(), "mdl-variants-"));
test.before(() => initBackend({ backend: "wasm", threads: 1 }).then(() => undefined));
test.after(() => {
  rmSync(dir, { recursive: true, force: true });
  cleanup();
});

/** Two videos of 4 frames (the tiny preset's default is 8) and three 16-token texts. */
const inputs = join(dir, "in.safetensors");
{
  const video = new Float32Array(2 * 4 * 3 * 32 * 32).map((_, i) => Math.sin(i * 0.37));
  const text = new BigInt64Array(3 * 16);
  [
    [5, 9, 2],
    [7, 3],
    [11, 4, 6, 8],
  ].forEach((ids, k) => {
    ids.forEach((id, j) => (text[k * 16 + j] = BigInt(id)));
    text[k * 16 + ids.length] = 511n; // the end token: the largest id, where CLIP pools
  });
  writeSafetensors(
    inputs,
    new Map([
      ["input.video", { dtype: "f32", shape: [2, 4, 3, 32, 32], data: video }],
      ["input.text", { dtype: "i64", shape: [3, 16], data: text }],
    ]),
  );
}

function logits(file: string, ...extra: string[]): Float32Array {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.safetensors`);
  const r = mdl(
    "predict",
    file,
    "--preset",
    "tiny",
    "--inputs",
    inputs,
    "--out",
    out,
    "--runtime",
    "tfjs",
    "--backend",
    "wasm",
    "--threads",
    "1",
    ...extra,
  );
  assert.is(r.status, 0, r.stderr);
  const t = readSafetensors(out).tensors.get("out.logits")!;
  assert.equal(t.shape, [2, 3]);
  const v = t.data as Float32Array;
  assert.ok(v.every(Number.isFinite), `${file}: logits ${v}`);
  return v;
}

const close = (a: Float32Array, b: Float32Array, tol: number, what: string) =>
  a.forEach((x, i) =>
    assert.ok(Math.abs(x - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}: logit ${i} ${x} vs ${b[i]}`),
  );

test("every variant checks under all its presets, inherited ones included", () => {
  const r = mdl("check", ...Object.values(VARIANTS), "--all-presets");
  assert.is(r.status, 0, r.stderr + r.stdout);
  for (const f of Object.values(VARIANTS)) assert.match(r.stdout, new RegExp(`${f}: ok \\(6 configurations\\)`));
});

test("summaries and diffs against X-CLIP name what each variant changed", () => {
  // parameters of what each variant adds, counted by hand from torch's layer shapes (tiny: d = 64, T = 8)
  const added: Record<keyof typeof VARIANTS, [string, number]> = {
    temporalConv: ["mit", 64 * 3 + 64 + 64 * 64 + 64], // depthwise [64, 1, 3] + pointwise [64, 64, 1], biases
    timesformer: ["visual.transformer.resblocks.0.temporal_fc", 64 * 64 + 64],
    actionclip: ["mit", 8 * 64 + 6 * (3 * 64 * 64 + 3 * 64 + 64 * 64 + 64 + 4 * 64 + 64 * 256 + 256 + 256 * 64 + 64)],
    adapters: ["visual.transformer.resblocks.1.adapter", 64 * 16 + 16 + 16 * 64 + 64],
    // 2 levels of: ln_q, ln_kv, ln_2, q/k/v (no bias), out proj, MLP
    evl: ["evl_decoder", 2 * (3 * 128 + 3 * 64 * 64 + 64 * 64 + 64 + 64 * 256 + 256 + 256 * 64 + 64)],
  };
  const expected: Record<keyof typeof VARIANTS, RegExp> = {
    temporalConv: /~ mit: MIT -> TemporalConv/,
    timesformer: /CrossFrameBlock -> DividedSpaceTimeBlock/,
    actionclip: /~ mit: MIT -> TemporalTransformer/,
    adapters: /\+ visual\.transformer\.resblocks\.0-1\.adapter: Adapter/,
    evl: /\+ evl_decoder: repeat/,
  };
  for (const [name, file] of Object.entries(VARIANTS) as [keyof typeof VARIANTS, string][]) {
    const s = mdl("summary", file, "--preset", "tiny", "--json");
    assert.is(s.status, 0, s.stderr);
    const [path, params] = added[name];
    const row = JSON.parse(s.stdout).modules.find((m: { path: string }) => m.path === path);
    assert.is(row?.params, params, `${file}: ${path}`);
    const d = mdl("diff", "models/xclip.mdl", file, "--preset", "tiny");
    assert.is(d.status, 1, d.stderr); // like diff(1): 1 when the models differ
    assert.match(d.stdout, expected[name], `${file}:\n${d.stdout}`);
  }
});

test("a 4-frame input binds frames = 4 with no --set, and each variant predicts", () => {
  for (const f of [VARIANTS.temporalConv, VARIANTS.actionclip]) logits(f);
});

test("zero-initialised branches: the adapters model starts as X-CLIP, TimeSformer as X-CLIP with plain CLIP blocks, EVL as per-frame CLIP", () => {
  close(logits(VARIANTS.adapters), logits("models/xclip.mdl"), 1e-5, "adapters vs X-CLIP");
  const plain = logits("models/xclip.mdl", "--replace", "visual.transformer.resblocks.*=ResidualAttentionBlock(width)");
  close(logits(VARIANTS.timesformer), plain, 1e-5, "TimeSformer vs X-CLIP with ResidualAttentionBlock");
  close(
    logits(VARIANTS.evl),
    logits("models/variants/clip-meanpool.mdl"),
    1e-5,
    "EVL (zero projection) vs per-frame CLIP",
  );
});

/**
 * How each variant is meant to be trained, and which tensors that must change: the new temporal module
 * alone, the time branch alone, the temporal head with the image and text encoders frozen, and the
 * adapters alone with the whole backbone frozen by one pattern.
 */
const TRAINING: Record<keyof typeof VARIANTS, { flags: string[]; trained: RegExp }> = {
  temporalConv: { flags: ["--train-only", "mit"], trained: /^mit\./ },
  timesformer: { flags: ["--train-only", "**.temporal_*"], trained: /\.temporal_(ln|attn|fc)\./ },
  actionclip: { flags: ["--freeze", "visual.**", "--freeze", "encode_text"], trained: /^(mit\.|logit_scale$)/ },
  adapters: { flags: ["--train-only", "**.adapter"], trained: /\.adapter\./ },
  evl: { flags: ["--train-only", "evl_*"], trained: /^evl_/ },
};

test("20 tiny training steps change exactly the intended tensors (checkpoint against the initial weights)", async () => {
  const data = smallData();
  for (const [name, file] of Object.entries(VARIANTS) as [keyof typeof VARIANTS, string][]) {
    const out = join(dir, `run-${name}`);
    const { flags, trained } = TRAINING[name];
    const r = mdl(
      "train",
      file,
      "--preset",
      "tiny",
      "--data",
      data,
      "--out",
      out,
      "--steps",
      "20",
      "--batch",
      "2",
      "--lr",
      "1e-2",
      "--seed",
      "3",
      "--threads",
      "1",
      "--backend",
      "wasm",
      ...flags,
    );
    assert.is(r.status, 0, r.stderr);
    const saved = readSafetensors(join(latestCheckpoint(out)!, "weights.safetensors")).tensors;
    const ir = tinyIr(file);
    const init = createParams(ir, undefined, { trainable: false, seed: 3 });
    const changed: string[] = [];
    for (const [k, t] of init) {
      const a = (await toTorchLayout(ir, k, t)).data;
      const b = saved.get(k)!.data as Float32Array;
      if (!a.every((x, i) => x === b[i])) changed.push(k);
    }
    tf.dispose([...init.values()]);
    const intended = [...init.keys()].filter((k) => trained.test(k));
    assert.ok(intended.length > 0, `${name}: the pattern selects nothing`);
    assert.equal(changed.sort(), intended.sort(), `${name}: changed tensors`);
  }
});

test.run();
