// One error path (issue 26.2): a full disk during a save, a full stdout, and a bug during `mdl train` each end in one
// catalogued line (no stack, stderr under 2 KB) with exit 2 (70 for a bug), no temp entries left, and a retry once the
// disk frees or the bug is gone ends as an uninterrupted run. The disk fills for real on a small tmpfs where this
// process may mount one (a user and mount namespace), and by fixtures/fail-at.mjs's injected ENOSPC everywhere.
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import { checkpointFiles } from "../helpers/run-files.ts";
import * as assert from "uvu/assert";
import { latestCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { cleanup, scratch, smallData } from "../session/helpers.ts";
import { assertShortError, metricsOf, trainArgs, weightBytes } from "../train/mdl-child.ts";

test.after(cleanup);
const STEPS = 6;
const EVERY = 3;
let data: string;
let ref: string;

function mdl(
  args: string[],
  opts: { failAt?: string; env?: Record<string, string>; stdout?: number } = {},
): SpawnSyncReturns<string> {
  const preload = opts.failAt ? ["--import", "./test/cli/fixtures/fail-at.mjs"] : [];
  return spawnSync(process.execPath, [...preload, "bin/mdl.js", ...args], {
    encoding: "utf8",
    stdio: ["ignore", opts.stdout ?? "pipe", "pipe"],
    env: { ...process.env, MDL_FAIL_AT: opts.failAt ?? "", ...opts.env },
  });
}

/** Only what a finished save leaves: no .ckpt-N.PID.tmp, .metrics.jsonl.PID.tmp, .trash-* or lock. */
const assertNoTempEntries = (out: string) =>
  assert.ok(
    checkpointFiles(out).every((e) => /^(ckpt-\d+|latest\.json|metrics\.jsonl)$/.test(e)),
    readdirSync(out).join(" "),
  );

/** stderr's one error line (progress lines aside), matched against `line`. */
function assertOneError(stderr: string, line: RegExp): void {
  assertShortError(stderr);
  const errors = stderr.split("\n").filter((l) => /(^|: )(error|warning) MDL\d+: /.test(l));
  assert.is(errors.length, 1, stderr);
  assert.match(errors[0], line);
}

function assertEndsAsReference(out: string): void {
  assert.is(latestCheckpoint(out), join(out, `ckpt-${STEPS}`));
  assert.ok(
    weightBytes(join(out, `ckpt-${STEPS}`)).equals(weightBytes(join(ref, `ckpt-${STEPS}`))),
    "final weights differ from the uninterrupted run's",
  );
  assert.equal(metricsOf(out), metricsOf(ref));
  assertNoTempEntries(out);
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const fullDisk = (out: string) =>
  new RegExp(
    `^${esc(out)}/ckpt-6: error MDL007: cannot save checkpoint ckpt-6: no space left on device; 41\\.8 MB needed$`,
  );

test.before(() => {
  data = smallData();
  ref = join(scratch("ep-ref"), "run");
  const r = mdl(trainArgs(data, ref, STEPS, EVERY));
  assert.is(r.status, 0, r.stderr);
});

test("a disk that fills during a save (injected ENOSPC): MDL007 names the checkpoint and the bytes it needed, exit 2, its temp directory removed; a retry on the still-full disk fails alike; once it frees, --resume ends as the uninterrupted run", () => {
  const out = join(scratch("ep-disk"), "run");
  // ckpt-3 (41.8 MB) fits, ckpt-6 runs out part way through its optimizer moments
  const r = mdl(trainArgs(data, out, STEPS, EVERY), { failAt: `disk:60000000:${esc(out)}` });
  assert.is(r.status, 2, r.stderr);
  assertOneError(r.stderr, fullDisk(out));
  assert.is(latestCheckpoint(out), join(out, "ckpt-3"));
  assertNoTempEntries(out);

  // room for metrics.jsonl's lines, not for a checkpoint
  const again = mdl([...trainArgs(data, out, STEPS, EVERY), "--resume"], { failAt: `disk:5000:${esc(out)}` });
  assert.is(again.status, 2, again.stderr);
  assertOneError(again.stderr, fullDisk(out));
  assertNoTempEntries(out);

  const freed = mdl([...trainArgs(data, out, STEPS, EVERY), "--resume"]);
  assert.is(freed.status, 0, freed.stderr);
  assertEndsAsReference(out);
});

test("no room for metrics.jsonl's rewrite on --resume: MDL007 on metrics.jsonl, its temp file removed, the file as it was", () => {
  const out = join(scratch("ep-metrics"), "run");
  // ckpt-3 saved, then a bug at step 5: the run stops with the schedule of 6 steps, as a resume expects
  assert.is(mdl(trainArgs(data, out, STEPS, EVERY), { failAt: "bug:sync:5" }).status, 70);
  const before = metricsOf(out);
  const r = mdl([...trainArgs(data, out, STEPS, EVERY), "--resume"], { failAt: `disk:10:metrics\\.jsonl` });
  assert.is(r.status, 2, r.stderr);
  assertOneError(
    r.stderr,
    new RegExp(`^${esc(out)}/metrics\\.jsonl: error MDL007: cannot write: no space left on device; \\d+ bytes needed$`),
  );
  assertNoTempEntries(out);
  assert.equal(metricsOf(out), before);
  const freed = mdl([...trainArgs(data, out, STEPS, EVERY), "--resume"]);
  assert.is(freed.status, 0, freed.stderr);
  assertEndsAsReference(out);
});

/** Can this process mount a tmpfs in its own user and mount namespace? The reason when it cannot. */
function tmpfsUnavailable(): string | undefined {
  const dir = scratch("ep-probe");
  const r = spawnSync(
    "unshare",
    ["--user", "--map-root-user", "--mount", "sh", "-c", `mount -t tmpfs -o size=1m tmpfs ${dir}`],
    { encoding: "utf8" },
  );
  if (r.error) return `unshare is not installed (${r.error.message})`;
  return r.status === 0 ? undefined : `cannot mount a tmpfs in a user namespace: ${r.stderr.trim().split("\n")[0]}`;
}

test("a disk that fills for real (a 60 MB tmpfs): the same line, exit and clean folder; grown to 200 MB, --resume ends as the uninterrupted run", () => {
  const why = tmpfsUnavailable();
  if (why) {
    console.log(`  skipped the tmpfs variant: ${why}; the injected ENOSPC above covers the same path`);
    return;
  }
  const disk = scratch("ep-tmpfs");
  const out = join(disk, "run");
  const logs = scratch("ep-tmpfs-logs");
  const train = (extra: string) => `node bin/mdl.js ${trainArgs(data, out, STEPS, EVERY).join(" ")} ${extra}`;
  // the tmpfs lives as long as the namespace: both runs, and what they left, are seen from inside it
  const script = [
    `mount -t tmpfs -o size=60m tmpfs ${disk}`,
    `${train("")} 2>${logs}/err1; echo $? >${logs}/rc1`,
    `ls -A ${out} >${logs}/ls1`,
    `mount -o remount,size=200m ${disk}`,
    `${train("--resume")} 2>${logs}/err2; echo $? >${logs}/rc2`,
    `cp -r ${out} ${logs}/run`,
  ].join("\n");
  const r = spawnSync("unshare", ["--user", "--map-root-user", "--mount", "sh", "-c", script], {
    encoding: "utf8",
    env: { ...process.env, MDL_FAIL_AT: "" },
  });
  assert.is(r.status, 0, r.stderr);
  const read = (f: string) => readFileSync(join(logs, f), "utf8");
  assert.is(read("rc1").trim(), "2", read("err1"));
  assertOneError(read("err1"), fullDisk(out));
  // the run's records (config.json, sources/, the CSV and event files) aside, as checkpointFiles leaves them
  const records = /^(metrics\.csv|events\.out\.tfevents\..*|config\.json|sources|best)$/;
  assert.equal(
    read("ls1")
      .trim()
      .split("\n")
      .filter((e) => !records.test(e))
      .sort(),
    ["ckpt-3", "latest.json", "metrics.jsonl"],
  );
  assert.is(read("rc2").trim(), "0", read("err2"));
  const copy = join(logs, "run");
  assert.ok(weightBytes(join(copy, `ckpt-${STEPS}`)).equals(weightBytes(join(ref, `ckpt-${STEPS}`))));
  assert.equal(metricsOf(copy), metricsOf(ref));
});

test("stdout on a full device (`> /dev/full`): MDL008 in one line, exit 2, no stack", () => {
  if (!existsSync("/dev/full")) return void console.log("  skipped: no /dev/full here");
  const fd = openSync("/dev/full", "w");
  try {
    const r = mdl(["ir", "models/clip.mdl", "--json"], { stdout: fd });
    assert.is(r.status, 2, r.stderr);
    assert.is(r.stderr, "error MDL008: cannot write to standard output: no space left on device\n");
  } finally {
    closeSync(fd);
  }
});

test("an invariant that fails inside a step: one MDL009 line with its message and a hint, exit 70, the lock released and no temp entries; without the bug --resume ends as the uninterrupted run", () => {
  const out = join(scratch("ep-bug"), "run");
  const r = mdl(trainArgs(data, out, STEPS, EVERY), { failAt: "bug:sync:5" });
  assert.is(r.status, 70, r.stderr);
  assertOneError(r.stderr, /^error MDL009: internal error: injected at step 5$/);
  assert.match(
    r.stderr,
    /\n {2}= help: this is a bug in mdl, not in what you gave it; MDL_DEBUG=1 prints the stack for a report\n$/,
  );
  assert.is(latestCheckpoint(out), join(out, "ckpt-3"));
  assertNoTempEntries(out);
  const fixed = mdl([...trainArgs(data, out, STEPS, EVERY), "--resume"]);
  assert.is(fixed.status, 0, fixed.stderr);
  assertEndsAsReference(out);
});

test("an error nothing catches, on tfjs-wasm (whose handler rethrew: 58 KB of source, exit 7): one MDL009 line, exit 70; MDL_DEBUG=1 adds the stack", () => {
  const args = (out: string) => [...trainArgs(data, out, STEPS, EVERY), "--runtime", "tfjs", "--backend", "wasm"];
  const out = join(scratch("ep-uncaught"), "run");
  const r = mdl(args(out), { failAt: "bug:async:2" });
  assert.is(r.status, 70, r.stderr);
  assertOneError(r.stderr, /^error MDL009: internal error: injected at step 2, from a timer$/);
  assertNoTempEntries(out);
  const debug = mdl(args(join(scratch("ep-uncaught-debug"), "run")), {
    failAt: "bug:async:2",
    env: { MDL_DEBUG: "1" },
  });
  assert.is(debug.status, 70, debug.stderr);
  assert.match(
    debug.stderr,
    /error MDL009: internal error: injected at step 2, from a timer\nError: injected at step 2, from a timer\n\s+at /,
  );
  assert.not.match(debug.stderr, /= help:/);
});

test("every failing mdl the suite spawns is held to under 2 KB of stderr (test/helpers/stderr-guard.mjs, loaded by scripts/run-tests.mjs)", () => {
  const guard = (
    globalThis as {
      __mdlStderrGuard?: { judge(args: string[], status: number | null, stderr: string): string | undefined };
    }
  ).__mdlStderrGuard;
  assert.ok(guard, "the guard is not loaded: run the tests through scripts/run-tests.mjs");
  assert.is(guard!.judge(["bin/mdl.js", "train"], 2, "x".repeat(2047)), undefined);
  assert.match(
    guard!.judge(["bin/mdl.js", "train"], 7, "x".repeat(2048)) ?? "",
    /^mdl bin\/mdl\.js train exited 7 with 2048 bytes of stderr/,
  );
  assert.is(guard!.judge(["bin/mdl.js", "check"], 1, "x".repeat(5000)), undefined, "exit 1 is a check's finding");
  // a spawned mdl that fails loudly makes spawnSync throw in the test that ran it
  const loud = () =>
    spawnSync(process.execPath, ["-e", "process.stderr.write('x'.repeat(3000)); process.exit(2)", "bin/mdl.js"], {
      encoding: "utf8",
    });
  assert.throws(loud, /exited 2 with 3000 bytes of stderr/);
  const quiet = spawnSync(
    process.execPath,
    ["-e", "process.stderr.write('x'.repeat(2000)); process.exit(2)", "bin/mdl.js"],
    { encoding: "utf8" },
  );
  assert.is(quiet.status, 2);
});

test.run();
