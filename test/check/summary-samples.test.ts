/**
 * `mdl summary` of what issue 22 points 2, 4 and 5 let a user write (summary.txt beside each sample): a derived
 * block's own hyperparameter by keyword, assertions that hold, a forward that calls its base's with `super(x)`, a
 * variant that removes a member its forward no longer calls, and timesformer.mdl, whose block now ends with `super(x)`.
 * Each module, its output and its figures are reviewed as text; `super` adds no module of its own.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { summaryTable } from "../../src/cli/summary.ts";
import { compile } from "../../src/compiler/compile.ts";
import { memoryHost } from "../../src/compiler/2-resolve/host.ts";
import { analyze } from "../../src/compiler/4-ir/analyze.ts";
import { renderAll } from "../../src/compiler/diagnostics/render.ts";
import { expectGolden } from "../helpers/golden.ts";
import { compileSample } from "../compiler/helpers.ts";

const SAMPLES = [
  "test/ir/samples/derived-keyword",
  "test/ir/samples/assert-holds",
  "test/ir/samples/super-forward",
  "test/check/samples/warning-unused-member",
];

function table(ir: NonNullable<ReturnType<typeof compile>["value"]>, depth: number): string {
  const stats = analyze(ir);
  return summaryTable(
    ir,
    stats.modules.filter((m) => m.depth <= depth),
    stats.total,
  );
}

for (const dir of SAMPLES) {
  test(`summary of ${dir}`, () => {
    const r = compileSample(dir);
    assert.ok(r.value, renderAll(r.diagnostics));
    expectGolden(table(r.value!, 3), `${dir}/summary.txt`);
  });
}

test("summary of models/variants/timesformer.mdl (tiny): each block extends ResidualAttentionBlock and keeps its figures", () => {
  const files: Record<string, string> = {};
  for (const f of ["models/xclip.mdl", "models/clip.mdl", "models/variants/timesformer.mdl"])
    files[f] = readFileSync(f, "utf8");
  const r = compile("models/variants/timesformer.mdl", memoryHost(files), { preset: "tiny" });
  assert.ok(r.value, renderAll(r.diagnostics));
  const text = table(r.value!, 4);
  assert.match(text, /\b0\s+DividedSpaceTimeBlock\s+\[8\*B, 17, 64\]/);
  expectGolden(text, "test/variants/timesformer-tiny.summary.txt");
});

test.run();
