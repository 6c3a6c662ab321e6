import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadCheckpoint, latestCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { cleanup, mdl, scratch, smallData } from "./helpers.ts";

test.after(cleanup);

const trainArgs = (data: string, out: string) => [
  "train",
  "models/xclip.mdl",
  "--preset",
  "tiny",
  "--data",
  data,
  "--out",
  out,
  "--steps",
  "6",
  "--batch",
  "4",
  "--checkpoint-every",
  "1",
  "--seed",
  "3",
  "--backend",
  "wasm",
  "--threads",
  "1",
];

const finalLoss = (out: string) => loadCheckpoint(latestCheckpoint(out)!).state.metrics.loss!;

/** Every ckpt-* directory on disk is complete: state, weights and moments all readable. */
function assertWhole(out: string) {
  for (const e of readdirSync(out).filter((e) => e.startsWith("ckpt-"))) {
    const c = loadCheckpoint(join(out, e));
    assert.is(c.state.step, Number(e.slice(5)));
    assert.ok(c.weights.size > 0 && c.optimizer.size === 2 * c.weights.size, `${e} is incomplete`);
  }
}

test("mdl train killed with SIGKILL at a random moment and resumed ends with the uninterrupted run's loss", async () => {
  const data = smallData();
  const straight = join(scratch("straight"), "run");
  const r = mdl(...trainArgs(data, straight));
  assert.is(r.status, 0, r.stderr);
  const expected = finalLoss(straight);
  const metricsStraight = readFileSync(join(straight, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.is(metricsStraight.length, 6);

  const killed = join(scratch("killed"), "run");
  // Kill once the first checkpoint exists, after a random extra delay (within the remaining steps or a save).
  // A run that finishes before the kill lands, or a kill during shut-down after the final checkpoint,
  // interrupts nothing: start over with a shorter window (as test/train/resume.test.ts does).
  let window = 600;
  let delay = 0;
  let interrupted = false;
  for (let attempt = 0; !interrupted && attempt < 6; attempt++, window /= 2) {
    rmSync(killed, { recursive: true, force: true });
    delay = Math.floor(Math.random() * window);
    const signal = await new Promise<NodeJS.Signals | null>((done) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...trainArgs(data, killed)], {
        stdio: "ignore",
      });
      const poll = setInterval(() => {
        if (!existsSync(join(killed, "latest.json"))) return;
        clearInterval(poll);
        setTimeout(() => child.kill("SIGKILL"), delay);
      }, 20);
      child.on("exit", (_code, sig) => {
        clearInterval(poll);
        done(sig);
      });
    });
    const last = latestCheckpoint(killed);
    interrupted = signal === "SIGKILL" && last !== undefined && loadCheckpoint(last).state.step < 6;
  }
  assert.ok(interrupted, "could not land a kill before the run ended");
  assertWhole(killed);
  const resumed = mdl(...trainArgs(data, killed), "--resume");
  assert.is(resumed.status, 0, resumed.stderr);
  assertWhole(killed);
  const got = finalLoss(killed);
  assert.ok(
    Math.abs(got - expected) <= 1e-6 * Math.abs(expected),
    `resumed ${got} vs uninterrupted ${expected} (killed after ${delay} ms)`,
  );
  const metrics = readFileSync(join(killed, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(
    metrics.map((m) => [m.step, m.loss]),
    metricsStraight.map((m) => [m.step, m.loss]),
  );
});

test("a corrupt frame stops training before it starts with file and reason; --skip-bad trains on the rest", () => {
  const data = smallData();
  const first = readFileSync(join(data, "train.txt"), "utf8").split("\n")[0].split(" ")[0];
  writeFileSync(join(data, first, "img_00003.png"), "not a png");
  const out = join(scratch("bad"), "run");
  const stop = mdl(
    "train",
    "models/xclip.mdl",
    "--preset",
    "tiny",
    "--data",
    data,
    "--out",
    out,
    "--steps",
    "1",
    "--batch",
    "4",
    "--threads",
    "1",
  );
  assert.is(stop.status, 2);
  assert.match(stop.stderr, new RegExp(`${first}/img_00003\\.png.*error MDL512: cannot decode image`));
  assert.match(stop.stderr, /error MDL519: 1 bad entry in the `train` split/);
  assert.not.match(stop.stderr, /\n\s+at /);
  assert.not.ok(existsSync(join(out, "latest.json")), "nothing was trained");
  const skip = mdl(
    "train",
    "models/xclip.mdl",
    "--preset",
    "tiny",
    "--data",
    data,
    "--out",
    out,
    "--steps",
    "1",
    "--batch",
    "4",
    "--threads",
    "1",
    "--skip-bad",
  );
  assert.is(skip.status, 0, skip.stderr);
  assert.match(skip.stderr, /skipping 1 bad entry; 19 left/);
  assert.match(skip.stderr, /training XCLIP on 19 videos/);
});

test("mdl eval reads back a trained run's weights, on either runtime; bad options are catalogued errors", () => {
  const data = smallData();
  const out = join(scratch("eval"), "run");
  assert.is(
    mdl(
      "train",
      "models/variants/clip-meanpool.mdl",
      "--preset",
      "tiny",
      "--data",
      data,
      "--out",
      out,
      "--steps",
      "2",
      "--batch",
      "4",
      "--threads",
      "1",
    ).status,
    0,
  );
  const w = join(latestCheckpoint(out)!, "weights.safetensors");
  const r = mdl(
    "eval",
    "models/variants/clip-meanpool.mdl",
    "--preset",
    "tiny",
    "--weights",
    w,
    "--data",
    data,
    "--split",
    "test",
    "--views",
    "2x3",
    "--json",
    "--threads",
    "1",
    "--confusion",
    join(out, "c.svg"),
  );
  assert.is(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.n, 10);
  const cells = j.confusion.flat().reduce((a: number, b: number) => a + b, 0);
  assert.is(cells, 10);
  assert.is(j.top1, j.confusion.reduce((a: number, row: number[], i: number) => a + row[i], 0) / 10);
  assert.match(readFileSync(join(out, "c.svg"), "utf8"), /^<svg/);
  // the same classifier on tfjs: the same answers
  const tfjs = mdl(
    "eval",
    "models/variants/clip-meanpool.mdl",
    "--preset",
    "tiny",
    "--weights",
    w,
    "--data",
    data,
    "--split",
    "test",
    "--views",
    "2x3",
    "--json",
    "--threads",
    "1",
    "--runtime",
    "tfjs",
  );
  assert.is(tfjs.status, 0, tfjs.stderr);
  assert.equal(JSON.parse(tfjs.stdout).predictions, j.predictions);
  const wrong = mdl("eval", "models/xclip.mdl", "--preset", "tiny", "--weights", w, "--data", data, "--threads", "1");
  assert.is(wrong.status, 2);
  assert.match(wrong.stderr, /MDL507: \d+ parameters are missing from the checkpoint/);
  const views = mdl(
    "eval",
    "models/variants/clip-meanpool.mdl",
    "--preset",
    "tiny",
    "--weights",
    w,
    "--data",
    data,
    "--views",
    "2x2",
  );
  assert.is(views.status, 2);
  assert.match(views.stderr, /MDL006: `--views` must be CLIPSxCROPS/);
  const lr = mdl("train", "models/xclip.mdl", "--data", data, "--out", out, "--lr", "fast");
  assert.match(lr.stderr, /MDL006: `--lr` must be a positive number, got `fast`/);
});

test.run();
