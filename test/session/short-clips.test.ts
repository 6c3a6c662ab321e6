/**
 * A clip with fewer frames than the model's is not padded silently (issue 26.5): `mdl eval` and `mdl train`
 * name it (MDL557) with its frame count, and the rest are counted past five.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cleanup, mdl, scratch, smallData } from "./helpers.ts";

let data = "";
test.before(() => {
  data = smallData();
  // the synthetic videos are folders of 8 PNG frames; keep 3 of one training and one test video
  for (const clip of ["train/moving-left-0000", "test/moving-left-0000"]) {
    const dir = join(data, clip);
    for (const f of readdirSync(dir).sort().slice(3)) rmSync(join(dir, f));
  }
});
test.after(cleanup);

test("mdl train names a training clip shorter than the model's 8 frames, once", () => {
  const r = mdl(
    "train",
    "models/xclip.mdl",
    "--preset",
    "tiny",
    "--data",
    data,
    "--out",
    join(scratch("short"), "run"),
    "--steps",
    "1",
    "--batch",
    "2",
    "--threads",
    "1",
  );
  assert.is(r.status, 0, r.stderr);
  const notes = r.stderr.split("\n").filter((l) => l.includes("MDL557"));
  assert.is(notes.length, 1, r.stderr);
  assert.match(notes[0], "moving-left-0000");
  assert.match(notes[0], "the clip has 3 frames, fewer than the model's 8");
});

test("mdl eval names a test clip shorter than the model's frames and still scores every video", () => {
  const out = scratch("short-eval");
  const t = mdl(
    "train",
    "models/xclip.mdl",
    "--preset",
    "tiny",
    "--data",
    data,
    "--out",
    join(out, "run"),
    "--steps",
    "1",
    "--batch",
    "2",
    "--threads",
    "1",
  );
  assert.is(t.status, 0, t.stderr);
  const weights = t.stdout.match(/weights: (\S+)/)![1];
  const r = mdl(
    "eval",
    "models/xclip.mdl",
    "--preset",
    "tiny",
    "--weights",
    weights,
    "--data",
    data,
    "--split",
    "test",
    "--threads",
    "1",
    "--json",
  );
  assert.is(r.status, 0, r.stderr);
  const notes = r.stderr.split("\n").filter((l) => l.includes("MDL557"));
  assert.is(notes.length, 1, r.stderr);
  assert.match(notes[0], join("test", "moving-left-0000"));
  assert.match(notes[0], /frame indices 0, 0, 1, 1, 1, 2, 2, 2|frame indices [0-2](, [0-2]){7}/);
  assert.is((JSON.parse(r.stdout) as { n: number }).n, 10);
});

test.run();
