import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { hubCache } from "../../src/runtime/weights/hf-cache.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { FIXTURES, assertSameTensors, expectMdlError } from "./helpers.ts";

const E64 = `${FIXTURES}/clip-e64`;
const COMMIT = "3d74acf9a28c67741b2f4f2ea7635f0aaf6f0268";
const TAG_COMMIT = "e6a30b603a447e251fdaca1c3056b2a16cdfebeb";

/**
 * A model folder laid out as huggingface_hub's file_download.py writes it: each file's bytes in blobs/
 * under their sha256, snapshots/<commit>/<name> a relative symlink to the blob, refs/<revision> the commit.
 */
function cacheModel(
  cache: string,
  repo: string,
  files: Record<string, string>,
  refs: Record<string, string> = { main: COMMIT },
  commit = COMMIT,
): string {
  const root = join(cache, `models--${repo.replace("/", "--")}`);
  mkdirSync(join(root, "blobs"), { recursive: true });
  mkdirSync(join(root, "snapshots", commit), { recursive: true });
  mkdirSync(join(root, "refs"), { recursive: true });
  for (const [name, src] of Object.entries(files)) {
    const sha = createHash("sha256").update(readFileSync(src)).digest("hex");
    if (!existsSync(join(root, "blobs", sha))) copyFileSync(src, join(root, "blobs", sha));
    symlinkSync(`../../blobs/${sha}`, join(root, "snapshots", commit, name));
  }
  // huggingface_hub writes the hash with no newline
  for (const [rev, hash] of Object.entries(refs)) writeFileSync(join(root, "refs", rev), hash);
  return root;
}

function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(vars)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

const CLEAR = {
  HF_HUB_CACHE: undefined,
  HUGGINGFACE_HUB_CACHE: undefined,
  HF_HOME: undefined,
  XDG_CACHE_HOME: undefined,
};
let dir = "";
const official = () => loadCheckpoint(`${E64}/weights.pth`).tensors;

test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), "mdl-hf-cache-"));
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

test("the cache folder follows huggingface_hub: HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME, ~/.cache", () => {
  assert.equal(hubCache({ HF_HUB_CACHE: "/a", HF_HOME: "/b" }), { dir: "/a", from: "HF_HUB_CACHE" });
  assert.equal(hubCache({ HUGGINGFACE_HUB_CACHE: "/l", HF_HOME: "/b" }), { dir: "/l", from: "HUGGINGFACE_HUB_CACHE" });
  assert.equal(hubCache({ HF_HOME: "/b", XDG_CACHE_HOME: "/x" }).dir, "/b/hub");
  assert.equal(hubCache({ XDG_CACHE_HOME: "/x" }).dir, "/x/huggingface/hub");
  assert.equal(hubCache({}).dir, join(homedir(), ".cache", "huggingface", "hub"));
  assert.equal(hubCache({ HF_HOME: "~/hf" }).dir, join(homedir(), "hf", "hub"));
});

test("hf:ORG/NAME reads refs/main's snapshot through its blob symlink, via HF_HUB_CACHE", () => {
  cacheModel(dir, "openai/clip-vit-base-patch32", {
    "model.safetensors": `${E64}/hf/model.safetensors`,
    "config.json": `${E64}/load-report.json`,
  });
  const ckpt = withEnv({ ...CLEAR, HF_HUB_CACHE: dir }, () => loadCheckpoint("hf:openai/clip-vit-base-patch32"));
  assert.is(ckpt.file, "hf:openai/clip-vit-base-patch32");
  assert.is(ckpt.layout, "hugging-face");
  assertSameTensors(ckpt.tensors, official(), "cached");
  const snapshot = join(dir, "models--openai--clip-vit-base-patch32", "snapshots", COMMIT, "model.safetensors");
  assert.is(
    ckpt.notes[0],
    `read openai/clip-vit-base-patch32@main = ${COMMIT} from the Hugging Face cache: ${snapshot}`,
  );
  // The identity is the blob's, the file the bytes came from.
  assert.match(ckpt.identity!.path, /\/blobs\/[0-9a-f]{64}$/);
});

test("HF_HOME/hub when HF_HUB_CACHE is unset; model.safetensors is preferred to pytorch_model.bin", () => {
  cacheModel(join(dir, "hub"), "openai/clip-vit-base-patch32", {
    "pytorch_model.bin": `${E64}/weights.pth`,
    "model.safetensors": `${E64}/hf/model.safetensors`,
  });
  const ckpt = withEnv({ ...CLEAR, HF_HOME: dir }, () => loadCheckpoint("hf:openai/clip-vit-base-patch32"));
  assert.is(ckpt.format, "safetensors");
  assert.is(ckpt.layout, "hugging-face");
});

test("pytorch_model.bin when it is the only weights file", () => {
  cacheModel(dir, "openai/clip-vit-base-patch32", { "pytorch_model.bin": `${E64}/weights.pth` });
  const ckpt = withEnv({ ...CLEAR, HF_HUB_CACHE: dir }, () => loadCheckpoint("hf:openai/clip-vit-base-patch32"));
  assert.is(ckpt.format, "pth-zip");
  assertSameTensors(ckpt.tensors, official(), "bin");
});

test("a sharded snapshot, by tag and by commit hash: the index's shards merged into one state dict", () => {
  const shards = `${E64}/hf-sharded`;
  const files: Record<string, string> = { "model.safetensors.index.json": `${shards}/model.safetensors.index.json` };
  for (const f of ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]) files[f] = `${shards}/${f}`;
  cacheModel(dir, "microsoft/xclip-base-patch32", files, { "v1.0": TAG_COMMIT }, TAG_COMMIT);
  for (const spec of ["hf:microsoft/xclip-base-patch32@v1.0", `hf:microsoft/xclip-base-patch32@${TAG_COMMIT}`]) {
    const ckpt = withEnv({ ...CLEAR, HF_HUB_CACHE: dir }, () => loadCheckpoint(spec));
    assert.is(ckpt.shards, 2, spec);
    assertSameTensors(ckpt.tensors, official(), spec);
  }
});

const notCached = (spec: string) =>
  withEnv({ ...CLEAR, HF_HUB_CACHE: dir }, () => expectMdlError(() => loadCheckpoint(spec), "MDL531", spec));
const FETCH = "`hf download microsoft/xclip-base-patch32` fetches it";

test("not cached: says where it looked and the one command that fetches it", () => {
  const repo = join(dir, "models--microsoft--xclip-base-patch32");
  assert.is(
    notCached("hf:microsoft/xclip-base-patch32"),
    `microsoft/xclip-base-patch32 is not in the local Hugging Face cache (mdl downloads nothing): no ${repo} (the cache folder comes from HF_HUB_CACHE); ${FETCH}`,
  );
  cacheModel(dir, "microsoft/xclip-base-patch32", { "config.json": `${E64}/load-report.json` });
  assert.match(
    notCached("hf:microsoft/xclip-base-patch32@v2"),
    `${repo} has no refs/v2, so revision \`v2\` was never downloaded; \`hf download microsoft/xclip-base-patch32 --revision v2\` fetches it`,
  );
  assert.match(
    notCached("hf:microsoft/xclip-base-patch32"),
    `${join(repo, "snapshots", COMMIT)} has none of model.safetensors, model.safetensors.index.json, pytorch_model.bin, pytorch_model.bin.index.json (it holds config.json); ${FETCH}`,
  );
  assert.match(notCached(`hf:microsoft/xclip-base-patch32@${TAG_COMMIT}`), `${repo} has no snapshots/${TAG_COMMIT}; `);
});

test("an interrupted download: a snapshot link whose blob is missing, or a shard the index lists that is not there", () => {
  const root = cacheModel(dir, "microsoft/xclip-base-patch32", { "model.safetensors": `${E64}/hf/model.safetensors` });
  const link = join(root, "snapshots", COMMIT, "model.safetensors");
  const blob = createHash("sha256")
    .update(readFileSync(`${E64}/hf/model.safetensors`))
    .digest("hex");
  unlinkSync(join(root, "blobs", blob));
  assert.match(
    notCached("hf:microsoft/xclip-base-patch32"),
    `${link} points at ../../blobs/${blob}, which is missing (an interrupted download); ${FETCH}`,
  );

  rmSync(root, { recursive: true });
  cacheModel(dir, "microsoft/xclip-base-patch32", {
    "model.safetensors.index.json": `${E64}/hf-sharded/model.safetensors.index.json`,
    "model-00001-of-00002.safetensors": `${E64}/hf-sharded/model-00001-of-00002.safetensors`,
  });
  const shard = join(root, "snapshots", COMMIT, "model-00002-of-00002.safetensors");
  assert.match(
    notCached("hf:microsoft/xclip-base-patch32"),
    `${shard}, listed in model.safetensors.index.json, is not in the snapshot; ${FETCH}`,
  );
});

test("a reference that is not a model id is a usage error, and nothing outside the cache is read", () => {
  for (const spec of ["hf:", "hf:../../etc", "hf:a/b/c", "hf:org--x/name", "hf:org/name@../../x"])
    expectMdlError(() => loadCheckpoint(spec), "MDL001", spec);
});

const mdl = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    encoding: "utf8",
    env: { ...process.env, ...CLEAR_STRINGS, ...env },
  });
const CLEAR_STRINGS = { HF_HUB_CACHE: "", HUGGINGFACE_HUB_CACHE: "", HF_HOME: "", XDG_CACHE_HOME: "" };

test("every --weights takes hf: (mdl summary binds X-CLIP from a cached CLIP); not cached: exit 2, the message, no stack", () => {
  cacheModel(dir, "openai/clip-vit-base-patch32", { "model.safetensors": `${E64}/hf/model.safetensors` });
  const ok = mdl(
    { HF_HUB_CACHE: dir },
    "summary",
    "models/xclip.mdl",
    "--weights",
    "hf:openai/clip-vit-base-patch32",
    "--json",
  );
  assert.is(ok.status, 0, ok.stderr);
  const hyper = JSON.parse(ok.stdout).hyper as Record<string, { value: number; source: string }>;
  const t = official();
  const expected = {
    embed: t.get("text_projection")!.shape[1],
    width: t.get("visual.conv1.weight")!.shape[0],
    patch: t.get("visual.conv1.weight")!.shape[3],
  };
  for (const [name, value] of Object.entries(expected))
    assert.equal([hyper[name].value, hyper[name].source], [value, "checkpoint"], name);

  const bad = mdl({ HF_HUB_CACHE: dir }, "weights", "hf:microsoft/xclip-base-patch32");
  assert.is(bad.status, 2);
  assert.ok(
    bad.stderr.startsWith(
      "hf:microsoft/xclip-base-patch32: error MDL531: microsoft/xclip-base-patch32 is not in the local Hugging Face cache",
    ),
    bad.stderr,
  );
  assert.ok(bad.stderr.includes(FETCH), bad.stderr);
  assert.not.match(bad.stderr, /\n\s+at /);
});

test.run();
