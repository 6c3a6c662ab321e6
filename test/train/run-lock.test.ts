// One writer per run folder (issue 26.1): a second `mdl train` into the same --out is refused naming the holder,
// a dead holder's lock is taken over with a notice, and clean-up spares a live process's temp entries.
import { checkpointFiles } from "../helpers/run-files.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { MdlError } from "../../src/compiler/diagnostics/diagnostic.ts";
import { acquireRunLock, LOCK } from "../../src/runtime/train/run-lock.ts";
import { cleanup, scratch, smallData } from "../session/helpers.ts";
import { assertShortError, mdlTrain, metricsOf, trainArgs } from "./mdl-child.ts";

test.after(cleanup);
let data: string;
test.before(() => void (data = smallData()));
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid!;
const ISO = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z";

test("a second process in this one is refused naming the holder; release frees the folder", () => {
  const run = join(scratch("lock-unit"), "run");
  const lock = acquireRunLock(run, () => assert.unreachable("no stale lock here"));
  try {
    acquireRunLock(run, () => {});
    assert.unreachable("the second acquire must fail");
  } catch (err) {
    assert.instance(err, MdlError);
    const d = (err as MdlError).diagnostic;
    assert.is(d.code, "MDL540");
    assert.is(d.file, join(run, LOCK));
    assert.match(d.message, new RegExp(`PID ${process.pid} on ${hostname()}, since ${lock.holder.since}`));
  }
  lock.release();
  assert.not.ok(existsSync(join(run, LOCK)));
  acquireRunLock(run, () => {}).release();
});

test("two concurrent mdl train into one --out: the second is refused with the holder named, with and without --resume; the first ends with clean metrics", async () => {
  const out = join(scratch("lock-two"), "run");
  // long enough (a few seconds) to outlast the start of the other two, which compile and read the data first
  const first = mdlTrain(trainArgs(data, out, 200, 50));
  await first.waitFor(/step 10\/200 /);
  const [again, resumed] = await Promise.all([
    mdlTrain(trainArgs(data, out, 200, 50)).done,
    mdlTrain([...trainArgs(data, out, 200, 50), "--resume"]).done,
  ]);
  for (const r of [again, resumed]) {
    assert.is(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(
        `${join(out, LOCK)}: error MDL540: another training is writing to this run folder: PID ${first.proc.pid} on ${hostname()}, since ${ISO}`,
      ),
    );
    assertShortError(r.stderr);
  }
  const r = await first.done;
  assert.is(r.code, 0, r.stderr);
  assert.equal(
    metricsOf(out).map((m) => m.step),
    Array.from({ length: 200 }, (_, i) => i + 1),
  );
  assert.equal(checkpointFiles(out), ["ckpt-150", "ckpt-200", "latest.json", "metrics.jsonl"]);
});

test("a lock from another host is never taken over", async () => {
  const out = join(scratch("lock-host"), "run");
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, LOCK),
    JSON.stringify({ pid: deadPid(), host: "elsewhere.example", since: "2024-05-01T10:00:00.000Z" }),
  );
  const r = await mdlTrain(trainArgs(data, out, 2, 1)).done;
  assert.is(r.code, 2, r.stderr);
  assert.match(r.stderr, /error MDL540: .* on elsewhere\.example, since 2024-05-01T10:00:00\.000Z/);
  assertShortError(r.stderr);
  assert.equal(readdirSync(out), [LOCK]);
});

test("a dead process's lock on this host is taken over with a notice; clean-up removes its temp entries and spares a live process's", async () => {
  const out = join(scratch("lock-stale"), "run");
  const dead = deadPid();
  mkdirSync(join(out, `.ckpt-1.${dead}.tmp`), { recursive: true });
  writeFileSync(join(out, `.metrics.jsonl.${dead}.tmp`), "{}\n");
  // this test process stands for a live writer
  mkdirSync(join(out, `.ckpt-1.${process.pid}.tmp`));
  writeFileSync(join(out, LOCK), JSON.stringify({ pid: dead, host: hostname(), since: "2024-05-01T10:00:00.000Z" }));
  const r = await mdlTrain(trainArgs(data, out, 2, 1)).done;
  assert.is(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `${join(out, LOCK)}: warning MDL542: took over the lock of PID ${dead} \\(since 2024-05-01T10:00:00\\.000Z\\), which is no longer running`,
    ),
  );
  assert.equal(checkpointFiles(out), [
    `.ckpt-1.${process.pid}.tmp`,
    "ckpt-1",
    "ckpt-2",
    "latest.json",
    "metrics.jsonl",
  ]);
});

test.run();
