// Kill-and-resume: the tiny MLP run (fixtures/run-small.ts) is SIGKILLed at random moments and at each stage of
// a checkpoint save, restarted with --resume, and must end exactly where an uninterrupted run ends.
import { checkpointFiles } from "../helpers/run-files.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { latestCheckpoint, loadCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { D, H, K } from "./fixtures/tiny-mlp.ts";

const SCRIPT = "test/train/fixtures/run-small.ts";
const STEPS = 120;
const root = mkdtempSync(join(tmpdir(), "mdl-resume-"));
test.after(() => rmSync(root, { recursive: true, force: true }));

interface ChildResult {
  signal: NodeJS.Signals | null;
  code: number | null;
  lines: string[];
  stderr: string;
  /** ms from the first "ckpt" line to exit. */
  afterFirstCkpt: number;
}

function runChild(out: string, args: string[], killAfterFirstCkptMs?: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", SCRIPT, "--out", out, "--steps", String(STEPS), ...args],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const lines: string[] = [];
    let stderr = "";
    let firstCkptAt = 0;
    let buf = "";
    child.stdout.on("data", (chunk) => {
      buf += chunk;
      const parts = buf.split("\n");
      buf = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        if (line.startsWith("ckpt ") && !firstCkptAt) {
          firstCkptAt = Date.now();
          if (killAfterFirstCkptMs !== undefined) setTimeout(() => child.kill("SIGKILL"), killAfterFirstCkptMs);
        }
      }
    });
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    child.on("close", (code, signal) =>
      resolve({ code, signal, lines, stderr, afterFirstCkpt: Date.now() - firstCkptAt }),
    );
  });
}

const finalLoss = (r: ChildResult) => {
  const done = r.lines.find((l) => l.startsWith("done "));
  assert.ok(done, `no "done" line; exit ${r.code} ${r.signal}; stderr: ${r.stderr.slice(-500)}`);
  return Number(done!.split(" ")[1]);
};

/** What latest.json points to must be complete: every tensor present with the right size, state consistent. */
function assertUsable(out: string): number {
  const dir = latestCheckpoint(out);
  assert.ok(dir, "a checkpoint had been printed, so latest.json must exist");
  const c = loadCheckpoint(dir!);
  assert.ok(dir!.endsWith(`ckpt-${c.state.step}`));
  const sizes: Record<string, number> = {
    "fc1.weight": D * H,
    "fc1.bias": H,
    "ln.weight": H,
    "fc2.weight": H * K,
    "fc2.bias": K,
  };
  assert.is(c.weights.size, 5);
  for (const [name, n] of Object.entries(sizes)) {
    assert.is(c.weights.get(name)!.data.length, n, name);
    assert.is(c.optimizer.get(`exp_avg.${name}`)!.data.length, n);
    assert.is(c.optimizer.get(`exp_avg_sq.${name}`)!.data.length, n);
  }
  assert.is(c.state.optimizerStep, c.state.step);
  return c.state.step;
}

const metricsOf = (out: string) =>
  readFileSync(join(out, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const { step, loss, lr } = JSON.parse(l);
      return { step, loss, lr };
    });

let ref: { out: string; loss: number; window: number };

function assertSameAsReference(out: string, loss: number) {
  assert.ok(Math.abs(loss - ref.loss) <= 1e-6 * Math.abs(ref.loss), `final loss ${loss} vs ${ref.loss}`);
  const a = loadCheckpoint(join(ref.out, `ckpt-${STEPS}`)).weights;
  const b = loadCheckpoint(join(out, `ckpt-${STEPS}`)).weights;
  for (const [name, t] of a) assert.equal([...b.get(name)!.data], [...t.data], `final ${name}`);
  assert.equal(metricsOf(out), metricsOf(ref.out));
  // Only the newest two checkpoints remain, and no leftovers of interrupted saves.
  assert.equal(checkpointFiles(out), ["ckpt-110", "ckpt-120", "latest.json", "metrics.jsonl"]);
}

test("uninterrupted reference run", async () => {
  const out = join(root, "ref");
  const r = await runChild(out, []);
  assert.is(r.code, 0, r.stderr);
  ref = { out, loss: finalLoss(r), window: r.afterFirstCkpt };
  assert.is(r.lines.filter((l) => l.startsWith("ckpt ")).length, STEPS / 10);
});

test("SIGKILL at random moments after a checkpoint, twice, then resume: same final loss and weights", async () => {
  const out = join(root, "random");
  let kills = 0;
  let window = ref.window;
  for (let attempt = 0; kills < 2 && attempt < 8; attempt++) {
    const delay = Math.floor(Math.random() * window * 0.8);
    const r = await runChild(out, kills ? ["--resume"] : [], delay);
    if (r.signal !== "SIGKILL") {
      // It finished before the kill landed: start over with a shorter window.
      assert.is(r.code, 0, r.stderr);
      rmSync(out, { recursive: true, force: true });
      kills = 0;
      window /= 2;
      continue;
    }
    const step = assertUsable(out);
    if (step === STEPS) {
      // The kill landed after the final checkpoint, during shut-down: training was not interrupted.
      // Treat it like a run that finished first.
      rmSync(out, { recursive: true, force: true });
      kills = 0;
      window /= 2;
      continue;
    }
    kills++;
    assert.ok(step >= 10 && step < STEPS, `killed after ${delay} ms at checkpoint ${step}`);
  }
  assert.is(kills, 2, "could not land two kills before the run ended");
  const r = await runChild(out, ["--resume"]);
  assert.is(r.code, 0, r.stderr);
  assertSameAsReference(out, finalLoss(r));
});

for (const [phase, expectLatest] of [
  ["files-written", 40],
  ["dir-renamed", 40],
  ["pointer-staged", 40],
  ["pointer-written", 50],
] as const) {
  test(`SIGKILL inside a checkpoint save (${phase}) leaves a usable latest checkpoint; resume matches`, async () => {
    const out = join(root, phase);
    const killed = await runChild(out, ["--die-at", `${phase}:50`]);
    assert.is(killed.signal, "SIGKILL");
    assert.is(assertUsable(out), expectLatest);
    if (phase === "files-written") assert.not.ok(existsSync(join(out, "ckpt-50")));
    if (phase === "dir-renamed") assert.ok(existsSync(join(out, "ckpt-50")), "the renamed but unreferenced directory");
    if (phase === "pointer-staged")
      assert.ok(
        readdirSync(out).some((e) => /^\.latest\.json\.\d+\.tmp$/.test(e)),
        "the staged pointer is left behind",
      );
    const r = await runChild(out, ["--resume"]);
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.lines.includes(`done ${finalLoss(r)} resumed ${expectLatest}`));
    assertSameAsReference(out, finalLoss(r));
  });
}

test.run();
