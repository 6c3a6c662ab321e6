/**
 * The exported PyTorch module against the official outputs: every fixture, every weight file, loaded with
 * strict=True, rel err <= 1e-5 (fp16 files: the logits compared as cosines, as test/run/parity.test.ts does).
 * Then checkpoints of other dimensions and the variants: mdl's random weights, mdl's outputs as the reference.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CompileOptions } from "../../src/compiler/compile.ts";
import { loadCheckpoint } from "../../src/runtime/weights/load.ts";
import { readSafetensors } from "../../src/runtime/weights/safetensors.ts";
import { needs, torchMissing } from "../helpers/requires.ts";
import { FIXTURE_CASES as CASES, FIXTURE_FILES as FILES, wasm1 } from "../run/helpers.ts";
import {
  compileModel,
  exportTo,
  f32,
  randomInputs,
  randomWeights,
  relError,
  runExported,
  runMdl,
  type Job,
} from "./helpers.ts";

const it = needs(test, torchMissing());
const tmp = mkdtempSync(join(tmpdir(), "mdl-torch-"));
const report: string[] = [];

it("every fixture: the exported module loads each weight file strictly and gives the official outputs", () => {
  const jobs: Job[] = CASES.map(([fixture, model]) => {
    const dir = `test/fixtures/${fixture}`;
    const weights = FILES.filter((f) => existsSync(`${dir}/${f}`)).map((f) => `${dir}/${f}`);
    // the checkpoint is the only option, as in `mdl export MODEL --format torch --weights W`
    return {
      model: exportTo(compileModel(model, {}, weights[0]), join(tmp, fixture)),
      inputs: `${dir}/io.safetensors`,
      weights,
    };
  });
  const results = runExported(jobs, tmp);
  let checked = 0;
  jobs.forEach((job, j) => {
    const io = readSafetensors(job.inputs).tensors;
    const scale32 = Math.exp(f32(readSafetensors(job.weights[0]).tensors.get("logit_scale")!)[0]);
    for (const file of job.weights) {
      for (const [name, got] of Object.entries(results[j][file])) {
        const ref = io.get(`out.${name}`);
        assert.ok(ref, `no reference out.${name}`);
        const want = f32(ref!);
        checked++;
        if (file.includes("fp16") && name.startsWith("logits")) {
          // the reference used fp32 weights; rounding logit_scale to fp16 alone moves the logits by ~1e-3
          const ls16 = Math.exp(f32(loadCheckpoint(file).tensors.get("logit_scale")!)[0]);
          const e = Math.max(...got.data.map((v, i) => Math.abs(v / ls16 - want[i] / scale32)));
          assert.ok(e <= 4e-3, `${file} ${name}: cosine error ${e}`);
          continue;
        }
        const tol = file.includes("fp16") ? 1e-3 : 1e-5;
        const e = relError(got.data, want);
        if (!file.includes("fp16"))
          report.push(`${file.slice("test/fixtures/".length)} ${name}: ${e.toExponential(2)}`);
        assert.ok(e <= tol, `${file} ${name}: relative error ${e}`);
      }
    }
  });
  // 5 + 1 + 1 X-CLIP weight files with one output, 4 CLIP files with four
  assert.is(checked, 23);
});

const DIMS: [string, string, CompileOptions][] = [
  [
    "xclip wider, deeper, 3 frames",
    "models/xclip.mdl",
    {
      preset: "tiny",
      set: [
        ["width", "128"],
        ["layers", "3"],
        ["embed", "128"],
        ["frames", "3"],
        ["mit_layers", "2"],
        ["text_layers", "2"],
        ["vocab", "600"],
      ],
    },
  ],
  [
    "clip at patch 16, resolution 48",
    "models/clip.mdl",
    {
      preset: "tiny",
      set: [
        ["patch", "16"],
        ["resolution", "48"],
        ["width", "128"],
        ["vocab", "600"],
      ],
    },
  ],
  ["variant xclip-no-prompts", "models/variants/xclip-no-prompts.mdl", { preset: "tiny", set: [["vocab", "600"]] }],
  ["variant clip-meanpool", "models/variants/clip-meanpool.mdl", { preset: "tiny", set: [["vocab", "600"]] }],
  [
    "--replace mit=MeanPool",
    "models/xclip.mdl",
    { preset: "tiny", set: [["vocab", "600"]], replace: [["mit", "MeanPool(frames, embed)"]] },
  ],
  ["the ops the models do not use", "test/torch/samples/ops.mdl", {}],
  ["conv1d, conv3d tubelet, grouped/dilated/per-axis conv2d, pad", "test/ir/samples/video-ops/input.mdl", {}],
  ["std Conv3d tubelet and Conv1d", "test/ir/samples/video-std/input.mdl", {}],
];

it("other dimensions and the variants: random weights written by mdl give mdl's outputs in the exported module", async () => {
  await wasm1();
  const jobs: Job[] = [];
  const refs: Record<string, Float32Array>[] = [];
  for (const [name, model, opts] of DIMS) {
    const ir = compileModel(model, opts);
    const dir = join(tmp, name.replace(/\W+/g, "-"));
    const py = exportTo(ir, dir);
    const weights = join(dir, "w.safetensors");
    const inputs = join(dir, "in.safetensors");
    await randomWeights(ir, 7, weights);
    randomInputs(ir, 11, inputs);
    refs.push(await runMdl(compileModel(model, opts, weights), weights, inputs));
    jobs.push({ model: py, inputs, weights: [weights] });
  }
  const results = runExported(jobs, tmp);
  DIMS.forEach(([name], j) => {
    const got = results[j][jobs[j].weights[0]];
    assert.equal(Object.keys(got), Object.keys(refs[j]));
    for (const [k, v] of Object.entries(got)) {
      const e = relError(v.data, refs[j][k]);
      report.push(`${name} ${k}: ${e.toExponential(2)}`);
      assert.ok(e <= 1e-5, `${name} ${k}: relative error ${e}`);
    }
  });
});

test.after(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (report.length) console.log("\n" + report.join("\n"));
});

test.run();
