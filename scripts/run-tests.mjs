#!/usr/bin/env node
// Runs the uvu suite and ends with one line CI can read: "N passed, N failed, N skipped".
// uvu exits 0 on an empty folder and prints colour; this wrapper fails when nothing ran, and keeps the
// full log in test-output.log because the wasm backend prints megabyte-long lines on a crash.
//
// The suite's folders (test/train, test/cli, ...) run as separate uvu processes, MDL_TEST_JOBS at a time
// (default: the machine's cores), the longest first (test/durations.json, seconds per folder from an earlier
// run; folders it lacks count by their number of test files). Each folder's output is printed whole when it
// ends, so the log reads as one folder after another. `node scripts/run-tests.mjs test/train 'x\.test\.ts$'`
// runs one folder's matching files in one process, as before.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const dir = args[0] ?? "test";
const pattern = args[1] ?? "\\.test\\.ts$";
const jobs = Math.max(1, Number(process.env.MDL_TEST_JOBS) || availableParallelism());
const log = createWriteStream("test-output.log");

/** Test files under `dir` whose path relative to it matches, as uvu finds them. */
function testFiles(root, rel = "") {
  const out = [];
  for (const name of readdirSync(join(root, rel))) {
    if (name === "node_modules" || name.startsWith(".git")) continue;
    const r = rel ? `${rel}/${name}` : name;
    if (statSync(join(root, r)).isDirectory()) out.push(...testFiles(root, r));
    else if (new RegExp(pattern).test(r)) out.push(r);
  }
  return out;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** One group per top-level folder (files directly in `dir` make one more), each a uvu pattern of its files. */
function groups() {
  const byFolder = new Map();
  for (const f of testFiles(dir)) {
    const key = f.includes("/") ? f.slice(0, f.indexOf("/")) : ".";
    byFolder.set(key, [...(byFolder.get(key) ?? []), f]);
  }
  const durations = existsSync("test/durations.json") ? JSON.parse(readFileSync("test/durations.json", "utf8")) : {};
  return [...byFolder]
    .map(([name, files]) => ({ name, files, weight: durations[name] ?? files.length * 5 }))
    .sort((a, b) => b.weight - a.weight);
}

const num = (out, label) => Number((out.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? 0);

/** Runs uvu over `uvuPattern`; `stream` relays its output as it comes, else it is printed whole at the end. */
function runUvu(uvuPattern, stream) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(
      process.execPath,
      // the guard holds every failing mdl the tests spawn to under 2 KB of stderr (test/helpers/stderr-guard.mjs)
      [
        "--import",
        "tsx",
        "--import",
        "./test/helpers/stderr-guard.mjs",
        "node_modules/uvu/bin.js",
        dir,
        uvuPattern,
        "--no-color",
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } },
    );
    let out = "";
    const take = (to) => (chunk) => {
      const text = chunk.toString();
      out += text;
      if (stream) relay(text, to);
    };
    child.stdout.on("data", take(process.stdout));
    child.stderr.on("data", take(process.stderr));
    child.on("close", (code) => {
      log.write(out);
      if (!stream) relay(out, process.stdout);
      const total = num(out, "Total"),
        passed = num(out, "Passed"),
        skipped = num(out, "Skipped");
      // a process that died before its summary, or exited non-zero with everything passed, is one failure
      const failed = Math.max(total - passed, code !== 0 && total === passed ? 1 : 0);
      resolve({ passed, failed, skipped, code, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

function relay(text, stream) {
  for (const line of text.split("\n")) {
    if (line === "") continue;
    stream.write((line.length > 400 ? line.slice(0, 400) + " …(cut; see test-output.log)" : line) + "\n");
  }
}

const all = groups();
let results;
if (jobs === 1 || all.length <= 1) {
  results = [await runUvu(pattern, true)];
} else {
  const queue = [...all];
  const timings = {};
  results = [];
  await Promise.all(
    Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      for (let g = queue.shift(); g; g = queue.shift()) {
        console.log(`[${g.name}: ${g.files.length} file${g.files.length === 1 ? "" : "s"} started]`);
        const r = await runUvu(`^(${g.files.map(escape).join("|")})$`, false);
        console.log(
          `[${g.name}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped in ${r.seconds.toFixed(0)} s]`,
        );
        timings[g.name] = Math.round(r.seconds);
        results.push(r);
      }
    }),
  );
  // the next run's order: copy to test/durations.json when folders' lengths have changed much
  writeFileSync(
    "test-durations.json",
    JSON.stringify(Object.fromEntries(Object.entries(timings).sort((a, b) => b[1] - a[1])), null, 2) + "\n",
  );
}
log.end();
const sum = (k) => results.reduce((s, r) => s + r[k], 0);
const passed = sum("passed"),
  failed = sum("failed"),
  skipped = sum("skipped");
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (results.some((r) => r.code !== 0) || failed > 0 || passed === 0)
  process.exit(results.find((r) => r.code)?.code || 1);
