import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { synthesize, synthVideoPath } from "../../src/runtime/data/synth.ts";
import { drawSynth, renderSynthVideo, SYNTH_PAIRS } from "../../src/runtime/data/synth-render.ts";
import { decodePng } from "../../src/runtime/data/png.ts";
import { loadDataset, validateDataset } from "../../src/runtime/data/dataset.ts";
import { readClip } from "../../src/runtime/data/clip-reader.ts";
import { scratch } from "./helpers.ts";

const opts = { videosPerClass: 2, evalPerClass: 1, frames: 6, size: 16 };
const a = scratch("synth-a");
const b = scratch("synth-b");
const c = scratch("synth-c");
synthesize({ ...opts, out: a, seed: 5 });
synthesize({ ...opts, out: b, seed: 5 });
synthesize({ ...opts, out: c, seed: 6 });

function files(root: string, dir = root): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? files(root, p) : [relative(root, p)];
    })
    .sort();
}

test("same seed gives byte-identical files; another seed different pixels", () => {
  const names = files(a);
  // 10 classes x (2 + 1 + 1) videos x 6 frames, plus labels, README and three lists
  assert.is(names.length, 10 * 4 * 6 + 5);
  assert.equal(files(b), names);
  for (const n of names) assert.ok(readFileSync(join(a, n)).equals(readFileSync(join(b, n))), n);
  assert.equal(files(c), names);
  const differing = names.filter(
    (n) => n.endsWith(".png") && !readFileSync(join(a, n)).equals(readFileSync(join(c, n))),
  );
  assert.is(differing.length, 10 * 4 * 6);
  assert.ok(readFileSync(join(a, "labels.csv"), "utf8").startsWith("id,name\n0,an object moving to the left\n"));
});

const frameBytes = (root: string, dir: string) =>
  readdirSync(join(root, dir))
    .sort()
    .map((f) => Buffer.from(decodePng(readFileSync(join(root, dir, f)), f).data));

test("on disk, each video of a pair is its twin played backwards, and it does change over time", () => {
  for (const split of ["train", "val", "test"]) {
    const count = split === "train" ? 2 : 1;
    for (let p = 0; p < SYNTH_PAIRS.length; p++)
      for (let i = 0; i < count; i++) {
        const first = frameBytes(a, synthVideoPath(split, 2 * p, i));
        const second = frameBytes(a, synthVideoPath(split, 2 * p + 1, i));
        assert.is(first.length, 6);
        first.forEach((f, t) => assert.ok(f.equals(second[5 - t]), `${split} pair ${p} video ${i} frame ${t}`));
        assert.not.ok(first[0].equals(first[5]), `pair ${p} video ${i} is static`);
      }
  }
});

test("the temporal property holds for many draws, and reversal is not the identity", () => {
  for (let s = 0; s < 40; s++)
    SYNTH_PAIRS.forEach((pair) => {
      const draw = drawSynth(1000 + s, pair.motion, 8, 24);
      const x = renderSynthVideo(draw, 0, pair.forward);
      const y = renderSynthVideo(draw, 1, pair.forward);
      x.forEach((f, t) => assert.ok(Buffer.from(f.data).equals(Buffer.from(y[7 - t].data))));
      // The forward member really goes forward: its parameter grows from the first frame to the last.
      assert.ok(draw.to > draw.from, `${pair.motion} draw ${s}`);
    });
});

test("the written dataset loads, validates clean and reads as clips", async () => {
  const ds = loadDataset(a, "train");
  assert.is(ds.classes.length, 10);
  assert.is(ds.entries.length, 20);
  assert.equal(ds.problems, []);
  const { entries, problems } = await validateDataset(ds);
  assert.equal(problems, []);
  assert.is(entries.length, 20);
  const clip = await readClip(entries[0], { frames: 6, size: 16 });
  assert.is(clip.length, 6 * 3 * 16 * 16);
  assert.ok(clip.every(Number.isFinite));
});

test.run();
