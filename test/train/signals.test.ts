// SIGINT and SIGTERM during `mdl train` (issue 26.6): the current step finishes, a checkpoint is saved and named
// on stderr, the exit code is 130 or 143, and --resume ends bit for bit where an uninterrupted run ends. A second
// SIGINT exits at once and leaves the last complete checkpoint as the latest. Signals inside a save are landed by
// fixtures/signal-at.mjs; signals during a step come from outside, on a progress line.
import { checkpointFiles } from "../helpers/run-files.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { latestCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { verifyCheckpoint } from "../../src/runtime/train/recover.ts";
import { cleanup, scratch, smallData } from "../session/helpers.ts";
import { assertShortError, mdlTrain, metricsOf, trainArgs, weightBytes } from "./mdl-child.ts";

test.after(cleanup);
const STEPS = 20;
const EVERY = 5;
let data: string;
test.before(() => void (data = smallData()));
const args = (out: string) => trainArgs(data, out, STEPS, EVERY);
const CODE = { SIGINT: 130, SIGTERM: 143 } as const;
let ref: string;

test("uninterrupted reference run", async () => {
  ref = join(scratch("sig-ref"), "run");
  const r = await mdlTrain(args(ref)).done;
  assert.is(r.code, 0, r.stderr);
});

/** The checkpoint the last stderr line names: latest.json's, complete and finite. */
function assertSavedAndNamed(out: string, stderr: string, line: RegExp): number {
  const last = stderr.trimEnd().split("\n").pop()!;
  const m = line.exec(last);
  assert.ok(m, `last stderr line: ${last}`);
  const dir = m![1];
  const step = Number(m![2]);
  assert.is(dir, join(out, `ckpt-${step}`));
  assert.is(latestCheckpoint(out), dir);
  const c = verifyCheckpoint(dir);
  assert.not.ok("why" in c, "why" in c ? c.why : "");
  // no temp entries, and the lock is released
  assert.ok(
    checkpointFiles(out).every((e) => /^(ckpt-\d+|latest\.json|metrics\.jsonl)$/.test(e)),
    readdirSync(out).join(" "),
  );
  assertShortError(stderr);
  return step;
}

async function assertResumesToReference(out: string, from: number) {
  const r = await mdlTrain([...args(out), "--resume"]).done;
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stderr, /MDL543/, "nothing is skipped");
  assert.match(r.stderr, new RegExp(`step ${STEPS}/${STEPS} `));
  assert.ok(metricsOf(out).length === STEPS && from < STEPS);
  assert.ok(
    weightBytes(join(out, `ckpt-${STEPS}`)).equals(weightBytes(join(ref, `ckpt-${STEPS}`))),
    "final weights differ from the uninterrupted run's",
  );
  assert.equal(metricsOf(out), metricsOf(ref));
}

const saved = (signal: string) =>
  new RegExp(
    `^(\\S+): note MDL544: interrupted by ${signal}; step (\\d+) is saved here and --resume continues from it$`,
  );
const atOnce = (signal: string) =>
  new RegExp(
    `^(\\S+): note MDL545: ${signal} again: stopped at once; the last complete checkpoint \\(step (\\d+)\\) is here$`,
  );

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`${signal} during a step: that step is saved, its path printed, exit ${CODE[signal]}; --resume ends as the uninterrupted run`, async () => {
    const out = join(scratch("sig-step"), "run");
    const child = mdlTrain(args(out));
    await child.waitFor(/step 2\/20 /);
    child.proc.kill(signal);
    const r = await child.done;
    assert.is(r.code, CODE[signal], r.stderr);
    const step = assertSavedAndNamed(out, r.stderr, saved(signal));
    assert.ok(step >= 2 && step < STEPS, `saved at step ${step}`);
    await assertResumesToReference(out, step);
  });

  test(`${signal} inside a save: the save completes, no step after it, exit ${CODE[signal]}; --resume ends as the uninterrupted run`, async () => {
    const out = join(scratch("sig-save"), "run");
    const r = await mdlTrain(args(out), `save:10:${signal}`).done;
    assert.is(r.code, CODE[signal], r.stderr);
    assert.is(assertSavedAndNamed(out, r.stderr, saved(signal)), 10);
    assert.equal(
      metricsOf(out).map((m) => m.step),
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    await assertResumesToReference(out, 10);
  });
}

test("a second SIGINT during a step exits 130 at once, without saving that step; the last complete checkpoint stays the latest", async () => {
  const out = join(scratch("sig-twice-step"), "run");
  const r = await mdlTrain(args(out), "step:12:SIGINT,SIGINT").done;
  assert.is(r.code, 130, r.stderr);
  assert.is(assertSavedAndNamed(out, r.stderr, atOnce("SIGINT")), 10);
  assert.equal(checkpointFiles(out), ["ckpt-10", "ckpt-5", "latest.json", "metrics.jsonl"]);
  await assertResumesToReference(out, 10);
});

test("a second SIGINT inside a save exits 130 once the save is complete, never with a half-written latest", async () => {
  const out = join(scratch("sig-twice-save"), "run");
  const r = await mdlTrain(args(out), "save:15:SIGINT,SIGINT").done;
  assert.is(r.code, 130, r.stderr);
  assert.is(assertSavedAndNamed(out, r.stderr, atOnce("SIGINT")), 15);
  await assertResumesToReference(out, 15);
});

test.run();
