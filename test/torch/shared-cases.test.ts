/**
 * The shared cases (test/fixtures/cases/*.json): the behaviour the exported train.py must share with mdl, as inputs
 * and outputs worked out by hand or from the formula (each file says how). The TypeScript functions are checked
 * here; train.py's, from src/runtime/torch/py/train.py, by test/torch/shared_cases.py under Debian's torch, on the
 * same files. Every file needs a check on both sides, and each side must check every item it holds.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { matchPath, matchPathOrAncestor, parsePattern } from "../../src/compiler/paths/pattern.ts";
import type { Rng } from "../../src/runtime/data/rng.ts";
import { trainIndices } from "../../src/runtime/data/sampling.ts";
import { resizeShortSide, trainCrop } from "../../src/runtime/data/transform.ts";
import { labelSmoothingCrossEntropy, smoothedTargets } from "../../src/runtime/tfjs/loss.ts";
import { groupsFor, isNoDecay } from "../../src/runtime/train/optimizer.ts";
import { lrAt } from "../../src/runtime/train/schedule.ts";
import { needs, torchMissing, TORCH_PYTHON } from "../helpers/requires.ts";
import { wasm1 } from "../run/helpers.ts";

const DIR = new URL("../fixtures/cases/", import.meta.url);
type Json = any;
const files = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();
const read = (f: string): Json => JSON.parse(readFileSync(new URL(f, DIR), "utf8"));
/** The items a file holds: the entries of its top-level lists, which each side checks one by one. */
const items = (data: Json): number =>
  Object.values(data).reduce((n: number, v) => n + (Array.isArray(v) ? v.length : 0), 0);

const close = (got: number, want: number, tol: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)), `${what}: ${got}, want ${want}`);

/** A generator that hands out the case's draws in order; `left` says how many it did not. */
function draws(values: number[]): Rng & { left: () => number } {
  let i = 0;
  return {
    next() {
      assert.ok(i < values.length, "more draws than the case gives");
      return values[i++];
    },
    left: () => values.length - i,
  };
}

const CHECKS: Record<string, (data: Json) => void> = {
  "lr-schedule.json": (data) => {
    for (const [i, c] of data.cases.entries())
      c.steps.forEach((step: number, k: number) =>
        close(lrAt(step, c.schedule), c.lr[k], 1e-12, `case ${i}, step ${step}`),
      );
  },
  "crops.json": (data) => {
    for (const c of data.resize) {
      const r = resizeShortSide(c.width, c.height, c.short);
      assert.equal([r.width, r.height], c.out, `resize ${c.width}x${c.height} to ${c.short}`);
    }
    for (const [i, c] of data.train.entries()) {
      const rng = draws(c.draws);
      const b = trainCrop(c.width, c.height, c.size, rng, c.jitter ? {} : { scales: [1] });
      assert.is(rng.left(), 0, `train crop ${i}: draws left unused`);
      assert.is(b.flip, false);
      [b.x, b.y, b.w, b.h].forEach((v, k) =>
        close(v, c.box[k], 1e-9, `train crop ${i}, box [${b.x}, ${b.y}, ${b.w}, ${b.h}] at ${k}`),
      );
    }
  },
  "frame-indices.json": (data) => {
    for (const [i, c] of data.cases.entries()) {
      const rng = draws(c.draws);
      assert.equal(trainIndices(c.frames, c.T, rng), c.indices, `case ${i}`);
      assert.is(rng.left(), 0, `case ${i}: draws left unused`);
    }
  },
  "path-patterns.json": (data) => {
    for (const c of data.parse) {
      const r = parsePattern(c.pattern);
      assert.is("error" in r ? r.error.reason : null, c.error, `parse ${JSON.stringify(c.pattern)}`);
    }
    for (const c of data.match) {
      const got = [matchPath(c.pattern, c.path), matchPathOrAncestor(c.pattern, c.path)];
      assert.equal(got, [c.match, c.ancestor], `${c.pattern} on ${JSON.stringify(c.path)}: match, ancestor`);
    }
  },
  "no-decay.json": (data) => {
    for (const c of data.paths) assert.is(isNoDecay(c.path), c.noDecay, `isNoDecay(${c.path})`);
    for (const [i, c] of data.groups.entries()) {
      const got = groupsFor(c.paths, { baseDecay: c.baseDecay, lrScale: new Map(Object.entries(c.lrScales)) });
      assert.equal(got, c.groups, `groups ${i}`);
    }
  },
  "label-smoothing.json": (data) => {
    for (const [i, c] of data.cases.entries()) {
      const targets = smoothedTargets(c.labels, c.classes, c.smoothing);
      (targets.arraySync() as number[][])
        .flat()
        .forEach((v, k) => close(v, c.targets.flat()[k], 1e-6, `case ${i}: target ${k}`));
      const loss = labelSmoothingCrossEntropy(tf.tensor2d(c.logits), c.labels, c.smoothing);
      close(loss.dataSync()[0], c.loss, 1e-5, `case ${i}: loss`);
      tf.dispose([targets, loss]);
    }
  },
};

// the backend the other files of this folder share (they run in one process): tf.setBackend("cpu") here, behind
// initBackend's back, left the later tests on cpu while it said wasm
test.before(wasm1);

test("every shared case file has a TypeScript check, and each holds cases", () => {
  assert.equal(files, Object.keys(CHECKS).sort());
  for (const f of files) assert.ok(items(read(f)) > 0, f);
});

for (const f of files) test(`${f}: the TypeScript functions give the expected values`, () => CHECKS[f]?.(read(f)));

needs(test, torchMissing())("train.py's functions give the same expected values (test/torch/shared_cases.py)", () => {
  const r = spawnSync(TORCH_PYTHON, ["test/torch/shared_cases.py", "test/fixtures/cases"], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, OPENBLAS_NUM_THREADS: "2", OMP_NUM_THREADS: "1", PYTHONDONTWRITEBYTECODE: "1" },
  });
  const report =
    r.status === 0 || r.status === 1
      ? (JSON.parse(r.stdout) as { checked: Record<string, number>; failures: string[] })
      : undefined;
  assert.ok(report, `shared_cases.py exited with ${r.status}:\n${r.stderr}`);
  assert.equal(report.failures, []);
  assert.equal(
    report.checked,
    Object.fromEntries(files.map((f) => [f, items(read(f))])),
    "items checked by shared_cases.py, by file",
  );
});

test.run();
