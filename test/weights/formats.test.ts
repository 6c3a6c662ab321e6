import { test } from "uvu";
import * as assert from "uvu/assert";
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { coverage } from "../../src/runtime/weights/coverage.ts";
import { loadCheckpoint, shapesOf, type Checkpoint } from "../../src/runtime/weights/load.ts";
import { FIXTURES, assertSameTensors, expectMdlError } from "./helpers.ts";

// The fixtures come from test/fixtures/clip-e64/make-formats.py (torch); weights.pth is the e64 CLIP they were made from.
const E64 = `${FIXTURES}/clip-e64`;
const official = () => loadCheckpoint(`${E64}/weights.pth`).tensors;
/** What torch's load_state_dict(strict=False) of this CLIP into the official X-CLIP reports (make.py). */
const report = JSON.parse(readFileSync(`${E64}/load-report.json`, "utf8")) as {
  clip_keys: number;
  missing_keys: string[];
  unexpected_keys: string[];
};

/** Compile `model` with the checkpoint's shapes binding its hyperparameters, as `--weights` does, and match names. */
function into(model: string, ckpt: Checkpoint) {
  const r = compile(model, fsHost, { weights: { file: ckpt.file, shapes: shapesOf(ckpt) } });
  assert.ok(r.value, r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  const ir = r.value!;
  const bound = Object.fromEntries(ir.hyper.filter((h) => h.source === "checkpoint").map((h) => [h.name, h.value]));
  return {
    bound,
    cov: coverage(
      ir.params.map((p) => ({ path: p.path, shape: p.shape })),
      ckpt.tensors,
    ),
  };
}

/** The e64 CLIP's sizes, as the official code's build_model reads them from the reference file's shapes. */
function e64Sizes() {
  const t = official();
  return {
    embed: t.get("text_projection")!.shape[1],
    width: t.get("visual.conv1.weight")!.shape[0],
    patch: t.get("visual.conv1.weight")!.shape[3],
    context: t.get("positional_embedding")!.shape[0],
    vocab: t.get("token_embedding.weight")!.shape[0],
    text_width: t.get("ln_final.weight")!.shape[0],
  };
}

for (const [label, file] of [
  ["open_clip training checkpoint", `${E64}/openclip/epoch_1.pt`],
  ["Hugging Face CLIPModel safetensors", `${E64}/hf/model.safetensors`],
  ["Hugging Face sharded safetensors", `${E64}/hf-sharded/model.safetensors.index.json`],
  ["Hugging Face sharded pytorch_model.bin", `${E64}/hf-sharded/pytorch_model.bin.index.json`],
]) {
  test(`${label}: every tensor is the OpenAI-named file's, bit for bit`, () => {
    assertSameTensors(loadCheckpoint(file).tensors, official(), label);
  });

  test(`${label}: into models/clip.mdl (all of it) and models/xclip.mdl (torch's strict=False split)`, () => {
    const ckpt = loadCheckpoint(file);
    const clip = into("models/clip.mdl", ckpt);
    assert.is(clip.cov.loaded.length, report.clip_keys);
    assert.equal([clip.cov.missing, clip.cov.unexpected, clip.cov.mismatched], [[], [], []]);

    const xclip = into("models/xclip.mdl", ckpt);
    for (const [name, value] of Object.entries(e64Sizes()))
      assert.is(xclip.bound[name], value, `${name} bound from the checkpoint`);
    assert.is(xclip.cov.loaded.length, report.clip_keys - report.unexpected_keys.length);
    assert.equal(xclip.cov.missing.sort(), [...report.missing_keys].sort());
    assert.equal(xclip.cov.unexpected.sort(), [...report.unexpected_keys].sort());
    assert.equal(xclip.cov.mismatched, []);
  });
}

test("open_clip: the state dict is taken from `state_dict`, the DDP prefix removed, the rest of the training state named", () => {
  const ckpt = loadCheckpoint(`${E64}/openclip/epoch_1.pt`);
  assert.equal(ckpt.wrapper, { key: "state_dict", others: ["epoch", "name", "optimizer", "scaler"] });
  assert.ok(
    ckpt.notes.includes("removed the DistributedDataParallel prefix `module.` from every name"),
    ckpt.notes.join("\n"),
  );
  assert.is(ckpt.layout, "official");
});

test("safetensors as safetensors.torch.save_file writes them (format: pt, dtype-sorted data) load with their metadata", () => {
  const raw = readFileSync(`${E64}/hf/model.safetensors`);
  const header = raw.subarray(8, 8 + Number(raw.readBigUInt64LE(0))).toString();
  // The file really is in save_file's layout: metadata first, then the int64 buffers ahead of the floats.
  assert.ok(
    header.startsWith('{"__metadata__":{"format":"pt"},"text_model.embeddings.position_ids":{"dtype":"I64"'),
    header.slice(0, 120),
  );
  const ckpt = loadCheckpoint(`${E64}/hf/model.safetensors`);
  assert.equal(ckpt.metadata, { format: "pt" });
  assert.is(ckpt.layout, "hugging-face");
  assert.not.ok(
    ckpt.notes.some((n) => n.includes("written for")),
    ckpt.notes.join("\n"),
  );
});

test("a sharded checkpoint really splits one layer's q/k/v across its shards, and says it merged them", () => {
  const index = JSON.parse(readFileSync(`${E64}/hf-sharded/model.safetensors.index.json`, "utf8")).weight_map as Record<
    string,
    string
  >;
  const split = Object.keys(index).filter(
    (k) => k.endsWith("k_proj.weight") && index[k] !== index[k.replace("k_proj", "q_proj")],
  );
  assert.ok(split.length >= 1, "the fixture must split q/k/v");
  const ckpt = loadCheckpoint(`${E64}/hf-sharded/model.safetensors.index.json`);
  assert.is(ckpt.shards, 2);
  assert.is(ckpt.notes[0], `merged 2 shards listed in ${E64}/hf-sharded/model.safetensors.index.json`);
  assert.is(ckpt.identity, undefined);
});

test("shard index problems are catalogued errors naming the index or the shard", () => {
  const dir = mkdtempSync(join(tmpdir(), "mdl-shards-"));
  try {
    cpSync(`${E64}/hf-sharded`, dir, { recursive: true });
    const indexFile = join(dir, "model.safetensors.index.json");
    const index = JSON.parse(readFileSync(indexFile, "utf8"));
    const [name, shard] = Object.entries(index.weight_map as Record<string, string>)[0];
    const other = shard.includes("00001") ? shard.replace("00001", "00002") : shard.replace("00002", "00001");

    writeFileSync(indexFile, JSON.stringify({ ...index, weight_map: { ...index.weight_map, [name]: other } }));
    const wrong = expectMdlError(() => loadCheckpoint(indexFile), "MDL504", indexFile);
    assert.is(wrong, `file is corrupt: \`${name}\` is listed in ${join(dir, other)}, but it is in ${join(dir, shard)}`);

    writeFileSync(
      indexFile,
      JSON.stringify({ ...index, weight_map: { ...index.weight_map, [name]: "../elsewhere.safetensors" } }),
    );
    expectMdlError(() => loadCheckpoint(indexFile), "MDL504", indexFile);

    writeFileSync(indexFile, JSON.stringify({ metadata: {} }));
    expectMdlError(() => loadCheckpoint(indexFile), "MDL504", indexFile);

    writeFileSync(indexFile, JSON.stringify(index));
    unlinkSync(join(dir, other));
    expectMdlError(() => loadCheckpoint(indexFile), "MDL501", join(dir, other));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a model folder (what save_pretrained writes) loads its preferred file", () => {
  const ckpt = loadCheckpoint(`${E64}/hf`);
  assert.is(ckpt.file, `${E64}/hf`);
  assert.is(ckpt.notes[0], "read model.safetensors from the folder");
  assertSameTensors(ckpt.tensors, official(), "folder");
  expectMdlError(() => loadCheckpoint(`${FIXTURES}/hostile`), "MDL501", `${FIXTURES}/hostile`);
});

test.run();
