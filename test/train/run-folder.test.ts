// A run folder a researcher can trust (issue 25.1): config.json and sources/ as the run started, the start block,
// --eval-every with best/, --keep, a re-run without --resume (MDL546) and --overwrite, and best/ across a kill and
// a resume. Tiny X-CLIP on the small synthetic set, on ONNX Runtime with one thread, a few steps per run.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { gitCommit } from "../../src/runtime/train/run-record.ts";
import { frozenParams } from "../../src/runtime/session/select.ts";
import { checkpointFiles } from "../helpers/run-files.ts";
import { cleanup, scratch, smallData, tinyIr } from "../session/helpers.ts";
import { assertShortError, mdlTrain, trainArgs, weightBytes } from "./mdl-child.ts";

test.after(cleanup);
let data: string;
test.before(() => void (data = smallData()));

const VARIANT = "models/variants/xclip-fanin-no-prompts.mdl";
const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));
const evalLines = (run: string) =>
  readFileSync(join(run, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l))
    .filter((l) => l.eval);
const train = async (args: string[]) => {
  const r = await mdlTrain(args).done;
  assert.is(r.code, 0, r.stderr);
  return r;
};
/** The first step with the best value: a later tie does not replace best/. */
function bestOf(lines: { step: number; eval: Record<string, number> }[], metric: string) {
  const lower = metric === "loss";
  return lines.reduce(
    (b, l) =>
      b === undefined || (lower ? l.eval[metric] < b.value : l.eval[metric] > b.value)
        ? { step: l.step, value: l.eval[metric] }
        : b,
    undefined as { step: number; value: number } | undefined,
  )!;
}

test("config.json holds the model, every flag resolved, the hyperparameters, what trains and the environment; sources/ the files with their imports; the start block says the same", async () => {
  const out = join(scratch("record"), "run");
  const r = await train([
    "train",
    VARIANT,
    "--preset",
    "tiny",
    "--data",
    data,
    "--out",
    out,
    "--steps",
    "3",
    "--batch",
    "4",
    "--seed",
    "7",
    "--threads",
    "1",
    "--freeze",
    "encode_text",
    "--lr",
    "2e-3",
  ]);
  const c = json(join(out, "config.json"));
  assert.equal(Object.keys(c), [
    "mdl_version",
    "git_commit",
    "started_at",
    "model",
    "variant",
    "seed",
    "flags",
    "hyperparameters",
    "training",
    "environment",
  ]);
  assert.is(c.mdl_version, json("package.json").version);
  const head = spawnSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" });
  assert.is(c.git_commit, head.status === 0 ? head.stdout.trim() : null);
  assert.ok(Math.abs(Date.parse(c.started_at) - Date.now()) < 120_000, c.started_at);
  assert.equal(c.model, {
    file: VARIANT,
    name: "XClipFanInNoPrompts",
    preset: "tiny",
    set: [],
    replace: [],
    remove: [],
  });
  assert.is(c.variant, "xclip-fanin-no-prompts");
  assert.is(c.seed, 7);
  // given, defaulted by commander, defaulted in code, and not given at all
  assert.is(c.flags.lr, 0.002);
  assert.is(c.flags.batch, 4);
  assert.is(c.flags.warmup, 0.1);
  assert.is(c.flags["weight-decay"], 0.001);
  assert.is(c.flags.smoothing, 0.1);
  assert.is(c.flags.accum, 1);
  assert.is(c.flags.keep, 2);
  assert.is(c.flags["best-metric"], "top1");
  assert.is(c.flags.steps, 3);
  assert.is(c.flags.threads, 1);
  assert.is(c.flags.runtime, "onnx");
  assert.equal(c.flags.freeze, ["encode_text"]);
  assert.is(c.flags.weights, null);
  assert.is(c.flags["eval-every"], null);

  const ir = tinyIr(VARIANT);
  assert.equal(c.hyperparameters, Object.fromEntries(ir.hyper.map((h) => [h.name, h.value])));
  assert.is(c.hyperparameters.width, 64);
  const size = (path: string) => ir.params.find((p) => p.path === path)!.shape.reduce((a, b) => a * b, 1);
  const frozen = [...frozenParams(ir, { freeze: ["encode_text"] })].reduce((n, p) => n + size(p), 0);
  const total = ir.params.reduce((n, p) => n + size(p.path), 0);
  assert.ok(frozen > 0 && frozen < total);
  assert.is(c.training.frozen, frozen);
  assert.is(c.training.trainable, total - frozen);
  assert.is(
    c.training.lr_groups.reduce((n: number, g: { params: number }) => n + g.params, 0),
    total - frozen,
  );
  assert.equal(
    c.training.lr_groups.map((g: { pattern: string; lr: number }) => [g.pattern, g.lr]),
    [
      ["rest", 0.002],
      ["**.message_*", 0.02],
      ["mit", 0.02],
    ],
  );
  assert.equal([c.training.steps, c.training.batch, c.training.accum], [3, 4, 1]);
  assert.is(c.environment.engine, "onnx-cpu");
  assert.is(c.environment.threads, 1);
  assert.is(c.environment.device, "cpu");
  assert.is(c.environment.node, process.version);
  assert.match(c.environment.cpu, /\(\d+ cores\)$/);

  // the entry imports ../xclip.mdl, which imports clip.mdl: laid out under the folder above all three
  for (const [copy, original] of [
    ["variants/xclip-fanin-no-prompts.mdl", VARIANT],
    ["xclip.mdl", "models/xclip.mdl"],
    ["clip.mdl", "models/clip.mdl"],
  ])
    assert.is(readFileSync(join(out, "sources", copy), "utf8"), readFileSync(original, "utf8"), copy);

  const count = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} K`);
  assert.match(r.stderr, "  engine   onnx-cpu, 1 thread: ");
  assert.match(r.stderr, `  params   ${count(total - frozen)} trainable, ${count(frozen)} frozen\n`);
  assert.match(r.stderr, "  seed     7\n");
  assert.match(
    r.stderr,
    /  lr       0\.002 for [\d.]+ [MK] \(the rest\); 0\.02 for [\d.]+ K \(\*\*\.message_\*\); 0\.02 for [\d.]+ K \(mit\)\n/,
  );
  assert.match(r.stderr, "  steps    3, batch 4\n");
});

test("--eval-every 2 evaluates at steps 2, 4 and the last; best/ holds the weights of the best step, and its checkpoint records it", async () => {
  const out = join(scratch("eval"), "run");
  await train([...trainArgs(data, out, 5, 1), "--eval-every", "2", "--keep", "10"]);
  const lines = evalLines(out);
  assert.equal(
    lines.map((l) => l.step),
    [2, 4, 5],
  );
  for (const l of lines) {
    assert.equal(Object.keys(l.eval), ["top1", "top5", "loss"]);
    // 10 validation videos: accuracies are tenths
    assert.ok(
      Number.isInteger(Math.round(l.eval.top1 * 10)) &&
        Math.abs(l.eval.top1 * 10 - Math.round(l.eval.top1 * 10)) < 1e-9,
    );
    assert.ok(l.eval.top5 >= l.eval.top1);
    assert.ok(l.eval.loss > 0 && l.eval.loss < 10, String(l.eval.loss));
  }
  const best = bestOf(lines, "top1");
  assert.equal(json(join(out, "best", "best.json")), { step: best.step, metric: "top1", value: best.value });
  assert.ok(
    weightBytes(join(out, "best")).equals(weightBytes(join(out, `ckpt-${best.step}`))),
    `best/ is not ckpt-${best.step}'s weights`,
  );
  const last = loadCheckpoint(join(out, "ckpt-5")).state;
  assert.is(last.best?.step, best.step);
  assert.ok(readFileSync(join(out, "ckpt-5", "best.safetensors")).equals(weightBytes(join(out, "best"))));
  // a checkpoint before the first evaluation records none
  assert.is(loadCheckpoint(join(out, "ckpt-1")).state.best, undefined);
});

test("--keep 3 keeps the newest 3 checkpoints; the default keeps 2", async () => {
  const out = join(scratch("keep"), "run");
  await train([...trainArgs(data, out, 5, 1), "--keep", "3"]);
  assert.equal(checkpointFiles(out), ["ckpt-3", "ckpt-4", "ckpt-5", "latest.json", "metrics.jsonl"]);
  const two = join(scratch("keep2"), "run");
  await train(trainArgs(data, two, 3, 1));
  assert.equal(checkpointFiles(two), ["ckpt-2", "ckpt-3", "latest.json", "metrics.jsonl"]);
});

test("a re-run into a folder that holds a run is MDL546 (exit 2, the folder untouched); --overwrite starts afresh with nothing of the old run left", async () => {
  const out = join(scratch("again"), "run");
  await train([...trainArgs(data, out, 3, 1), "--eval-every", "3"]);
  const before = readFileSync(join(out, "ckpt-3", "weights.safetensors"));
  const again = await mdlTrain(trainArgs(data, out, 3, 1)).done;
  assert.is(again.code, 2, again.stderr);
  assert.match(
    again.stderr,
    `${out}: error MDL546: this folder already holds a training run (3 steps); pass --resume to continue it, --overwrite to start afresh in its place, or choose another --out\n`,
  );
  assert.not.match(again.stderr, "cannot resume");
  assertShortError(again.stderr);
  assert.ok(readFileSync(join(out, "ckpt-3", "weights.safetensors")).equals(before));
  assert.is(json(join(out, "latest.json")).step, 3);

  const both = await mdlTrain([...trainArgs(data, out, 3, 1), "--resume", "--overwrite"]).done;
  assert.is(both.code, 2);
  assert.match(both.stderr, "error MDL001: --overwrite starts afresh");

  const seed9 = trainArgs(data, out, 2, 1).map((a, i, all) => (all[i - 1] === "--seed" ? "9" : a));
  await train([...seed9, "--overwrite"]);
  assert.equal(checkpointFiles(out), ["ckpt-1", "ckpt-2", "latest.json", "metrics.jsonl"]);
  assert.not.ok(existsSync(join(out, "best")), "the old run's best/ is gone");
  assert.equal(evalLines(out), []);
  assert.is(json(join(out, "config.json")).seed, 9);
  assert.equal(
    readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).step),
    [1, 2],
  );
});

test("--eval-every without a validation split is MDL547; an unknown --best-metric is MDL549; both before any work", async () => {
  const noVal = join(scratch("noval"), "ds");
  cpSync(data, noVal, { recursive: true });
  rmSync(join(noVal, "val.txt"));
  const out = join(scratch("noval-run"), "run");
  const r = await mdlTrain([...trainArgs(noVal, out, 2, 1), "--eval-every", "1"]).done;
  assert.is(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    `${join(noVal, "val.txt")}: error MDL547: --eval-every evaluates on the validation split, and the data set has none: ${join(noVal, "val.txt")} is missing`,
  );
  assertShortError(r.stderr);
  assert.not.ok(existsSync(out));
  const m = await mdlTrain([...trainArgs(data, out, 2, 1), "--eval-every", "1", "--best-metric", "top-1"]).done;
  assert.is(m.code, 2, m.stderr);
  assert.match(
    m.stderr,
    "--best-metric: error MDL549: --best-metric `top-1` is not a validation metric; one of top1, top5, loss",
  );
  assertShortError(m.stderr);
});

test("killed after best/ moved past the last checkpoint: a resume puts back the checkpoint's best, and ends with the uninterrupted run's best/", async () => {
  const args = (out: string, steps: number) => [
    ...trainArgs(data, out, steps, 3),
    "--eval-every",
    "2",
    "--best-metric",
    "loss",
    "--keep",
    "10",
  ];
  const ref = join(scratch("best-ref"), "run");
  await train(args(ref, 10));
  const lines = evalLines(ref);
  const upTo3 = bestOf(
    lines.filter((l) => l.step <= 3),
    "loss",
  );
  // the case under test: the evaluation at step 4, after checkpoint 3, beat the best of those up to 3
  assert.is(upTo3.step, 2);
  assert.ok(lines.find((l) => l.step === 4)!.eval.loss < upTo3.value, JSON.stringify(lines));

  const out = join(scratch("best-kill"), "run");
  // SIGKILL as step 5's line is printed: evaluated at 4, saved at 3 only
  const killed = await mdlTrain(args(out, 10), "step:5:SIGKILL").done;
  assert.is(killed.signal, "SIGKILL");
  assert.is(json(join(out, "latest.json")).step, 3);
  assert.is(json(join(out, "best", "best.json")).step, 4, "the killed run had replaced best/ at step 4");

  // resuming with --steps 3 makes no step: what is left is what the resume restored
  const first = readFileSync(join(out, "config.json"), "utf8");
  const short = await train([...args(out, 3), "--resume"]);
  assert.match(
    short.stderr,
    `${join(out, "config.json")}: note MDL548: resumed with flags that differ from config.json, which keeps the first start's: --steps 10 -> 3\n`,
  );
  assert.match(short.stderr, "  resumed  from step 3\n");
  assert.is(readFileSync(join(out, "config.json"), "utf8"), first, "a resume keeps the first start's config.json");
  assert.equal(json(join(out, "best", "best.json")), { step: 2, metric: "loss", value: upTo3.value });
  assert.ok(weightBytes(join(out, "best")).equals(readFileSync(join(ref, "ckpt-3", "best.safetensors"))));

  await train([...args(out, 10), "--resume"]);
  assert.equal(json(join(out, "best", "best.json")), json(join(ref, "best", "best.json")));
  assert.ok(weightBytes(join(out, "best")).equals(weightBytes(join(ref, "best"))));
  assert.equal(
    evalLines(out).map((l) => [l.step, l.eval]),
    lines.map((l) => [l.step, l.eval]),
  );
});

test("git_commit is null outside a repository and without git, never an error", () => {
  const outside = scratch("no-git");
  assert.is(gitCommit(join(outside, "m.mdl")), null);
  const path = process.env.PATH;
  process.env.PATH = "/nonexistent";
  try {
    assert.is(gitCommit("models/xclip.mdl"), null);
  } finally {
    process.env.PATH = path;
  }
});

test.run();
