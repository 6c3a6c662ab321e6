/**
 * `mdl train` picks its engine as inference does: ONNX Runtime when it loads (it trains through the compiled
 * step), tfjs when asked; a checkpoint written on one resumes on the other, since both save torch's layout.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadCheckpoint, latestCheckpoint } from "../../src/runtime/train/checkpoint.ts";
import { cleanup, mdl, scratch, smallData } from "./helpers.ts";

test.after(cleanup);

const args = (data: string, out: string, steps: number, ...extra: string[]) => [
  "train",
  "models/xclip.mdl",
  "--preset",
  "tiny",
  "--data",
  data,
  "--out",
  out,
  "--steps",
  String(steps),
  "--batch",
  "2",
  "--seed",
  "3",
  "--checkpoint-every",
  "1",
  ...extra,
];

test("the default is ONNX Runtime; a run started there resumes on tfjs and ends where it would have on tfjs", async () => {
  const data = smallData();
  const out = scratch("engines");
  const first = mdl(...args(data, out, 2));
  assert.is(first.status, 0, first.stderr);
  assert.match(first.stderr, /\(onnx-cpu\)/, "the default engine");
  const resumed = mdl(...args(data, out, 4, "--runtime", "tfjs", "--threads", "1", "--resume"));
  assert.is(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stderr, /\(tfjs-wasm\)/);
  // the same on tfjs alone (2 steps, then resumed to 4: the schedule of a 2-step run, then of a 4-step one)
  const tfjs = scratch("tfjs-only");
  for (const [steps, extra] of [
    [2, []],
    [4, ["--resume"]],
  ] as const) {
    const r = mdl(...args(data, tfjs, steps, "--runtime", "tfjs", "--threads", "1", ...extra));
    assert.is(r.status, 0, r.stderr);
  }
  const [a, b] = [loadCheckpoint(latestCheckpoint(out)!).state, loadCheckpoint(latestCheckpoint(tfjs)!).state];
  assert.is(a.step, 4);
  assert.ok(
    Math.abs(a.metrics.loss! - b.metrics.loss!) <= 1e-4 * Math.abs(b.metrics.loss!),
    `${a.metrics.loss} vs ${b.metrics.loss}`,
  );
});

test.run();
