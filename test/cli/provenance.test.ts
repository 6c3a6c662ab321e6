// Errors that say where the value came from (issue 22 point 7): a tiny CLIP checkpoint loaded into X-CLIP binds
// `embed` = 96 from its shapes, and the fractional `heads` inside std names the instance it was computed for and
// the checkpoint tensor that gave the value (it said `std:199:40 MDL304 ... 1.5` and nothing else).
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { expectGolden } from "../helpers/golden.ts";

const mdl = (...args: string[]) => spawnSync(process.execPath, ["bin/mdl.js", ...args], { encoding: "utf8" });

test("a CLIP checkpoint in X-CLIP: MDL304 in std names the instance and the checkpoint tensor the width came from", () => {
  const r = mdl("summary", "models/xclip.mdl", "--weights", "test/fixtures/clip-tiny/weights.pth");
  assert.is(r.status, 2, r.stderr);
  assert.is(r.stdout, "");
  assert.match(r.stderr, "note: in instance `mit.resblocks.0` (MITBlock)");
  assert.match(r.stderr, "note: `embed` = 96 was bound from the checkpoint's `visual.proj` shape [128, 96]");
  expectGolden(r.stderr, "test/cli/samples/clip-tiny-into-xclip.txt");
});

test("the same value from --set says so", () => {
  const r = mdl("check", "models/xclip.mdl", "--preset", "tiny", "--set", "embed=96");
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, "note: `embed` = 96 is from --set embed=96");
  expectGolden(r.stderr, "test/cli/samples/xclip-set-embed.txt");
});

test.run();
