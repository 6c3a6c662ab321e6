import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";

test("examples/train-variants.ts runs (2 steps, 2 videos per class) and reports both variants", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "examples/train-variants.ts", "2", "2"], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split("\n");
  assert.is(lines.length, 2);
  assert.match(lines[0], /^CLIP mean-pool: final loss \d+\.\d{3}, test top-1 \d+\.\d%, right pair \d+\.\d%$/);
  assert.match(lines[1], /^X-CLIP: final loss \d+\.\d{3}, test top-1 \d+\.\d%/);
});

test.run();
