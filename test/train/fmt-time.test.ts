/** The ETA's text: whole seconds before the units split, so a value just under a minute boundary never reads 1m60s. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fmtTime } from "../../src/runtime/train/progress.ts";

test("seconds, minutes and hours, rounded to whole seconds first", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [59.4, "59s"],
    [59.6, "1m00s"],
    [119.6, "2m00s"],
    [125, "2m05s"],
    [3599.6, "1h00m"],
    [3725, "1h02m"],
    [Infinity, "?"],
    [NaN, "?"],
  ];
  for (const [s, want] of cases) assert.is(fmtTime(s), want, String(s));
});

test.run();
