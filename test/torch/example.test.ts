/** examples/export-torch.ts: a variant in .mdl -> exported -> trained with torchrun -> evaluated in mdl. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { needs, TORCH_PYTHON, torchMissing } from "../helpers/requires.ts";

const it = needs(test, torchMissing());

it("examples/export-torch.ts trains a variant with torchrun and evaluates the checkpoint in mdl", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "examples/export-torch.ts", "3", "2"], {
    encoding: "utf8",
    timeout: 600_000,
    env: { ...process.env, MDL_TORCH_PYTHON: TORCH_PYTHON },
  });
  assert.is(r.status, 0, r.stderr);
  const losses = [...r.stdout.matchAll(/step (\d)\/3 loss (\d+\.\d+)/g)];
  assert.equal(
    losses.map((m) => Number(m[1])),
    [1, 2, 3],
    r.stdout,
  );
  // ten classes at the start of training: the loss is near ln(10)
  assert.ok(Math.abs(Number(losses[0][2]) - Math.log(10)) < 1, r.stdout);
  const m = r.stdout.match(/evaluated in mdl: (\d+) test videos, top-1 (\d+\.\d)%/);
  assert.ok(m, r.stdout);
  assert.is(Number(m![1]), 10); // one test video per class
  assert.ok(Number(m![2]) % 10 === 0, "top-1 over 10 videos is a multiple of 10%");
});

test.run();
