#!/usr/bin/env node
// Runs the uvu suite and ends with one line CI can read: "N passed, N failed, N skipped".
// uvu exits 0 on an empty folder and prints colour; this wrapper fails when nothing ran, and keeps the
// full log in test-output.log because the wasm backend prints megabyte-long lines on a crash.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";

const args = process.argv.slice(2);
const dir = args[0] ?? "test";
const pattern = args[1] ?? "\\.test\\.ts$";
const log = createWriteStream("test-output.log");
const child = spawn(
  process.execPath,
  // the guard holds every failing mdl the tests spawn to under 2 KB of stderr (test/helpers/stderr-guard.mjs)
  ["--import", "tsx", "--import", "./test/helpers/stderr-guard.mjs", "node_modules/uvu/bin.js", dir, pattern, "--no-color"],
  { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } },
);
let out = "";
const relay = (stream) => (chunk) => {
  const text = chunk.toString();
  out += text;
  log.write(text);
  for (const line of text.split("\n")) {
    if (line === "") continue;
    stream.write((line.length > 400 ? line.slice(0, 400) + " …(cut; see test-output.log)" : line) + "\n");
  }
};
child.stdout.on("data", relay(process.stdout));
child.stderr.on("data", relay(process.stderr));
child.on("close", (code) => {
  log.end();
  const num = (label) => Number((out.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? 0);
  const total = num("Total");
  const passed = num("Passed");
  const skipped = num("Skipped");
  const failed = Math.max(total - passed, code !== 0 && total === passed ? 1 : 0);
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (code !== 0 || failed > 0 || passed === 0) process.exit(code || 1);
});
