import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useWasm } from "./backend.ts";
import { train, type TrainOptions } from "../../src/runtime/train/loop.ts";
import { groupsFor } from "../../src/runtime/train/optimizer.ts";
import { latestCheckpoint, loadCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import { lrAt } from "../../src/runtime/train/schedule.ts";
import { createProgress } from "../../src/runtime/train/progress.ts";
import { makeTinyMlp, N } from "./fixtures/tiny-mlp.ts";

test.before(useWasm);
const dirs: string[] = [];
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "mdl-train-"));
  dirs.push(d);
  return d;
};

async function run(seed: number, extra: Partial<TrainOptions> = {}, opts: { noise?: boolean } = {}) {
  const mlp = makeTinyMlp(seed, opts);
  const losses: number[] = [];
  const res = await train({
    variables: mlp.variables,
    groups: groupsFor([...mlp.variables.keys()], { baseDecay: 0.01 }),
    lossFn: mlp.lossFn,
    dataSize: N,
    batch: 16,
    steps: 12,
    lr: { base: 0.01, warmupSteps: 3, totalSteps: 12, minLr: 0 },
    seed,
    out: tmp(),
    progress: "none",
    onStep: (s) => losses.push(s.loss),
    ...extra,
  });
  const weights = mlp.variables.get("fc1.weight")!.dataSync().slice();
  mlp.dispose();
  return { losses, res, weights };
}

test("same seed gives identical losses and weights; another seed does not", async () => {
  const a = await run(3),
    b = await run(3),
    c = await run(4);
  assert.equal(a.losses, b.losses);
  assert.equal([...a.weights], [...b.weights]);
  assert.not.equal(a.losses, c.losses);
  assert.ok(a.losses[11] < a.losses[0], `loss should fall: ${a.losses[0]} -> ${a.losses[11]}`);
});

test("accum=2 on micro-batches of 8 equals one batch of 16 (the same examples, gradient averaged)", async () => {
  const one = await run(3, { batch: 16, accum: 1 }, { noise: false });
  const two = await run(3, { batch: 8, accum: 2 }, { noise: false });
  for (let i = 0; i < one.losses.length; i++)
    assert.ok(Math.abs(one.losses[i] - two.losses[i]) < 1e-5, `step ${i + 1}: ${one.losses[i]} vs ${two.losses[i]}`);
  for (let i = 0; i < one.weights.length; i++) assert.ok(Math.abs(one.weights[i] - two.weights[i]) < 1e-5);
});

test("no tensor leaks: the tensor count is flat across steps (with accumulation and checkpoints)", async () => {
  const counts: number[] = [];
  await run(3, { accum: 2, checkpointEvery: 3, onStep: () => counts.push(tf.memory().numTensors) });
  assert.is(counts.length, 12);
  assert.ok(
    counts.every((n) => n === counts[0]),
    `tensor counts: ${counts.join(" ")}`,
  );
});

test("metrics.jsonl has one line per step and per evaluation; state.json carries step, RNG and metrics", async () => {
  const out = tmp();
  let evals = 0;
  const { losses } = await run(3, {
    out,
    checkpointEvery: 4,
    evalEvery: 5,
    evalFn: (step) => ({ acc: step / 100, n: ++evals }),
  });
  const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const steps = lines.filter((l) => "loss" in l);
  assert.equal(
    steps.map((l) => l.step),
    Array.from({ length: 12 }, (_, i) => i + 1),
  );
  assert.equal(
    steps.map((l) => l.loss),
    losses,
  );
  assert.ok(steps.every((l) => l.examples_per_s > 0 && typeof l.lr === "number"));
  assert.equal(
    lines.filter((l) => "eval" in l).map((l) => [l.step, l.eval.acc]),
    [
      [5, 0.05],
      [10, 0.1],
      [12, 0.12],
    ],
  );
  const latest = latestCheckpoint(out)!;
  assert.ok(latest.endsWith("ckpt-12"));
  const c = loadCheckpoint(latest);
  assert.is(c.state.step, 12);
  assert.is(c.state.optimizerStep, 12);
  assert.is(c.state.metrics.loss, losses[11]);
  assert.equal(c.state.metrics.eval, { acc: 0.12, n: 3 });
  assert.is((c.state.rng as number[]).length, 4);
  assert.equal(c.weights.get("fc2.bias")!.shape, [4]);
  assert.ok(c.optimizer.has("exp_avg_sq.fc1.weight"));
});

test("a NaN loss stops with MDL517 and keeps the last good checkpoint", async () => {
  const out = tmp();
  const mlp = makeTinyMlp(3);
  let calls = 0;
  let error: unknown;
  try {
    await train({
      variables: mlp.variables,
      groups: groupsFor([...mlp.variables.keys()], { baseDecay: 0.01 }),
      lossFn: (idx, rng) => (++calls === 7 ? tf.tidy(() => tf.mul(mlp.lossFn(idx, rng), NaN)) : mlp.lossFn(idx, rng)),
      dataSize: N,
      batch: 16,
      steps: 12,
      seed: 1,
      out,
      progress: "none",
      checkpointEvery: 2,
      lr: { base: 0.01, warmupSteps: 0, totalSteps: 12, minLr: 0 },
    });
  } catch (err) {
    error = err;
  }
  assert.instance(error, MdlError);
  assert.is((error as MdlError).diagnostic.code, "MDL517");
  assert.match((error as MdlError).diagnostic.message, "at step 7");
  assert.ok(latestCheckpoint(out)!.endsWith("ckpt-6"));
  mlp.dispose();
});

test("starting a fresh run over an existing one, or resuming with another batch size, is a user error", async () => {
  const out = tmp();
  await run(3, { out, steps: 4 });
  for (const [extra, code] of [
    [{}, "MDL546"],
    [{ resume: true, batch: 8 }, "MDL516"],
  ] as [Partial<TrainOptions>, string][]) {
    let error: unknown;
    try {
      await run(3, { out, steps: 4, ...extra });
    } catch (err) {
      error = err;
    }
    assert.instance(error, MdlError);
    assert.is((error as MdlError).diagnostic.code, code);
  }
});

test("epochs: each epoch is a fresh permutation, the incomplete last micro-batch dropped; lr follows the schedule", async () => {
  const seen: number[][] = [];
  const mlp = makeTinyMlp(3);
  const out = tmp();
  const sched = { base: 0.01, warmupSteps: 2, totalSteps: 15, minLr: 0.001 };
  const res = await train({
    variables: mlp.variables,
    groups: groupsFor([...mlp.variables.keys()], { baseDecay: 0.01 }),
    lossFn: (idx, rng) => (
      seen.push([...idx]),
      mlp.lossFn(
        idx.map((i) => i % N),
        rng,
      )
    ),
    dataSize: 250,
    batch: 16,
    accum: 2,
    epochs: 2,
    seed: 9,
    out,
    progress: "none",
    lr: sched,
  });
  // 250 / 16 -> 15 micro-batches per epoch; 30 micro-batches / accum 2 -> 15 steps. A step reports the epoch of
  // its last micro-batch. (The model has 240 examples; indices wrap onto them.)
  assert.is(res.totalSteps, 15);
  assert.is(seen.length, 30);
  const epoch0 = seen.slice(0, 15).flat(),
    epoch1 = seen.slice(15).flat();
  for (const e of [epoch0, epoch1]) {
    assert.is(new Set(e).size, 240);
    assert.ok(e.every((i) => i >= 0 && i < 250));
  }
  assert.not.equal(epoch0, epoch1);
  const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(
    lines.map((l) => l.lr),
    Array.from({ length: 15 }, (_, i) => lrAt(i, sched)),
  );
  assert.equal(
    lines.map((l) => l.epoch),
    Array.from({ length: 15 }, (_, i) => Math.floor((2 * i + 1) / 15)),
  );
  mlp.dispose();
});

test("progress without a TTY prints plain lines with step, loss, lr, throughput and ETA", () => {
  let text = "";
  const stream = { isTTY: false, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  const p = createProgress("auto", 0, 40, stream);
  for (let step = 1; step <= 40; step++) p.update({ step, loss: 1 / step, lr: 1e-3, examplesPerS: 50 });
  p.stop();
  const lines = text.trim().split("\n");
  assert.is(lines.length, 20);
  assert.match(lines[0], /^step 2\/40 loss 0\.5000 lr 1\.00e-3 50\.0 ex\/s ETA \d+s$/);
  assert.match(lines[19], /^step 40\/40 loss 0\.0250 /);
});

test.run();
