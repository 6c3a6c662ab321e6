/**
 * `mdl summary --freeze / --train-only / --recompute` (issue 22 point 6): trainable and frozen parameters per
 * module, and the training memory of exactly that setting, as a user runs it; goldens in summary-training/.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { expectGolden } from "../helpers/golden.ts";

const DIR = "test/check/summary-training";
const mdl = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/mdl.js", "summary", ...args], {
    encoding: "utf8",
    timeout: 180_000,
    env: { ...process.env, NODE_OPTIONS: "" },
  });
const json = (...args: string[]) => {
  const r = mdl(...args, "--json");
  assert.is(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};

test("a frozen tower keeps nothing for the backward but the trained head's input and output", () => {
  const all = json(`${DIR}/tower.mdl`).trainingMemory;
  assert.equal(all, { params: 2312, grads: 2312, adamw: 4624, activations: 264 });
  const tower = json(`${DIR}/tower.mdl`, "--freeze", "a", "--freeze", "b");
  // head: 2 x 16 + 2 = 34 parameters trained, 4 bytes each; kept: b's relu [1, 16] and the logits [1, 2]
  assert.equal(tower.trainingMemory, { params: 2312, grads: 136, adamw: 272, activations: 64 + 8 });
  assert.equal(
    tower.modules.map((m: { path: string; trainable: number; frozen: number }) => [m.path, m.trainable, m.frozen]),
    [
      ["", 34, 544],
      ["a", 0, 272],
      ["b", 0, 272],
      ["head", 34, 0],
    ],
  );
  // a frozen head under trained layers still passes their gradient back: every value is kept
  assert.is(json(`${DIR}/tower.mdl`, "--freeze", "head").trainingMemory.activations, 264);
});

test("X-CLIP B/32 with the text encoder frozen, as the official recipe trains it", () => {
  const r = mdl("models/xclip.mdl", "--preset", "B/32", "--depth", "1", "--freeze", "encode_text");
  assert.is(r.status, 0, r.stderr);
  expectGolden(r.stdout, `${DIR}/xclip-b32-freeze-text.txt`);
});

test("EVL at B/16 with only its decoder trained and the vision blocks recomputed", () => {
  const args = [
    "models/variants/evl.mdl",
    "--preset",
    "B/16",
    "--depth",
    "1",
    "--train-only",
    "evl_*",
    "--recompute",
    "visual.transformer.resblocks",
  ];
  const r = mdl(...args);
  assert.is(r.status, 0, r.stderr);
  expectGolden(r.stdout, `${DIR}/evl-b16-train-only.txt`);
  const frozen = json(...args).trainingMemory;
  const full = json("models/variants/evl.mdl", "--preset", "B/16").trainingMemory;
  assert.ok(
    frozen.activations < full.activations / 4,
    `${frozen.activations} kept with the backbone frozen, ${full.activations} trained`,
  );
  assert.ok(frozen.recomputed.kept <= frozen.activations);
});

test("a pattern written as the module's path names a key that sits at the top level: did-you-mean", () => {
  const r = mdl("models/xclip.mdl", "--preset", "B/32", "--freeze", "encode_text.positional_embedding");
  assert.is(r.status, 2);
  expectGolden(r.stderr, `${DIR}/error-key-inside-use.txt`);
  assert.match(r.stderr, "did you mean `positional_embedding`?");
});

test("freezing everything is MDL452, as in mdl train", () => {
  const r = mdl(`${DIR}/tower.mdl`, "--freeze", "**");
  assert.is(r.status, 2);
  assert.match(r.stderr, "MDL452");
});

test.run();
