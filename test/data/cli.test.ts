import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratch } from "./helpers.ts";

const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { encoding: "utf8" });

test("mdl data synth writes a dataset; mdl data check passes it and fails a broken list", () => {
  const out = join(scratch("cli"), "ds");
  const r = mdl(
    "data",
    "synth",
    "--out",
    out,
    "--videos-per-class",
    "1",
    "--eval-per-class",
    "1",
    "--frames",
    "3",
    "--size",
    "8",
    "--seed",
    "2",
  );
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /10 classes, videos: train 10, val 10, test 10/);
  assert.is(readFileSync(join(out, "train.txt"), "utf8").trim().split("\n").length, 10);
  writeFileSync(join(out, "broken.txt"), "train/growing-0000 4\ntrain/growing-0000 10\n");
  const bad = mdl("data", "check", out, "--split", "broken");
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /broken\.txt:2:1: error MDL514: dataset list line 2: label 10 is out of range/);
  assert.match(bad.stdout, /1 good entries, 1 bad/);
});

test("a bad option is a catalogued usage error, exit 2, no stack trace", () => {
  const r = mdl("data", "synth", "--out", scratch("cli2"), "--videos-per-class", "two");
  assert.is(r.status, 2);
  assert.match(r.stderr, /error MDL005: `--videos-per-class` must be a whole number of at least 1, got `two`/);
  assert.not.match(r.stderr, /\n\s+at /);
});

test.run();
