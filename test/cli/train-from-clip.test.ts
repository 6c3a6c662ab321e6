/**
 * `mdl train models/xclip.mdl --weights CLIP` from the command line, as the official recipe starts: the report
 * (loaded, initialised by group, ignored) against torch's load_state_dict(strict=False) result for the tiny
 * CLIP fixture (test/fixtures/clip-e64/load-report.json), `mdl summary --weights` with the same split, and 3
 * training steps from CLIP with finite losses that change.
 *
 * The fixture's vocabulary is 512 tokens, too few for the class names CLIP's tokenizer makes (ids up to 49407:
 * training refuses it with MDL453, as torch's embedding would). The training run takes the same state dict with
 * its token embedding grown to CLIP's 49,408 rows, written as torch.save writes it: the same keys, so the same report.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { matchPathOrAncestor } from "../../src/compiler/paths/pattern.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { toFloat32, type HostTensor } from "../../src/runtime/weights/tensor.ts";
import { cleanup, scratch, smallData } from "../session/helpers.ts";
import { torchSaveZip, type Py } from "../weights/torch-writer.ts";

const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/mdl.js", ...args], { encoding: "utf8", maxBuffer: 1 << 26 });
const FILE = "test/fixtures/clip-e64/weights.pth";
const report = JSON.parse(readFileSync("test/fixtures/clip-e64/load-report.json", "utf8")) as {
  clip_keys: number;
  xclip_keys: number;
  missing_keys: string[];
  unexpected_keys: string[];
};
const clip = loadCheckpoint(FILE).tensors;

test.after(cleanup);

/** The report's counts and groups, parsed from what the command printed. */
function parseReport(text: string, file: string) {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => l.includes(`${file}: loaded `));
  assert.ok(at >= 0, `no report for ${file} in:\n${text}`);
  const head = lines[at].match(/loaded (\d+) of (\d+) parameters, initialised (\d+), ignored (\d+)$/);
  assert.ok(head, lines[at]);
  const [loaded, total, initialised, ignored] = head!.slice(1).map(Number);
  assert.match(lines[at + 1], `initialised as the model declares, missing from the checkpoint (${initialised}):`);
  const groups: { pattern: string; count: number }[] = [];
  for (const l of lines.slice(at + 2)) {
    const g = l.match(/^ {2}(\S+) +(\d+)$/);
    if (!g) break;
    groups.push({ pattern: g[1], count: Number(g[2]) });
  }
  return { loaded, total, initialised, ignored, groups };
}

/** The report against torch's: the counts, and the keys each group's pattern selects among the model's keys. */
function assertOfficial(r: ReturnType<typeof parseReport>) {
  assert.equal(
    [r.loaded, r.total, r.initialised, r.ignored],
    [
      report.clip_keys - report.unexpected_keys.length,
      report.xclip_keys,
      report.missing_keys.length,
      report.unexpected_keys.length,
    ],
  );
  const keys = loadCheckpoint("test/fixtures/xclip-tiny-e64/weights.safetensors").tensors;
  const selected = r.groups.map((g) => [...keys.keys()].filter((k) => matchPathOrAncestor(g.pattern, k)));
  assert.equal(
    selected.map((s) => s.length),
    r.groups.map((g) => g.count),
  );
  assert.equal(selected.flat().sort(), [...report.missing_keys].sort());
}

test("mdl summary --weights CLIP: X-CLIP's shapes from CLIP's, and the split torch's load_state_dict(strict=False) gives", () => {
  const r = mdl("summary", "models/xclip.mdl", "--weights", FILE);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /^XCLIP {2}embed=64 \(checkpoint\), width=64 \(checkpoint\), layers=2 \(checkpoint\)/);
  const got = parseReport(r.stdout, FILE);
  assertOfficial(got);
  assert.equal(got.groups, [
    { pattern: "visual.transformer.resblocks.*.message_*", count: 16 },
    { pattern: "mit", count: 13 },
    { pattern: "prompts_generator", count: 29 },
    { pattern: "prompts_visual_*", count: 3 },
  ]);
  const json = JSON.parse(mdl("summary", "models/xclip.mdl", "--weights", FILE, "--json").stdout);
  assert.equal(json.weights, {
    file: FILE,
    loaded: 62,
    initialised: 61,
    ignored: 0,
    initialisedGroups: got.groups,
    mismatched: [],
    unexpected: [],
  });
  // a whole X-CLIP checkpoint: one line
  const full = mdl("summary", "models/xclip.mdl", "--weights", "test/fixtures/xclip-tiny-e64/weights.safetensors");
  assert.match(
    full.stdout,
    /\nweights test\/fixtures\/xclip-tiny-e64\/weights\.safetensors: loaded 123 of 123 parameters\n$/,
  );
});

test("mdl train from CLIP: the report, then 3 steps with finite losses that change, CLIP's tensors where they started", () => {
  const dir = scratch("from-clip");
  const emb = clip.get("token_embedding.weight")!;
  const [rows, width] = emb.shape;
  const grown = new Float32Array(49408 * width);
  grown.set(toFloat32(emb));
  for (let i = rows * width; i < grown.length; i++) grown[i] = 0.02 * Math.sin(i * 0.7);
  const state: [Py, Py][] = [...clip].map(([k, t]) => [
    k,
    { tensor: k === "token_embedding.weight" ? { dtype: "f32", shape: [49408, width], data: grown } : t },
  ]);
  const file = join(dir, "clip-e64-vocab.pth");
  writeFileSync(file, torchSaveZip({ ordered: state }));

  const out = join(dir, "run");
  const r = mdl(
    "train",
    "models/xclip.mdl",
    "--weights",
    file,
    "--data",
    smallData(),
    "--out",
    out,
    "--steps",
    "3",
    "--batch",
    "4",
    "--threads",
    "1",
  );
  assert.is(r.status, 0, r.stderr);
  assertOfficial(parseReport(r.stderr, file));
  assert.ok(
    r.stderr.indexOf(`${file}: loaded`) < r.stderr.indexOf("training XCLIP"),
    "the report comes before training",
  );

  const losses = readFileSync(join(out, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l).loss as number);
  assert.is(losses.length, 3);
  assert.ok(losses.every(Number.isFinite), `${losses}`);
  assert.ok(new Set(losses).size === 3, `the losses change: ${losses}`);
  // 3 AdamW steps at lr <= 1e-3 move a weight by a few thousandths: CLIP's tensors start from the file (a fresh
  // init is ~0.1 away), and every one of them trained
  const trained = readSafetensors(join(out, "ckpt-3", "weights.safetensors")).tensors;
  assert.is(trained.size, report.xclip_keys);
  for (const [key, t] of clip) {
    if (key === "token_embedding.weight") continue; // most rows are the ones grown here
    const a = toFloat32(t),
      b = toFloat32(trained.get(key) as HostTensor);
    let far = 0,
      moved = false;
    for (let i = 0; i < a.length; i++) {
      far = Math.max(far, Math.abs(a[i] - b[i]));
      moved ||= a[i] !== b[i];
    }
    assert.ok(far < 0.01, `${key} moved ${far} from the file`);
    assert.ok(moved, `${key} did not train`);
  }
});

test("the fixture's 512-token vocabulary is too small for class names: refused before any step, after the report", () => {
  const dir = scratch("from-clip-vocab");
  const r = mdl(
    "train",
    "models/xclip.mdl",
    "--weights",
    FILE,
    "--data",
    smallData(),
    "--out",
    join(dir, "run"),
    "--steps",
    "1",
    "--batch",
    "4",
    "--threads",
    "1",
  );
  assert.is(r.status, 2, r.stderr);
  assertOfficial(parseReport(r.stderr, FILE));
  assert.match(
    r.stderr,
    /error MDL453: the embedding `token_embedding\.weight` has 512 rows but the token ids go up to 49407/,
  );
  assert.match(r.stderr, /`vocab` = 512 comes from the shapes of test\/fixtures\/clip-e64\/weights\.pth/);
});

test.run();
