/** The examples users come for run as documented and print the numbers the library gives. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../../src/compiler/compile.ts";
import { fsHost } from "../../src/cli/compile-args.ts";
import { createParams, toTorchLayout } from "../../src/runtime/tfjs/lower.ts";
import { readSafetensors, writeSafetensors } from "../../src/runtime/weights/safetensors.ts";
import type { HostTensor } from "../../src/runtime/weights/tensor.ts";
import { CLI, FIXTURES, wasm1 } from "./helpers.ts";
import { synthesize } from "../../src/runtime/data/synth.ts";
import { ffmpegMissing, needs } from "../helpers/requires.ts";

const tsx = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", ...args], { encoding: "utf8", timeout: 120_000 });

test("examples/predict.ts prints the fixture's logits", () => {
  const dir = `${FIXTURES}/xclip-tiny-e64`;
  const r = tsx(["examples/predict.ts", "models/xclip.mdl", `${dir}/weights.safetensors`, `${dir}/io.safetensors`]);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, "loaded 123 of 123 parameters");
  const printed = [...r.stdout.slice(r.stdout.indexOf("out.logits")).matchAll(/-?\d+\.\d+(e-?\d+)?/g)]
    .slice(0, 6)
    .map((m) => Number(m[0]));
  const ref = readSafetensors(`${dir}/io.safetensors`).tensors.get("out.logits")!.data as Float32Array;
  printed.forEach((v, i) => assert.ok(Math.abs(v - ref[i]) < 1e-5, `${v} vs ${ref[i]}`));
  assert.match(r.stdout, "visual.ln_pre [8,17,64]");
});

/** A tiny X-CLIP with CLIP's vocabulary and random weights, written as a checkpoint the example can load. */
async function randomTinyWeights(tmp: string): Promise<string> {
  await wasm1();
  const ir = compile("models/xclip.mdl", fsHost, { preset: "tiny", set: [["context", "77"]] }).value!;
  const tensors = new Map<string, HostTensor>();
  for (const [path, t] of createParams(ir, undefined, { trainable: false, seed: 3 })) {
    const x = await toTorchLayout(ir, path, t);
    tensors.set(path, { dtype: "f32", shape: x.shape, data: x.data });
    t.dispose();
  }
  const weights = join(tmp, "w.safetensors");
  writeSafetensors(weights, tensors);
  return weights;
}

/** The example's ranking is `mdl classify`'s, to the 0.1% it prints. */
function assertRanksAsCli(weights: string, video: string, labels: string): void {
  const ex = tsx(["examples/classify-video.ts", "models/xclip.mdl", weights, video, labels]);
  assert.is(ex.status, 0, ex.stderr);
  const rows = ex.stdout
    .trim()
    .split("\n")
    .map((l) => /^\s*([\d.]+)%\s+(.+)$/.exec(l)!);
  assert.is(rows.length, 3);
  const cli = spawnSync(
    process.execPath,
    [
      ...CLI,
      "classify",
      "models/xclip.mdl",
      "--weights",
      weights,
      "--video",
      video,
      "--labels",
      labels,
      "--json",
      "--threads",
      "1",
    ],
    { encoding: "utf8" },
  );
  assert.is(cli.status, 0, cli.stderr);
  const top = JSON.parse(cli.stdout)[0].top as { label: string; probability: number }[];
  rows.forEach((m, i) => {
    assert.is(m[2], top[i].label);
    assert.ok(Math.abs(Number(m[1]) - 100 * top[i].probability) <= 0.05 + 1e-9);
  });
}

needs(test, ffmpegMissing())("examples/classify-video.ts ranks the labels as `mdl classify` does", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "mdl-example-"));
  const weights = await randomTinyWeights(tmp);
  const video = join(tmp, "v.mp4");
  assert.is(
    spawnSync("ffmpeg", [
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=96x72:rate=10",
      "-t",
      "2",
      "-pix_fmt",
      "yuv420p",
      video,
    ]).status,
    0,
  );
  assertRanksAsCli(weights, video, "archery,juggling balls,surfing water");
  rmSync(tmp, { recursive: true, force: true });
});

test("examples/classify-video.ts reads a folder of frames, as its header's synthetic test video (no ffmpeg needed)", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "mdl-example-"));
  const weights = await randomTinyWeights(tmp);
  synthesize({ out: join(tmp, "synth"), videosPerClass: 2, seed: 0 });
  assertRanksAsCli(
    weights,
    join(tmp, "synth/test/moving-left-0000"),
    "an object moving to the left,an object moving to the right,an object moving up",
  );
  rmSync(tmp, { recursive: true, force: true });
});

test.run();
