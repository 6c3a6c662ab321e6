/**
 * The exported train.py under `torchrun --nproc_per_node 2` (gloo, CPU) on a tiny synthetic data set: both
 * ranks hold identical parameters after every step, the loss curve equals one process with the same global
 * batch, and the checkpoint loads back into mdl with only its path. The other way round, weights written by
 * `mdl train` load strictly into the exported module. Both directions give the same logits (1e-5).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CompileOptions } from "../../src/compiler/compile.ts";
import { exportTorch } from "../../src/cli/export-torch.ts";
import { synthesize } from "../../src/runtime/data/synth.ts";
import { needs, torchMissing } from "../helpers/requires.ts";
import { CLI, wasm1 } from "../run/helpers.ts";
import { compileModel, python, randomInputs, relError, runExported, runMdl } from "./helpers.ts";

const it = needs(test, torchMissing());
const tmp = mkdtempSync(join(tmpdir(), "mdl-torch-train-"));
const MODEL = "models/xclip.mdl";
const OPTS: CompileOptions = { preset: "tiny", set: [["frames", "4"]] };
const data = join(tmp, "data");
const exp = join(tmp, "export");
// Debian's torch 1.13 on Python 3.11: torchrun's default --redirects 0 fails to parse (enum.Flag
// iteration skips 0 since 3.11); teeing stdout sidesteps it.
export const TORCHRUN = ["-m", "torch.distributed.run", "--redirects", "1", "--tee", "1"];
const RECIPE = [
  "--steps",
  "10",
  "--batch",
  "4",
  "--accum",
  "2",
  "--freeze",
  "encode_text",
  "--lr",
  "1e-4",
  "--seed",
  "3",
];

const metrics = (run: string) =>
  readFileSync(join(run, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

it("torchrun, 2 ranks: identical parameters, the single-process loss curve, and a checkpoint mdl loads back", async () => {
  synthesize({ out: data, videosPerClass: 2, evalPerClass: 1, frames: 4, size: 32, seed: 1 });
  const ir = compileModel(MODEL, OPTS);
  exportTorch(
    ir,
    { format: "torch", out: join(exp, "xclip_tiny.py"), train: true, labels: join(data, "labels.csv") },
    [],
  );

  const two = join(tmp, "run-2");
  const one = join(tmp, "run-1");
  python([...TORCHRUN, "--nproc_per_node", "2", "train.py", "--data", data, "--out", two, "--check-ranks", ...RECIPE], {
    cwd: exp,
    timeout: 400_000,
  });
  python(["train.py", "--data", data, "--out", one, ...RECIPE], { cwd: exp, timeout: 400_000 });
  const a = metrics(two);
  const b = metrics(one);
  assert.is(a.length, 10);
  assert.is(b.length, 10);
  const deltas = a.map((r, i) => Math.abs(r.loss - b[i].loss) / Math.max(1, Math.abs(b[i].loss)));
  console.log(`  losses (2 ranks): ${a.map((r) => r.loss.toFixed(6)).join(" ")}`);
  console.log(
    `  max |loss delta| against 1 process: ${Math.max(...deltas).toExponential(2)}; rank diffs: ${a.map((r) => r.rank_max_abs_diff).join(" ")}`,
  );
  assert.ok(Math.max(...deltas) <= 1e-5, `loss curves differ: ${deltas}`);
  for (const r of a) assert.is(r.rank_max_abs_diff, 0, `step ${r.step}: ranks disagree by ${r.rank_max_abs_diff}`);
  // the curve moved: a run that did nothing would pass every check above
  assert.ok(new Set(a.map((r) => r.loss)).size > 5);

  await wasm1();
  const weights = join(two, "ckpt-10", "weights.safetensors");
  const inputs = join(tmp, "in.safetensors");
  const back = compileModel(MODEL, {}, weights); // the checkpoint is the only option
  randomInputs(back, 5, inputs);
  const ours = await runMdl(back, weights, inputs);
  const theirs = runExported([{ model: join(exp, "xclip_tiny.py"), inputs, weights: [weights] }], tmp)[0][weights];
  const e = relError(theirs.logits.data, ours.logits);
  console.log(`  torchrun checkpoint in mdl: logits rel err ${e.toExponential(2)}`);
  assert.ok(e <= 1e-5, `logits differ by ${e}`);
});

it("weights trained by `mdl train` load strictly into the exported module and give mdl's logits", async () => {
  const run = join(tmp, "mdl-run");
  const r = spawnSync(
    process.execPath,
    [
      ...CLI,
      "train",
      MODEL,
      "--preset",
      "tiny",
      "--set",
      "frames=4",
      "--data",
      data,
      "--out",
      run,
      "--steps",
      "2",
      "--batch",
      "2",
    ],
    { encoding: "utf8", timeout: 300_000 },
  );
  assert.is(r.status, 0, r.stderr);
  await wasm1();
  const weights = join(run, "ckpt-2", "weights.safetensors");
  const inputs = join(tmp, "in.safetensors");
  const ours = await runMdl(compileModel(MODEL, OPTS, weights), weights, inputs);
  const theirs = runExported([{ model: join(exp, "xclip_tiny.py"), inputs, weights: [weights] }], tmp)[0][weights];
  const e = relError(theirs.logits.data, ours.logits);
  console.log(`  mdl train checkpoint in the exported module: logits rel err ${e.toExponential(2)}`);
  assert.ok(e <= 1e-5, `logits differ by ${e}`);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
