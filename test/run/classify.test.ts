/**
 * Zero-shot classification: the split graph (texts once, then videos) gives the full model's numbers, the
 * CLI ranks labels of a video made here with ffmpeg, and without ffmpeg it says how to install it.
 * The model is a small X-CLIP with CLIP's real vocabulary (49,408 tokens) and context 77, random weights.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { createParams, toTorchLayout } from "../../src/runtime/tfjs/lower.ts";
import { writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { createClassifier } from "../../src/runtime/run/classify.ts";
import { encodePng } from "../../src/runtime/data/png.ts";
import { createRunner } from "../../src/runtime/run/runner.ts";
import { splitByInputs } from "../../src/runtime/run/split.ts";
import { verifyIr } from "../../src/compiler/4-ir/verify.ts";
import { ClipTokenizer } from "../../src/runtime/tokenizer/clip-tokenizer.ts";
import { CLI, wasm1 } from "./helpers.ts";
import { ffmpegMissing, needs } from "../helpers/requires.ts";

await wasm1();
const dir = mkdtempSync(join(tmpdir(), "mdl-classify-"));
const weights = join(dir, "xclip-tiny-77.safetensors");
const video = join(dir, "clip.mp4");

const r = compile("models/xclip.mdl", fsHost, { preset: "tiny", set: [["context", "77"]] });
const ir = r.value!;
{
  const params = createParams(ir, undefined, { trainable: false, seed: 11 });
  const tensors = new Map<string, HostTensor>();
  for (const [path, t] of params) {
    const x = await toTorchLayout(ir, path, t);
    tensors.set(path, { dtype: "f32", shape: x.shape, data: x.data });
    t.dispose();
  }
  writeSafetensors(weights, tensors);
}

test("the split graphs are valid IR: the text tower only in the fixed half, the visual tower only in the varying one", () => {
  const { fixed, varying } = splitByInputs(ir, ["video"]);
  for (const g of [fixed, varying]) assert.equal(verifyIr(JSON.parse(JSON.stringify(g))).diagnostics, []);
  const scopes = (g: typeof ir) =>
    new Set(g.graph.nodes.filter((n) => n.op !== "param" && n.op !== "input").map((n) => n.scope.split(".")[0]));
  assert.ok(scopes(fixed).has("encode_text"));
  assert.not.ok(scopes(fixed).has("visual"));
  assert.not.ok(scopes(varying).has("encode_text"));
  assert.equal(
    varying.graph.inputs.map((p) => p.name).filter((n) => !n.startsWith("cached.")),
    ["video"],
  );
});

test("classifier = softmax of the whole model's logits per view, averaged over views; 40 texts encoded once in two chunks", async () => {
  const ckpt = loadCheckpoint(weights);
  const before = tf.memory().numTensors;
  const classifier = await createClassifier(ir, ckpt, { cache: false });
  // one label fills the context, so a run takes 32 texts (32 x 77 tokens) and the features are joined across chunks
  const long = `a class name that goes on ${"and on ".repeat(40)}`;
  const labels = [
    "archery",
    "juggling balls",
    "playing the violin",
    "surfing water",
    long,
    ...Array.from({ length: 35 }, (_, i) => `action ${i}`),
  ];
  const { ids } = ClipTokenizer.load().tokenize(labels, 77);
  assert.equal(await classifier.setTexts(ids, labels.length), { cached: false });
  const per = 8 * 3 * 32 * 32;
  const views = [0, 1, 2].map((v) => Float32Array.from({ length: per }, (_, i) => Math.sin(i * 0.37 + v)));
  const probs = await classifier.classify(views);
  const again = await classifier.classify(views.slice(0, 1));

  const full = createRunner(ir, ckpt);
  const video = tf.tensor(Float32Array.from(views.flatMap((v) => [...v])), [3, 8, 3, 32, 32]);
  const text = tf.tensor(ids, [labels.length, 77], "int32");
  const { outputs } = await full.run({ video, text });
  const soft = tf.softmax(outputs.logits as tf.Tensor, -1);
  const ref = soft.arraySync() as number[][];
  soft.dispose();
  const mean = labels.map((_, k) => (ref[0][k] + ref[1][k] + ref[2][k]) / 3);
  for (let k = 0; k < labels.length; k++) {
    assert.ok(Math.abs(probs[k] - mean[k]) < 1e-6, `class ${k}: ${probs[k]} vs ${mean[k]}`);
    assert.ok(Math.abs(again[k] - ref[0][k]) < 1e-6);
  }
  assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  assert.ok(Math.max(...mean) - Math.min(...mean) > 1e-4, "random weights still separate the classes a little");
  for (const t of [video, text, ...Object.values(outputs)]) t.dispose();
  await full.dispose();
  await classifier.dispose();
  assert.is(tf.memory().numTensors, before);
});

const mdl = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, [...CLI, ...args], { encoding: "utf8", timeout: 120_000, env });

needs(test, ffmpegMissing())(
  "mdl classify on a video made with ffmpeg: ranked labels, probabilities summing to 1",
  () => {
    const ff = spawnSync("ffmpeg", [
      "-loglevel",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      "testsrc=size=80x60:rate=12",
      "-t",
      "2",
      "-pix_fmt",
      "yuv420p",
      video,
    ]);
    assert.is(ff.status, 0, String(ff.stderr));
    const args = [
      "classify",
      "models/xclip.mdl",
      "--weights",
      weights,
      "--video",
      video,
      "--labels",
      "archery,juggling balls,surfing water",
      "--threads",
      "1",
    ];
    const text = mdl([...args, "--template", "a video of {}.", "--top", "2"]);
    assert.is(text.status, 0, text.stderr);
    const lines = text.stdout.trim().split("\n");
    assert.is(lines[0], `${video}:`);
    assert.is(lines.length, 3);
    assert.match(lines[1], /^\s+1\.\s+\d+\.\d\d%\s+(archery|juggling balls|surfing water)$/);
    const json = mdl([...args, "--json", "--views", "2x3"]);
    assert.is(json.status, 0, json.stderr);
    const [res] = JSON.parse(json.stdout) as { video: string; top: { label: string; probability: number }[] }[];
    assert.is(res.top.length, 3);
    assert.ok(Math.abs(res.top.reduce((a, t) => a + t.probability, 0) - 1) < 1e-5);
    assert.ok(res.top[0].probability >= res.top[1].probability && res.top[1].probability >= res.top[2].probability);
  },
);

test("10,000 names on the command line (a 59 KB argument) rank as the same names from labels.csv do, on the default engine", () => {
  // ORT's telemetry read /proc/self/cmdline at session start and overflowed the stack past ~32 KB: exit 139, no output.
  // A PNG image (a still clip) needs no ffmpeg, so this runs everywhere.
  const image = join(dir, "still.png");
  const pixels = Uint8Array.from({ length: 40 * 30 * 3 }, (_, i) => (i * 37) % 251);
  writeFileSync(image, encodePng({ width: 40, height: 30, channels: 3, data: pixels }));
  const names = Array.from({ length: 10_000 }, (_, i) => `c${i}`);
  const csv = join(dir, "labels.csv");
  writeFileSync(csv, ["id,name", ...names.map((n, i) => `${i},${n}`)].join("\n") + "\n");
  const args = (labels: string) => [
    "classify",
    "models/xclip.mdl",
    "--weights",
    weights,
    "--video",
    image,
    "--labels",
    labels,
    "--threads",
    "1",
    "--top",
    "5",
    "--json",
    "--no-cache",
  ];
  const inline = mdl(args(names.join(",")));
  assert.is(inline.status, 0, `exit ${inline.status} (signal ${inline.signal}): ${inline.stderr}`);
  const fromFile = mdl(args(csv));
  assert.is(fromFile.status, 0, fromFile.stderr);
  const top = (out: string) => (JSON.parse(out) as { top: { label: string; probability: number }[] }[])[0].top;
  assert.is(top(inline.stdout).length, 5);
  assert.equal(top(inline.stdout), top(fromFile.stdout));
  assert.ok(
    top(inline.stdout).every((t) => t.probability > 0 && t.probability < 1e-3),
    "10,000 near-even classes",
  );
});

test("without ffmpeg on PATH: the install hint and exit code 2", () => {
  // Any existing file will do: the decoder is looked for before the bytes are read.
  const placeholder = join(dir, "placeholder.mp4");
  writeFileSync(placeholder, "not decoded: ffmpeg is missing first");
  const r = mdl(
    ["classify", "models/xclip.mdl", "--weights", weights, "--video", placeholder, "--labels", "a,b", "--threads", "1"],
    { ...process.env, PATH: "" },
  );
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, "error MDL510: ffmpeg is not on PATH; install it");
  assert.not.match(r.stderr, /\n\s+at /);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
